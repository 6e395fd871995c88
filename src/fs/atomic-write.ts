/**
 * Files written whole or not at all: each goes to a temp file beside it (unique per process and
 * call) and is renamed over the final path when complete, so two runs writing the same path leave
 * one of their files, valid, never a mix. Temp files are removed when a write fails.
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { chmod, chown, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** A hidden name in the same folder (a rename never crosses file systems): pid and random. */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Who owns a file: an existing file's owner, kept when it is replaced. */
export interface FileOwner {
  readonly uid: number;
  readonly gid: number;
}

/**
 * `mode`: the file's permission bits (an existing file's, when it replaces one), else the default
 * under the umask. `owner`: the replaced file's owner, given back to the new inode (the rename
 * makes a file of the runner's: root rewriting an attendee's slide would take it from them);
 * where the runner may not chown (not root), the file is the runner's, as any file it writes.
 */
export async function writeFileAtomic(file: string, data: string, mode?: number, owner?: FileOwner): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  try {
    await writeFile(temp, data, { encoding: "utf8", flag: "wx" });
    if (owner !== undefined && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) await chown(temp, owner.uid, owner.gid).catch(notPermitted);
    // After chown, which clears the set-id bits.
    if (mode !== undefined) await chmod(temp, mode);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** A chown this process may not do is skipped; anything else is an error. */
function notPermitted(error: NodeJS.ErrnoException): void {
  if (error.code !== "EPERM") throw error;
}

/** `data`: text (written as UTF-8) or bytes. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  try {
    writeFileSync(temp, data, { encoding: "utf8", flag: "wx" });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * A file written piece by piece (synchronously, so that nothing is left in a buffer when the
 * process exits) into its temp file, and renamed into place by `commit`. If the process exits
 * first (a signal handler calling process.exit), what was written is committed then: a recording
 * cut short is still a whole file at its path. After a write error, the temp file is removed and
 * `commit` throws that error.
 */
export class AtomicFile {
  private fd: number | undefined;
  private readonly temp: string;
  private error: Error | undefined;
  private done = false;
  private readonly onExit = () => {
    try {
      this.commit();
    } catch {
      // The process is exiting: nothing left to tell.
    }
  };

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.temp = tempPathFor(file);
    this.fd = openSync(this.temp, "wx");
    process.once("exit", this.onExit);
  }

  write(text: string): void {
    if (this.fd === undefined || this.error) return;
    try {
      const buffer = Buffer.from(text, "utf8");
      let offset = 0;
      while (offset < buffer.length) offset += writeSync(this.fd, buffer, offset);
    } catch (error) {
      this.error = error instanceof Error ? error : new Error(String(error));
      this.discard();
    }
  }

  /** Closes the temp file and renames it over the final path; throws the first write error. */
  commit(): void {
    if (this.done) {
      if (this.error) throw this.error;
      return;
    }
    this.done = true;
    process.off("exit", this.onExit);
    if (this.error) throw this.error;
    try {
      this.close();
      renameSync(this.temp, this.file);
    } catch (error) {
      this.error = error instanceof Error ? error : new Error(String(error));
      this.discard();
      throw this.error;
    }
  }

  /** Closes and removes the temp file: the final path is left as it was. */
  discard(): void {
    this.done = true;
    process.off("exit", this.onExit);
    try {
      this.close();
    } finally {
      rmSync(this.temp, { force: true });
    }
  }

  private close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}
