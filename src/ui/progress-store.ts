/**
 * Where an attendee left off, one small JSON file per deck (keyed by the deck's absolute path),
 * written to a temporary file then renamed so that a crash never leaves half a file behind.
 */
import { createHash } from "node:crypto";
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { writeFileAtomicSync } from "../fs/atomic-write.js";
import type { SavedPosition } from "./state.js";

const STATUSES = ["passed", "failed", "skipped", "timedOut", "interrupted"] as const;

const ProgressFile = z.object({
  version: z.literal(1),
  deck: z.string(),
  current: z.string().nullable(),
  statuses: z.record(z.string(), z.enum(STATUSES)),
  savedAt: z.string(),
});
export type ProgressFile = z.infer<typeof ProgressFile>;

export type LoadedProgress =
  | { readonly kind: "none" }
  | { readonly kind: "found"; readonly position: SavedPosition; readonly savedAt: string }
  | { readonly kind: "corrupt"; readonly message: string };

/** $LABRUN_STATE_DIR, else $XDG_STATE_HOME/labrun, else ~/.local/state/labrun. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LABRUN_STATE_DIR) return env.LABRUN_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, "labrun");
  return join(homedir(), ".local", "state", "labrun");
}

/**
 * Why progress cannot be saved in `dir`, in a few words ("not a folder", "not writable"), or
 * undefined when it can: the folder, or the nearest existing folder above it, is writable.
 * Nothing is created.
 */
export function stateDirProblem(dir: string): string | undefined {
  let at = resolve(dir);
  for (;;) {
    let isDir: boolean;
    try {
      isDir = statSync(at).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === "ENOENT" || code === "ENOTDIR") && dirname(at) !== at) {
        // ENOTDIR: a file on the way; the walk up finds it and says so.
        at = dirname(at);
        continue;
      }
      return `cannot use it (${code ?? (e as Error).message})`;
    }
    if (!isDir) return at === resolve(dir) ? "not a folder" : `not a folder (${at} is a file)`;
    try {
      accessSync(at, constants.W_OK | constants.X_OK);
    } catch {
      return at === resolve(dir) ? "not writable" : `cannot be created (${at} is not writable)`;
    }
    return undefined;
  }
}

export class ProgressStore {
  readonly deck: string;
  readonly file: string;

  constructor(deckPath: string, stateDir: string = defaultStateDir()) {
    this.deck = resolve(deckPath);
    const hash = createHash("sha256").update(this.deck).digest("hex").slice(0, 16);
    const name = basename(this.deck).replace(/[^\w.-]+/g, "_").slice(0, 40);
    this.file = join(stateDir, `${name}-${hash}.json`);
  }

  /** Never throws: a file that cannot be read or does not validate is reported, not fatal. */
  load(): LoadedProgress {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { kind: "none" };
      return { kind: "corrupt", message: `cannot read ${this.file}: ${(e as Error).message}` };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return { kind: "corrupt", message: `${this.file} is not JSON (${(e as Error).message})` };
    }
    const parsed = ProgressFile.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { kind: "corrupt", message: `${this.file} is not a labrun progress file (${issue ? `${issue.path.join(".") || "file"}: ${issue.message}` : "invalid"})` };
    }
    if (parsed.data.deck !== this.deck) return { kind: "none" };
    return { kind: "found", position: { current: parsed.data.current, statuses: parsed.data.statuses }, savedAt: parsed.data.savedAt };
  }

  /** Returns an error message when the file could not be written. */
  save(position: SavedPosition): string | undefined {
    const content: ProgressFile = { version: 1, deck: this.deck, current: position.current, statuses: { ...position.statuses }, savedAt: new Date().toISOString() };
    try {
      writeFileAtomicSync(this.file, JSON.stringify(content, null, 2) + "\n");
      return undefined;
    } catch (e) {
      return `progress not saved: ${(e as Error).message}`;
    }
  }
}
