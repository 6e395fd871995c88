/**
 * Does what a command printed match what a slide says it should print?
 *
 * `actual` is the raw terminal output of ONE command. Both sides are normalised first: ANSI escape
 * sequences and stray control characters are removed, `\r\n` and lone `\r` become `\n`.
 *
 * The comparison mode is chosen from the code block's language and the expected text:
 *
 * - **Regex** — when `lang` is `regex` or `regexp`, or the expected text is a single line of the form
 *   `/pattern/flags` (the pattern may not contain an unescaped `/`, so paths such as `/usr/bin/` are
 *   not mistaken for one). The JavaScript RegExp is tested against the normalised output. A line
 *   that merely looks like a regex also passes if it matches as text. A bad regex fails the match,
 *   with the error in the diff.
 * - **JSON** — when `lang` is `json`, or the expected text parses as a JSON object or array. Some
 *   JSON value in the output must equal the expected value structurally (key order and whitespace
 *   do not matter): the whole output, one of its lines, or a balanced `{...}` / `[...]` span of it.
 *   Expected string values containing placeholders (below) match as wildcards. When placeholders
 *   make the expected text invalid JSON (`"port": 3xxxx`, `[1, 2, ...]`), the text comparison is
 *   used instead.
 * - **Text** — everything else. Whitespace does not matter: runs of whitespace collapse to one
 *   space, lines are trimmed, blank lines are ignored. The expected lines must appear as a
 *   contiguous block of lines of the output, so a slide may quote part of it. Each expected line
 *   must match the start of its output line; the output line may go on after a space (a table
 *   whose right-hand columns the slide left out). The expected block is compiled into a RegExp:
 *   placeholders become wildcards, everything else is escaped.
 *
 * Placeholders (in text, and in JSON string values); each one also matches its own literal text:
 *
 * - a run of 3+ `x` (or `y`, or `z`) standing alone or between punctuation (`xxxxx`,
 *   `pingpong-xxxxxxxxxx-yyyyy`, `127.0.0.1:xxxxx`) matches a run of `[A-Za-z0-9]`; x's inside
 *   a word (`max`, `proxy`, `boxxxes`) are ordinary text;
 * - `X.X.X.X` (or `x.x.x.x`) matches an IPv4 address;
 * - digits followed by 2+ x's (`3xxxx`) match those digits followed by one or more
 *   digits (leniently: not necessarily as many as there are x's);
 * - `...` (or `…`) matches anything, including nothing and line breaks; a line holding only `...`
 *   stands for any number of lines;
 * - `<name>` or `<words-with-dashes>` (`<pod-name>`) matches any non-empty text without whitespace,
 *   unless the expected text is markup (it has closing tags such as `</b>`, self-closing tags
 *   such as `<br/>`, or `<!`, `<?` declarations).
 *
 * An empty expected text (or one made only of `...`) asserts nothing and passes.
 * Never throws: any failure to compare is a failed match with the reason in `diff`.
 * A failed match carries a line diff (`- expected`, `+ actual`, two spaces for lines in common)
 * between the expected text and the most relevant part of the output; JSON is pretty-printed with
 * sorted keys on both sides first. Long runs of common lines are elided and the diff is cut at
 * about 60 lines, with a `…` line where something was left out.
 */
import { stripVTControlCharacters } from "node:util";
import { diffArrays } from "diff";

export interface MatchResult {
  readonly passed: boolean;
  /** Present when !passed: a readable line diff, '- expected' / '+ actual' lines, no ANSI colours. */
  readonly diff?: string;
}

export interface MatchOptions {
  /** The info string of the slide's code block (`json`, `regex`, ...). */
  readonly lang?: string;
  /**
   * The slide quotes one part of a longer output ("the output includes:", "a line like"): each
   * expected line may also be found inside an output line, in order, with other lines between.
   */
  readonly fragment?: boolean;
}

export function matchExpected(expected: string, actual: string, opts: MatchOptions = {}): MatchResult {
  try {
    const lang = opts.lang?.trim().toLowerCase() ?? "";
    return compare(normaliseOutput(expected), normaliseOutput(actual), lang, opts.fragment ?? false);
  } catch (err) {
    return failed(`could not compare the output: ${errorMessage(err)}`);
  }
}

function compare(expected: string, actual: string, lang: string, fragment: boolean): MatchResult {
  if (lang === "regex" || lang === "regexp") {
    return matchRegex(regexFromBlock(expected), actual);
  }
  const literal = lang === "json" ? undefined : parseRegexLiteral(expected, { strict: true });
  if (literal) return matchRegexOrText(literal, expected, actual);
  const json = parseExpectedJson(expected, lang === "json");
  if (json.ok) return matchJson(json.value, expected, actual);
  return matchText(expected, actual, fragment);
}

