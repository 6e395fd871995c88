/**
 * JSON comparison: some JSON value in the output (all of it, a line, or a balanced span) must equal
 * the expected value structurally, expected strings with placeholders matching as wildcards.
 */
import { changedLineCount, formatDiff, relevantWindow } from "./expect-diff.js";
import { compileInline, hasPlaceholder, wildcardsFor, type Wildcards } from "./expect-placeholders.js";
import { PASSED, failed, type MatchResult } from "./expect-result.js";
import { lineMatcher, textLines } from "./expect-text.js";

export type JsonParse = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

const MAX_JSON_LINES = 5_000;
const MAX_SPAN_SCAN = 1_000_000;
/** Characters the span search may look at in all, so unbalanced output stays cheap. */
const MAX_SPAN_SCAN_TOTAL = 5_000_000;
const MAX_SPAN_ATTEMPTS = 500;
const MAX_DIFF_CANDIDATES = 20;

function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Expected text as JSON: any value when the block says `json`, otherwise only objects and arrays. */
export function parseExpectedJson(expected: string, declared: boolean): JsonParse {
  const trimmed = expected.trim();
  if (trimmed === "" || (!declared && !/^[[{]/.test(trimmed))) return { ok: false };
  const parsed = parseJson(trimmed);
  if (!parsed.ok || declared) return parsed;
  return typeof parsed.value === "object" && parsed.value !== null ? parsed : { ok: false };
}

export function matchJson(expectedValue: unknown, expected: string, actual: string): MatchResult {
  const wildcards = wildcardsFor(expected);
  for (const candidate of jsonCandidates(actual)) {
    if (jsonMatches(expectedValue, candidate, wildcards)) return PASSED;
  }
  return failed(jsonDiff(expectedValue, actual, wildcards));
}

/** JSON values in the output: all of it, each line, then each balanced `{...}` / `[...]` span. */
function* jsonCandidates(actual: string): Generator<unknown> {
  const whole = parseJson(actual.trim());
  if (whole.ok) yield whole.value;
  for (const line of actual.split("\n").slice(0, MAX_JSON_LINES)) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    const parsed = parseJson(trimmed);
    if (parsed.ok) yield parsed.value;
  }
  yield* jsonSpans(actual.slice(0, MAX_SPAN_SCAN));
}

/** Outermost balanced spans that parse; a span that does not parse is searched for inner ones. */
function* jsonSpans(text: string): Generator<unknown> {
  let attempts = 0;
  let budget = MAX_SPAN_SCAN_TOTAL;
  for (let i = 0; i < text.length && attempts < MAX_SPAN_ATTEMPTS && budget > 0; i++) {
    if (text[i] !== "{" && text[i] !== "[") continue;
    attempts++;
    const { end, stop } = balancedEnd(text, i, Math.min(text.length, i + budget));
    budget -= stop - i + 1;
    if (end === undefined) continue;
    const parsed = parseJson(text.slice(i, end + 1));
    if (!parsed.ok) continue;
    yield parsed.value;
    i = end;
  }
}

interface BalancedScan {
  /** Index of the closing bracket; undefined when unbalanced before `limit`. */
  readonly end?: number;
  /** Where the scan stopped. */
  readonly stop: number;
}

/** Finds the bracket closing the one at `start`, skipping JSON strings. */
function balancedEnd(text: string, start: number, limit: number): BalancedScan {
  const closers: string[] = [];
  let inString = false;
  for (let i = start; i < limit; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "{" || c === "[") {
      closers.push(c === "{" ? "}" : "]");
    } else if (c === "}" || c === "]") {
      if (closers.pop() !== c) return { stop: i };
      if (closers.length === 0) return { end: i, stop: i };
    }
  }
  return { stop: limit };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Structural equality; expected strings with placeholders are wildcards. */
function jsonMatches(expected: unknown, actual: unknown, wildcards: Wildcards): boolean {
  if (typeof expected === "string") return jsonStringMatches(expected, actual, wildcards);
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((item, i) => jsonMatches(item, actual[i], wildcards))
    );
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false;
    const keys = Object.keys(expected);
    return (
      keys.length === Object.keys(actual).length &&
      keys.every((key) => Object.hasOwn(actual, key) && jsonMatches(expected[key], actual[key], wildcards))
    );
  }
  return expected === actual;
}

function jsonStringMatches(expected: string, actual: unknown, wildcards: Wildcards): boolean {
  if (expected === actual) return true;
  const scalar = typeof actual === "string" || typeof actual === "number" || typeof actual === "boolean";
  if (!scalar || !hasPlaceholder(expected, wildcards)) return false;
  return new RegExp(`^${compileInline(expected, wildcards)}$`).test(String(actual));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isPlainObject(value)) return value;
  const keys = Object.keys(value).sort();
  return Object.fromEntries(keys.map((key) => [key, sortKeys(value[key])]));
}

function prettyJsonLines(value: unknown): string[] {
  return (JSON.stringify(sortKeys(value), null, 2) ?? String(value)).split("\n");
}

/** Diff against the JSON value of the output that differs least, or against its text. */
function jsonDiff(expectedValue: unknown, actual: string, wildcards: Wildcards): string {
  const expectedLines = prettyJsonLines(expectedValue);
  const equals = lineMatcher(wildcards);
  const candidates = uniqueCandidates(actual).map(prettyJsonLines);
  const best = minBy(candidates, (lines) => changedLineCount(expectedLines, lines, equals));
  const against = best ?? relevantWindow(expectedLines, textLines(actual), equals);
  return formatDiff(expectedLines, against, equals);
}

function uniqueCandidates(actual: string): unknown[] {
  const seen = new Map<string, unknown>();
  for (const candidate of jsonCandidates(actual)) {
    seen.set(JSON.stringify(sortKeys(candidate)), candidate);
    if (seen.size >= MAX_DIFF_CANDIDATES) break;
  }
  return [...seen.values()];
}

function minBy<T>(items: readonly T[], score: (item: T) => number): T | undefined {
  let best: T | undefined;
  let bestScore = Infinity;
  for (const item of items) {
    const s = score(item);
    if (s < bestScore) [best, bestScore] = [item, s];
  }
  return best;
}
