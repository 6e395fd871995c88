/**
 * The plan cache: what parseDeck and buildGraph made of a deck, kept on disk so that planning a
 * deck whose files did not change costs a file read and a deserialize, not remark and the bash
 * grammar. An entry's name is a hash of everything the plan depends on: the code (the build id),
 * the Node.js version, the deck's source path and the loaded deck itself (every file's text as
 * loaded, the configuration). Parsing and building the graph read nothing else.
 *
 * Where: $LABRUN_CACHE_DIR, else $XDG_CACHE_HOME/labrun/plans, else ~/.cache/labrun/plans.
 * LABRUN_CACHE=off turns it off. Run from source (no build id), it is off unless
 * LABRUN_CACHE_DIR is set. The cache never fails a command: an entry that cannot be read or
 * does not check out is a miss (and is replaced), a folder that cannot be written is skipped.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";
import type { Deck } from "../deck/load.js";
import type { ParsedDeck } from "../parse/parse-deck.js";
import type { StepGraph } from "../graph/build.js";
import type { ShellFacts } from "../graph/shell-facts.js";
import { writeFileAtomicSync } from "../fs/atomic-write.js";

/** Set by the esbuild builds (scripts/build-id.mjs): a hash of the code and its dependencies. */
declare const __LABRUN_BUILD_ID__: string | undefined;

/** Entries kept: the most recently used; the rest go when a new entry is written. */
export const MAX_ENTRIES = 64;
const SUFFIX = ".plan";
const MAGIC = Buffer.from("LBRPLAN1");
/** Magic, payload length (4 bytes), sha1 of the payload (20 bytes), then the payload. */
const HEADER = MAGIC.length + 4 + 20;
/** A temp file older than this was left by a process that died while writing. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** What a cache entry holds. */
export interface CachedPlan {
  /** `deck` left out (it is loaded every time, and holds a function): put back on reading. */
  readonly parsed: ParsedDeck;
  readonly graph: StepGraph;
  /** Shell facts of the texts lint analyzes that are not steps (loose blocks), so lint needs no parser either. */
  readonly shellFacts: readonly (readonly [string, ShellFacts])[];
}

/** An entry's checksum: against a file cut short or damaged, not against tampering (the folder is the user's own). */
const sha1 = (data: Uint8Array) => createHash("sha1").update(data).digest();

/** The cache's folder, or undefined when the cache is off. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (/^(off|0|false|no)$/i.test(env.LABRUN_CACHE ?? "")) return undefined;
  if (env.LABRUN_CACHE_DIR) return resolve(env.LABRUN_CACHE_DIR);
  if (builtId() === undefined) return undefined;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, "labrun", "plans");
  const home = homedir();
  return home ? join(home, ".cache", "labrun", "plans") : undefined;
}

function builtId(): string | undefined {
  return typeof __LABRUN_BUILD_ID__ === "string" ? __LABRUN_BUILD_ID__ : undefined;
}

let sourceId: string | undefined;

/**
 * The code's identity: the build's, else (run from source) a hash of src/'s files and of the
 * lockfile (the dependencies' versions), computed once per process.
 */
export function buildId(): string {
  const built = builtId();
  if (built !== undefined) return built;
  if (sourceId === undefined) {
    const src = dirname(dirname(fileURLToPath(import.meta.url)));
    const h = createHash("sha256").update("source\0");
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isFile()) h.update(`${path.slice(src.length)}\0`).update(readFileSync(path)).update("\0");
      }
    };
    walk(src);
    try {
      h.update(readFileSync(join(dirname(src), "package-lock.json")));
    } catch {
      // No lockfile: the source's hash alone.
    }
    sourceId = h.digest("hex");
  }
  return sourceId;
}

/** The entry's key: a hash of the code, Node's version, the source path and everything the deck was loaded as. */
export function planKey(source: string, deck: Deck): string {
  // configAt is a function of the config's YAML (positions for messages): parsing never reads it.
  const { configAt: _, ...data } = deck;
  return createHash("sha256")
    .update(`${buildId()}\0${process.version}\0${resolve(source)}\0`)
    .update(serialize(data))
    .digest("hex");
}