// ---------------------------------------------------------------------------------------------
// Normalisation

const CONTROL_CHARS = /[\x00-\x08\x0e-\x1f\x7f]/g;
const ELLIPSIS_LINE = /^(?:\.{3,}|…)$/;

function normaliseOutput(text: string): string {
  return stripVTControlCharacters(text).replace(/\r\n?/g, "\n").replace(CONTROL_CHARS, "");
}

function normaliseLine(line: string): string {
  return line.replace(/\s+/g, " ").trim();
}

/** Non-blank lines, whitespace collapsed. */
function textLines(text: string): string[] {
  return text.split("\n").map(normaliseLine).filter((line) => line !== "");
}

function isEllipsisLine(line: string): boolean {
  return ELLIPSIS_LINE.test(line);
}

// ---------------------------------------------------------------------------------------------
// Placeholders

interface Wildcards {
  /** `<pod-name>` is a wildcard, unless the expected text is markup. */
  readonly angleBrackets: boolean;
}

type PlaceholderKind = "ellipsis" | "ipv4" | "digits" | "alnum" | "angle";

type Token =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: PlaceholderKind; readonly text: string };

const PLACEHOLDER = new RegExp(
  [
    String.raw`(?<ellipsis>\.{3,}|…)`,
    String.raw`(?<ipv4>(?<![\w.])[Xx]\.[Xx]\.[Xx]\.[Xx](?![\w.]))`,
    String.raw`(?<digits>(?<![A-Za-z0-9])\d+x{2,}(?![A-Za-z0-9]))`,
    String.raw`(?<alnum>(?<![A-Za-z0-9])(?:x{3,}|y{3,}|z{3,})(?![A-Za-z0-9]))`,
    String.raw`(?<angle><[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*>)`,
  ].join("|"),
  "g",
);

const MARKUP = /<\/[A-Za-z][\w:-]*\s*>|<[A-Za-z][\w:-]*(?:\s[^<>]*)?\/>|<[!?][A-Za-z]/;

function wildcardsFor(expected: string): Wildcards {
  return { angleBrackets: !MARKUP.test(expected) };
}

function placeholderKind(match: RegExpMatchArray, wildcards: Wildcards): PlaceholderKind | undefined {
  const groups = match.groups ?? {};
  const kinds: readonly PlaceholderKind[] = ["ellipsis", "ipv4", "digits", "alnum", "angle"];
  const kind = kinds.find((k) => groups[k] !== undefined);
  if (kind === "angle" && !wildcards.angleBrackets) return undefined;
  return kind;
}

function tokenize(text: string, wildcards: Wildcards): Token[] {
  const tokens: Token[] = [];
  let literalStart = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const kind = placeholderKind(match, wildcards);
    if (kind === undefined) continue;
    const start = match.index ?? 0;
    if (start > literalStart) tokens.push({ kind: "literal", text: text.slice(literalStart, start) });
    tokens.push({ kind, text: match[0] });
    literalStart = start + match[0].length;
  }
  if (literalStart < text.length) tokens.push({ kind: "literal", text: text.slice(literalStart) });
  return tokens;
}

