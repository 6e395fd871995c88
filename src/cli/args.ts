/** What every command shares: argument parsing, usage errors, exit codes, deck selection options. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { existsSync, readFileSync } from "node:fs";
import type { Selection } from "../graph/select.js";
import type { ShardSpec } from "../graph/shard.js";
import { DeckError } from "../problem.js";
import type { PlannedDeck } from "../graph/planned-deck.js";
import { readTranscript } from "../parse/transcript.js";

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Bad usage: printed as one line with a pointer to --help, exit 2. */
export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options: { help: { type: "boolean", short: "h" }, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new UsageError(unknown ? `unknown option '${unknown[1]}'` : message.split("\n")[0]!);
  }
}

export function onlyDeck(positionals: string[], command: string): string {
  if (positionals.length === 0) throw new UsageError(`${command}: which deck? give a .md file, a folder or a YAML manifest`);
  if (positionals.length > 1) throw new UsageError(`${command}: one deck at a time (got ${positionals.join(", ")})`);
  return positionals[0]!;
}

/** --catch-up, --from, --only: shared by plan and run. */
export const SELECTION_OPTIONS = {
  "catch-up": { type: "string" },
  "skip-extra": { type: "boolean" },
  from: { type: "string" },
  only: { type: "string", multiple: true },
  shard: { type: "string" },
  durations: { type: "string" },
} as const;

export async function selection(values: { "catch-up"?: string; from?: string; only?: string[]; "skip-extra"?: boolean; shard?: string; durations?: string }): Promise<Selection> {
  const catchUp = values["catch-up"];
  if (values.durations !== undefined && values.shard === undefined) throw new UsageError("--durations balances shards: give --shard I/N with it");
  if (values.shard !== undefined && values.from !== undefined) throw new UsageError("--shard and --from: one or the other");
  return {
    only: values.only,
    from: values.from,
    skipExtra: values["skip-extra"],
    ...(catchUp !== undefined ? { catchUp: catchUp === "" ? true : catchUp } : {}),
    ...(values.shard !== undefined ? { shard: parseShard(values.shard) } : {}),
    ...(values.durations !== undefined ? { durations: await readDurations(values.durations) } : {}),
  };
}

/** `--shard I/N`, 1 ≤ I ≤ N. */
export function parseShard(value: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(m?.[1]);
  const total = Number(m?.[2]);
  if (!m || index < 1 || total < 1 || index > total) throw new UsageError(`--shard ${value}: expected I/N, the I-th of N shards, 1 ≤ I ≤ N (such as 2/3)`);
  return { index, total };
}

/** `--durations REPORT.json`: the step durations of an earlier JSON report (a shard's, or a merged one). */
async function readDurations(file: string): Promise<Map<string, number>> {
  // zod and the report's schema load only when a report is read.
  const { parseJsonReport, reportDurations } = await import("../report/json-report-read.js");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new DeckError(file, `--durations: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const parsed = parseJsonReport(text);
  if ("error" in parsed) throw new DeckError(file, `--durations: ${parsed.error}`);
  return reportDurations(parsed.report);
}

/**
 * `--catch-up` takes an optional profile name: bare (last, or before another option or before
 * the deck's path) it means the deck's default profile.
 */
export function withCatchUpValue(argv: readonly string[]): string[] {
  return argv.map((arg, i) => {
    if (arg !== "--catch-up") return arg;
    const next = argv[i + 1];
    const isName = next !== undefined && !next.startsWith("-") && !existsSync(next) && !/[/\\]|\.(md|ya?ml)$/i.test(next);
    return isName ? arg : "--catch-up=";
  });
}

export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

export function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--env ${pair}: expected KEY=VALUE`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

export function seconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} ${value}: expected a number of seconds`);
  return n * 1000;
}

/**
 * The values of the `--mask VAR` variables, from the environment or `--env`; an unknown name is a
 * usage error, and so is a one-character value: every such character of every output would become
 * `****`. An empty value masks nothing and has nothing to hide (a CI secret a fork is not given).
 */
export function maskValues(command: string, names: readonly string[], env: Readonly<Record<string, string | undefined>>, unknown: "refuse" | "skip" = "refuse"): string[] {
  return names.flatMap((name) => {
    const value = env[name];
    if (value === undefined) {
      if (unknown === "skip") return [];
      throw new UsageError(`${command}: --mask ${name}: no such variable in the environment or --env`);
    }
    if ([...value].length === 1) throw new UsageError(`${command}: --mask ${name}: its value is one character long: masking it would replace that character everywhere in the output (mask a longer secret)`);
    return [value];
  });
}

/** `labrun: DECK: warning: no steps to run in this deck`, and how to run its transcripts when it has some. */
export function noStepsLine(planned: PlannedDeck): string {
  const transcripts = !planned.deck.config.transcripts && planned.parsed.looseBlocks.some((b) => readTranscript(b.text, b.lang) !== undefined);
  return `labrun: ${planned.deck.source}: warning: no steps to run in this deck${transcripts ? " (its `$ command` blocks outside exercises run with --transcripts)" : ""}`;
}
