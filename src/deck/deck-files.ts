import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { DeckError } from "../problem.js";
import { DEFAULT_LIMITS, formatSize, type Limits } from "./limits.js";

/** Where a file is named: the file and line of the manifest entry or `@@INCLUDE` (for the error). */
export interface NamedAt {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** How the place names the file (`content entry 'x.md'`, `@@INCLUDE[x]`). */
  readonly what: string;
}

/**
 * The repository a deck lives in: the nearest folder above `start` (itself included) that holds a
 * `.git` (a folder, or a file in a worktree), else `fallback`.
 */
export function findRepository(start: string, fallback: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      lstatSync(join(dir, ".git"));
      return dir;
    } catch {
      // not here: look above
    }
    if (dirname(dir) === dir) return fallback;
  }
}

/**
 * The only way a deck's files are read: each one (symlinks resolved) inside the deck's
 * repository, a regular file (checked before opening: opening a FIFO blocks), at most
 * `limits.fileSize` bytes, and all of them together at most `limits.deckSize`. Never reads more
 * than the limit, even from a file that grows.
 */
export class DeckFiles {
  readonly repository: string;
  private readonly realRepository: string;
  private total = 0;
  private readonly readPaths = new Set<string>();

  constructor(
    repository: string,
    private limits: Limits = DEFAULT_LIMITS,
  ) {
    this.repository = repository;
    this.realRepository = realpathOr(repository);
  }

  /** The real paths of every file read so far, in the order first read (what `labrun watch` watches). */
  get sources(): readonly string[] {
    return [...this.readPaths];
  }

  /** Applies the limits of the deck's configuration, once it is known. */
  setLimits(limits: Limits): void {
    this.limits = limits;
  }

  /**
   * The real path of `abs` when it may be read: in the repository, a regular file. `undefined`
   * when it does not exist. Throws DeckError (at `at`) otherwise.
   */
  check(abs: string, shown: string, at?: NamedAt): string | undefined {
    let real: string;
    try {
      real = realpathSync(abs);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw fail(shown, at, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const rel = relative(this.realRepository, real);
    if (rel.startsWith("..") || isAbsolute(rel)) {
      const via = real === abs ? "" : ` (it leads to ${real})`;
      throw fail(shown, at, `is outside the deck's repository ${this.repository}${via}: a deck reads only its own files`);
    }
    const stat = attempt(() => statSync(real), shown, at);
    if (!stat.isFile()) throw fail(shown, at, `is ${kindOf(stat)}, not a regular file`);
    return real;
  }

  /** The text of a file that check() accepts (see read()). */
  readText(abs: string, shown: string, at?: NamedAt): string {
    return decodeText(this.read(abs, shown, at), shown);
  }

  /** The bytes of a file that check() accepts; throws DeckError when it does not, or when it does not exist. */
  read(abs: string, shown: string, at?: NamedAt): Buffer {
    const real = this.check(abs, shown, at);
    if (real === undefined) throw fail(shown, at, "no such file");
    // O_NONBLOCK: should a FIFO replace the file after the check, opening it does not block.
    const fd = attempt(() => openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK), shown, at);
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw fail(shown, at, `is ${kindOf(stat)}, not a regular file`);
      const max = Math.min(this.limits.fileSize, this.limits.deckSize - this.total);
      // One byte more than allowed tells a file over the limit, whatever stat said.
      const bytes = attempt(() => readAtMost(fd, max + 1), shown, at);
      if (bytes.length > this.limits.fileSize) {
        throw fail(shown, at, `is larger than the file size limit (${formatSize(this.limits.fileSize)}; limits.fileSize in labrun.yml raises it)`);
      }
      if (bytes.length > max) {
        throw fail(shown, at, `takes the deck over its size limit (${formatSize(this.limits.deckSize)} in all; limits.deckSize in labrun.yml raises it)`);
      }
      this.total += bytes.length;
      this.readPaths.add(real);
      return bytes;
    } finally {
      closeSync(fd);
    }
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** A deck file's bytes as text: UTF-8 (a BOM dropped), no NUL byte. */
export function decodeText(bytes: Buffer, shown: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new DeckError(shown, "binary file (contains a NUL byte), not a Markdown deck", lineAt(bytes, nul));
  try {
    return decoder.decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new DeckError(shown, "not valid UTF-8 text", lineAt(bytes, firstInvalidUtf8(bytes)));
  }
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++;
  return line;
}

function firstInvalidUtf8(bytes: Buffer): number {
  // Decode line by line: the first line that fails holds the bad byte.
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    if (end < 0) end = bytes.length;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return start;
    }
    start = end + 1;
  }
  return 0;
}

function readAtMost(fd: number, max: number): Buffer {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < max) {
    const chunk = Buffer.allocUnsafe(Math.min(max - length, 1 << 20));
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    length += n;
  }
  return Buffer.concat(chunks, length);
}

/** A file system call whose failure (EACCES, a file replaced meanwhile) is the deck's error, not a crash. */
function attempt<T>(call: () => T, shown: string, at: NamedAt | undefined): T {
  try {
    return call();
  } catch (e) {
    throw fail(shown, at, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function fail(shown: string, at: NamedAt | undefined, message: string): DeckError {
  if (!at) return new DeckError(shown, message);
  return new DeckError(at.file, `${at.what} ${message}`, at.line, at.column);
}

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return "a folder";
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "something other than a file";
}
