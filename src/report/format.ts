/** Small text helpers shared by the reporters. */
import { stripVTControlCharacters } from "node:util";
import type { Assertion, AttemptResult, StepResult } from "../run/result.js";
import { visible } from "../visible.js";
export { formatDuration } from "../format-duration.js";
export { visible };

/** Drops ANSI escapes and the control characters (other than tab and newlines) that no report wants. */
export function plain(text: string): string {
  return stripVTControlCharacters(text).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "");
}

/** A line as a terminal shows it: `\r` goes back to its start and `\b` back one character, what follows writing over what was there. */
export function overstrike(line: string): string {
  if (!line.includes("\r") && !line.includes("\b")) return line;
  const cells: string[] = [];
  let column = 0;
  for (const char of line) {
    if (char === "\r") column = 0;
    else if (char === "\b") column = Math.max(0, column - 1);
    else cells[column++] = char;
  }
  return Array.from(cells, (cell) => cell ?? " ").join("");
}

/** Splits text into lines, ignoring the final line break. */
export function lines(text: string): string[] {
  const body = text.replace(/\r\n/g, "\n").replace(/\n+$/, "");
  return body === "" ? [] : body.split("\n");
}

/** The first line of a command (control characters shown, as the deck's text always is), cut to `max` characters, with " …" when the command had more lines. */
export function commandLine(text: string, max = 80): string {
  const all = lines(text).map(visible);
  const first = all[0] ?? "";
  const cut = first.length > max ? `${first.slice(0, max - 1)}…` : first;
  return all.length > 1 ? `${cut} …` : cut;
}

/** At most this many characters of a failed step's output are shown: a step that printed 20 MB does not flood a CI log. */
export const TAIL_CHARS = 4000;

/**
 * The last `count` lines of an output, at most `maxChars` characters of it (a longer line keeps
 * its end, after `…`), with a note of how many lines were left out before them. Only that end of
 * the output is looked at closely: a huge output is scanned for line breaks, never copied.
 * Each line is shown as a terminal shows it (`\r` and `\b` write over what was there: a progress
 * bar's last state), then passed through `mask`: a secret that only the terminal put together
 * (`XXXXter2\rhun`) is masked too, and the log holds no `\r` that a terminal viewing it would obey.
 */
export function tail(output: string, count = 20, maxChars = TAIL_CHARS, mask: (line: string) => string = (line) => line): string[] {
  let end = output.length;
  while (end > 0 && (output[end - 1] === "\n" || output[end - 1] === "\r")) end--;
  if (end === 0) return [];
  // Back from the end, line by line: `start` is where the count-th last line begins.
  let start = end + 1;
  for (let i = 0; i < count && start > 0; i++) start = start < 2 ? 0 : output.lastIndexOf("\n", start - 2) + 1;
  const cut = end - start > maxChars;
  if (cut) start = end - maxChars;
  let hidden = 0;
  for (let at = output.indexOf("\n"); at !== -1 && at < start; at = output.indexOf("\n", at + 1)) hidden++;
  const shown = lines(stripVTControlCharacters(output.slice(start, end))).map((line) => mask(plain(overstrike(line))));
  if (cut && shown.length > 0) shown[0] = `…${shown[0]}`;
  return hidden > 0 ? [`… ${hidden} line${hidden === 1 ? "" : "s"} above not shown`, ...shown] : shown;
}

/** `12ms`, `1.2s`, `2m05s`. */
export function indent(text: string, by = "    "): string {
  return lines(text)
    .map((line) => (line === "" ? "" : by + line))
    .join("\n");
}

/** Why a failed or timed-out step failed, in one line. */
export function failureMessage(result: StepResult | AttemptResult): string {
  const reason = result.reason ? visible(result.reason).trim() : "";
  if (result.status === "timedOut") return reason ? `timed out: ${reason}` : "timed out";
  if (result.status === "interrupted") return reason || "interrupted";
  if (reason) return reason;
  if (result.exitCode !== null && result.exitCode !== 0) return `exit status ${result.exitCode}`;
  if (result.assertions.some((a) => !a.passed)) return "expected output did not match";
  return "failed";
}

/** The diff of a failed assertion, or expected and actual side by side when the runner gave no diff. */
export function assertionDiff(assertion: Assertion): string {
  if (assertion.diff !== undefined && assertion.diff !== "") return visible(assertion.diff);
  return `expected:\n${indent(visible(assertion.expected), "  ")}\nactual:\n${indent(plain(assertion.actual), "  ")}`;
}

export function failedAssertions(result: StepResult | AttemptResult): Assertion[] {
  return result.assertions.filter((a) => !a.passed);
}

/** `slide 3: Title` (or `slide 3` when the slide has no title). */
export function slideLabel(result: StepResult): string {
  const title = visible(result.step.title).trim();
  return title ? `slide ${result.step.slide}: ${title}` : `slide ${result.step.slide}`;
}

/** For a step tried more than once, one line per try: `attempt 1: exit status 1`, the last one included. */
export function attemptLines(result: StepResult): string[] {
  if (!result.earlierAttempts?.length) return [];
  const all = [...result.earlierAttempts, result];
  return all.map((a, i) => `attempt ${i + 1}: ${a.status === "passed" ? "passed" : failureMessage(a)}`);
}
