/**
 * Text comparison: whitespace-insensitive lines, the expected block found as contiguous lines of the
 * output (or, for a fragment, line by line in order), placeholders as wildcards.
 */
import { formatDiff, relevantWindow, type LineEquals } from "./expect-diff.js";
import { compileInline, wildcardsFor, type Wildcards } from "./expect-placeholders.js";
import { PASSED, failed, type MatchResult } from "./expect-result.js";

const ELLIPSIS_LINE = /^(?:\.{3,}|…)$/;

function normaliseLine(line: string): string {
  return line.replace(/\s+/g, " ").trim();
}

/** Non-blank lines, whitespace collapsed. */
export function textLines(text: string): string[] {
  return text.split("\n").map(normaliseLine).filter((line) => line !== "");
}

/** textLines(text).join("\n"), without splitting an output that has nothing to collapse (a long one, often). */
export function joinedTextLines(text: string): string {
  if (/[^\S\n]|\n\n|^\n/.test(text)) return textLines(text).join("\n");
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

function isEllipsisLine(line: string): boolean {
  return ELLIPSIS_LINE.test(line);
}

const LINE_START = String.raw`(?<![^\n])`;
const LINE_END = String.raw`(?![^\n])`;
/** The rest of an output line the slide left out (more columns), after a space. */
const LINE_TAIL = String.raw`(?: [^\n]*)?`;
/** A `...` line: any number of whole lines. */
const ANY_LINES = String.raw`(?:\n[^\n]*)*?`;

export function matchText(expected: string, actual: string, fragment = false): MatchResult {
  const wildcards = wildcardsFor(expected);
  const expectedLines = textLines(expected);
  if (expectedLines.every(isEllipsisLine)) return PASSED;
  if (compileBlock(expectedLines, wildcards).test(joinedTextLines(actual))) return PASSED;
  const actualLines = textLines(actual);
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

/** Line equality for diffs: whitespace-insensitive, placeholders as wildcards, extra columns allowed. */
export function lineMatcher(wildcards: Wildcards): LineEquals {
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
