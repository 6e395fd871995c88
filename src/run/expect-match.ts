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
 *
 * Values that change from one run to the next, as the author's run printed them, match any value
 * of their shape (each also its own text): ids and digests (12 to 64 hex digits), times
 * (`00:28:53`), dates (`2015-02-20`), `date`'s output (`Fri Feb 20 00:28:53 UTC 2015`), IPv4
 * addresses, versions of three numbers (`18.03.0-ce`), ages and uptimes as docker prints them
 * (`2 minutes ago`, `Up About an hour`), durations (`14s`, `0.376 ms`) and ports a run picks
 * (30000 to 60999 after a `:`: NodePorts, `docker run -P`'s `0.0.0.0:32770->80/tcp`). The words around them,
 * and other numbers, still have to match.
 *
 * An empty expected text (or one made only of `...`) asserts nothing and passes.
 * Never throws: any failure to compare is a failed match with the reason in `diff`.
 * A failed match carries a line diff (`- expected`, `+ actual`, two spaces for lines in common)
 * between the expected text and the most relevant part of the output; JSON is pretty-printed with
 * sorted keys on both sides first. Long runs of common lines are elided and the diff is cut at
 * about 60 lines, with a `…` line where something was left out.
 */
import { stripVTControlCharacters } from "node:util";
import { matchJson, parseExpectedJson } from "./expect-json.js";
import { matchRegex, matchRegexOrText, parseRegexLiteral, regexFromBlock } from "./expect-regex.js";
import { errorMessage, failed, type MatchResult } from "./expect-result.js";
import { matchText } from "./expect-text.js";

export type { MatchResult } from "./expect-result.js";

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

function normaliseOutput(text: string): string {
  const stripped = text.includes("\x1b") || text.includes("\x9b") ? stripVTControlCharacters(text) : text;
  return stripped.replace(/\r\n?/g, "\n").replace(CONTROL_CHARS, "");
}