function hasPlaceholder(text: string, wildcards: Wildcards): boolean {
  return tokenize(text, wildcards).some((token) => token.kind !== "literal");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

function placeholderSource(kind: PlaceholderKind, text: string): string {
  const literal = escapeRegExp(text);
  switch (kind) {
    case "ellipsis":
      return String.raw`[\s\S]*?`;
    case "ipv4":
      return String.raw`(?:\d{1,3}(?:\.\d{1,3}){3}|${literal})`;
    case "digits":
      return String.raw`(?:${text.replace(/x+$/, "")}\d+|${literal})`;
    case "alnum":
      return "[A-Za-z0-9]+";
    case "angle":
      return String.raw`\S+`;
  }
}

/** RegExp source for a piece of expected text; whitespace next to `...` is absorbed by it. */
function compileInline(text: string, wildcards: Wildcards): string {
  const tokens = tokenize(text, wildcards);
  return tokens
    .map((token, i) => {
      if (token.kind !== "literal") return placeholderSource(token.kind, token.text);
      let literal = token.text;
      if (tokens[i - 1]?.kind === "ellipsis") literal = literal.replace(/^\s+/, "");
      if (tokens[i + 1]?.kind === "ellipsis") literal = literal.replace(/\s+$/, "");
      return escapeRegExp(literal);
    })
    .join("");
}

// ---------------------------------------------------------------------------------------------
// Text

const LINE_START = String.raw`(?<![^\n])`;
const LINE_END = String.raw`(?![^\n])`;
/** The rest of an output line the slide left out (more columns), after a space. */
const LINE_TAIL = String.raw`(?: [^\n]*)?`;
/** A `...` line: any number of whole lines. */
const ANY_LINES = String.raw`(?:\n[^\n]*)*?`;

function matchText(expected: string, actual: string, fragment = false): MatchResult {
  const wildcards = wildcardsFor(expected);
  const expectedLines = textLines(expected);
  if (expectedLines.every(isEllipsisLine)) return PASSED;
  const actualLines = textLines(actual);
  if (compileBlock(expectedLines, wildcards).test(actualLines.join("\n"))) return PASSED;
  if (fragment && foundInOrder(expectedLines, actualLines, wildcards)) return PASSED;
  return failed(textDiff(expectedLines, actualLines, wildcards));
}

/** A fragment: each expected line inside some output line, in order (other lines may come between). */
function foundInOrder(expectedLines: readonly string[], actualLines: readonly string[], wildcards: Wildcards): boolean {
  let at = 0;
  for (const line of expectedLines) {
    if (isEllipsisLine(line)) continue;
    const re = new RegExp(compileInline(line, wildcards));
    while (at < actualLines.length && !re.test(actualLines[at]!)) at++;
    if (at === actualLines.length) return false;
    at++;
  }
  return true;
}

/** A RegExp finding the expected lines as a contiguous block of lines in the joined output. */
function compileBlock(lines: readonly string[], wildcards: Wildcards): RegExp {
  let source = "";
  let skipLines = false;
  for (const line of lines) {
    if (isEllipsisLine(line)) {
      skipLines = source !== "";
      continue;
    }
    if (source !== "") source += skipLines ? ANY_LINES + "\\n" : "\\n";
    source += compileInline(line, wildcards) + LINE_TAIL;
    skipLines = false;
  }
  return new RegExp(LINE_START + source + LINE_END);
}

type LineEquals = (expectedLine: string, actualLine: string) => boolean;

/** Line equality for diffs: whitespace-insensitive, placeholders as wildcards, extra columns allowed. */
function lineMatcher(wildcards: Wildcards): LineEquals {
  const cache = new Map<string, RegExp>();
  return (expectedLine, actualLine) => {
    let re = cache.get(expectedLine);
    if (!re) {
      re = new RegExp(`^${compileInline(normaliseLine(expectedLine), wildcards)}${LINE_TAIL}$`);
      cache.set(expectedLine, re);
    }
    return re.test(normaliseLine(actualLine));
  };
}

function textDiff(expectedLines: readonly string[], actualLines: readonly string[], wildcards: Wildcards): string {
  const shown = expectedLines.filter((line) => !isEllipsisLine(line));
  const equals = lineMatcher(wildcards);
  return formatDiff(shown, relevantWindow(shown, actualLines, equals), equals);
}

// ---------------------------------------------------------------------------------------------
// JSON

type JsonParse = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

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
function parseExpectedJson(expected: string, declared: boolean): JsonParse {
  const trimmed = expected.trim();
  if (trimmed === "" || (!declared && !/^[[{]/.test(trimmed))) return { ok: false };
  const parsed = parseJson(trimmed);
  if (!parsed.ok || declared) return parsed;
  return typeof parsed.value === "object" && parsed.value !== null ? parsed : { ok: false };
}

function matchJson(expectedValue: unknown, expected: string, actual: string): MatchResult {
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

// ---------------------------------------------------------------------------------------------
// Regex

interface RegexSpec {
  readonly source: string;
  readonly flags: string;
}

/** `/pattern/flags` on one line. Strict: the pattern may not contain an unescaped `/`. */
function parseRegexLiteral(text: string, { strict }: { readonly strict: boolean }): RegexSpec | undefined {
  const trimmed = text.trim();
  if (trimmed.includes("\n")) return undefined;
  const m = /^\/(.+)\/([dgimsuvy]*)$/.exec(trimmed);
  if (!m) return undefined;
  const source = m[1] ?? "";
  if (strict && hasUnescapedSlash(source)) return undefined;
  return { source, flags: m[2] ?? "" };
}

function hasUnescapedSlash(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) return true;
  }
  return false;
}

function regexFromBlock(expected: string): RegexSpec {
  return parseRegexLiteral(expected, { strict: false }) ?? { source: expected.trim(), flags: "" };
}

type Compiled = { readonly ok: true; readonly re: RegExp } | { readonly ok: false; readonly error: string };

function compileRegex(spec: RegexSpec): Compiled {
  try {
    return { ok: true, re: new RegExp(spec.source, spec.flags) };
  } catch (err) {
    return { ok: false, error: `invalid regular expression /${spec.source}/${spec.flags}: ${errorMessage(err)}` };
  }
}

function matchRegex(spec: RegexSpec, actual: string): MatchResult {
  const compiled = compileRegex(spec);
  if (!compiled.ok) return failed(compiled.error);
  if (compiled.re.test(actual)) return PASSED;
  return failed(formatDiff([`/${spec.source}/${spec.flags}`], textLines(actual), () => false));
}

/** A line that looks like `/pattern/flags` may also be plain text, such as a path. */
function matchRegexOrText(spec: RegexSpec, expected: string, actual: string): MatchResult {
  const asText = matchText(expected, actual);
  if (asText.passed) return asText;
  const compiled = compileRegex(spec);
  return compiled.ok ? matchRegex(spec, actual) : asText;
}

// ---------------------------------------------------------------------------------------------
// Diffs

const MAX_DIFF_LINES = 60;
const MAX_DIFF_INPUT_LINES = 500;
const CONTEXT_LINES = 3;
const ELIDED = "…";

interface DiffRow {
  readonly sign: "-" | "+" | " ";
  readonly line: string;
}

/** Where the output looks most like the expected lines, with some context; all of it when short. */
function relevantWindow(expectedLines: readonly string[], actualLines: readonly string[], equals: LineEquals): string[] {
  if (actualLines.length <= MAX_DIFF_LINES) return [...actualLines];
  let bestStart = 0;
  let bestScore = -1;
  const lastStart = Math.min(actualLines.length, MAX_DIFF_INPUT_LINES * 10);
  for (let start = 0; start < lastStart; start++) {
    const score = expectedLines.filter((line, i) => {
      const actualLine = actualLines[start + i];
      return actualLine !== undefined && equals(line, actualLine);
    }).length;
    if (score > bestScore) [bestStart, bestScore] = [start, score];
  }
  const from = Math.max(0, bestStart - CONTEXT_LINES);
  return actualLines.slice(from, bestStart + expectedLines.length + CONTEXT_LINES);
}

function diffRows(expectedLines: readonly string[], actualLines: readonly string[], equals: LineEquals): DiffRow[] {
  const changes = diffArrays(
    expectedLines.slice(0, MAX_DIFF_INPUT_LINES),
    actualLines.slice(0, MAX_DIFF_INPUT_LINES),
    { comparator: equals },
  );
  return changes.flatMap((change) => {
    const sign = change.added ? "+" : change.removed ? "-" : " ";
    return change.value.map((line): DiffRow => ({ sign, line }));
  });
}

function changedLineCount(expectedLines: readonly string[], actualLines: readonly string[], equals: LineEquals): number {
  return diffRows(expectedLines, actualLines, equals).filter((row) => row.sign !== " ").length;
}

function formatDiff(expectedLines: readonly string[], actualLines: readonly string[], equals: LineEquals): string {
  const rows = elideCommonRuns(diffRows(expectedLines, actualLines, equals));
  const lines = rows.map((row) => (row === ELIDED ? ELIDED : `${row.sign} ${row.line}`));
  return capLines(lines).join("\n");
}

/** Keep a few lines of context around changes; elided runs become a `…` line. */
function elideCommonRuns(rows: readonly DiffRow[]): (DiffRow | typeof ELIDED)[] {
  if (rows.every((row) => row.sign === " ")) return [...rows];
  const out: (DiffRow | typeof ELIDED)[] = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i]?.sign !== " ") {
      out.push(rows[i] as DiffRow);
      i++;
      continue;
    }
    let end = i;
    while (end < rows.length && rows[end]?.sign === " ") end++;
    out.push(...elideRun(rows.slice(i, end), i === 0, end === rows.length));
    i = end;
  }
  return out;
}

function elideRun(run: readonly DiffRow[], atStart: boolean, atEnd: boolean): (DiffRow | typeof ELIDED)[] {
  const keepBefore = atStart ? 0 : CONTEXT_LINES;
  const keepAfter = atEnd ? 0 : CONTEXT_LINES;
  if (run.length <= keepBefore + keepAfter + 1) return [...run];
  return [...run.slice(0, keepBefore), ELIDED, ...run.slice(run.length - keepAfter)];
}

function capLines(lines: readonly string[]): string[] {
  if (lines.length <= MAX_DIFF_LINES) return [...lines];
  return [...lines.slice(0, MAX_DIFF_LINES - 1), ELIDED];
}

// ---------------------------------------------------------------------------------------------

const PASSED: MatchResult = { passed: true };

function failed(diff: string): MatchResult {
  return { passed: false, diff };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