/** A folder for the cache: ours, not writable by others (an entry is a plan: what `run` types). */
function usableDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = statSync(dir);
    return s.isDirectory() && (process.getuid === undefined || s.uid === process.getuid()) && (s.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

export class PlanCache {
  private usable: boolean | undefined;

  constructor(readonly dir: string) {}

  private entry(key: string): string {
    return join(this.dir, key + SUFFIX);
  }

  private checked(): boolean {
    this.usable ??= usableDir(this.dir);
    return this.usable;
  }

  /** The plan stored under `key`, with `deck` put back; undefined when absent or not intact. */
  read(key: string, deck: Deck): CachedPlan | undefined {
    const file = this.entry(key);
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch {
      return undefined;
    }
    if (!this.checked()) return undefined;
    try {
      if (bytes.length < HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
      const length = bytes.readUInt32LE(MAGIC.length);
      const payload = bytes.subarray(HEADER);
      if (payload.length !== length) return undefined;
      if (!sha1(payload).equals(bytes.subarray(MAGIC.length + 4, HEADER))) return undefined;
      const stored = deserialize(payload) as { key: string; parsed: Record<string, unknown>; graph: StepGraph; shellFacts: [string, ShellFacts][] };
      if (stored.key !== key) return undefined;
      // Used now: the last to be pruned.
      const now = new Date();
      utimesSync(file, now, now);
      stored.parsed.deck = deck;
      return { parsed: stored.parsed as unknown as ParsedDeck, graph: stored.graph, shellFacts: stored.shellFacts };
    } catch {
      return undefined;
    }
  }

  /** The key of a loaded deck's plan (planKey), or undefined if it cannot be made. */
  key(source: string, deck: Deck): string | undefined {
    try {
      return planKey(source, deck);
    } catch {
      return undefined;
    }
  }

  /** Stores the plan `make` returns under `key` (atomically), then prunes the folder to MAX_ENTRIES; never throws. */
  write(key: string, make: CachedPlan | (() => CachedPlan)): void {
    try {
      if (!this.checked()) return;
      const plan = typeof make === "function" ? make() : make;
      // `deck: null` keeps the key's place, so that the plan read back lists its keys in the same order.
      const payload = serialize({ key, parsed: { ...plan.parsed, deck: null }, graph: plan.graph, shellFacts: plan.shellFacts });
      const header = Buffer.alloc(HEADER);
      MAGIC.copy(header);
      header.writeUInt32LE(payload.length, MAGIC.length);
      sha1(payload).copy(header, MAGIC.length + 4);
      writeFileAtomicSync(this.entry(key), Buffer.concat([header, payload]));
      this.prune();
    } catch {
      // A full disk, a folder gone read-only: no cache this time.
    }
  }

  /** Keeps the MAX_ENTRIES most recently used entries; removes temp files left by dead writers. */
  private prune(): void {
    const names = readdirSync(this.dir);
    const now = Date.now();
    const crowded = names.filter((name) => name.endsWith(SUFFIX)).length > MAX_ENTRIES;
    const entries: { path: string; used: number }[] = [];
    for (const name of names) {
      const path = join(this.dir, name);
      try {
        if (name.endsWith(SUFFIX)) {
          if (crowded) entries.push({ path, used: statSync(path).mtimeMs });
        } else if (name.startsWith(".") && name.endsWith(".tmp") && now - statSync(path).mtimeMs > STALE_TEMP_MS) rmSync(path, { force: true });
      } catch {
        // Gone already: another labrun pruned it.
      }
    }
    if (!crowded) return;
    entries.sort((a, b) => b.used - a.used);
    for (const { path } of entries.slice(MAX_ENTRIES)) rmSync(path, { force: true });
  }
}

/** The cache as the environment sets it, or undefined when it is off. */
export function planCache(env: NodeJS.ProcessEnv = process.env): PlanCache | undefined {
  const dir = cacheDir(env);
  return dir === undefined ? undefined : new PlanCache(dir);
}
