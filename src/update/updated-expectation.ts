/**
 * What an expected output should say now, given what the command printed: the output's lines,
 * except that a line of the slide that still matches its output line (through a placeholder such
 * as `xxxxx`, `X.X.X.X`, `3xxxx`, `<name>`, or only by whitespace) is kept as the author wrote it,
 * and a `...` line keeps standing for the lines it covers. Pure: text in, lines out.
 *
 * The slide's lines and the output's are aligned by a small edit-distance table in which a line
 * that matches costs nothing, a `...` line takes any number of output lines for free, and any
 * other change costs one. A whole-output expectation is aligned with the whole output; a fragment
 * ("the output includes:") only with the part of the output it lines up with, and needs at least
 * one of its lines still found there (else nothing says where it is). The result is checked with
 * the matcher the run uses: a block that would still not match is never proposed.
 */
import { stripVTControlCharacters } from "node:util";
import { matchExpected } from "../run/expect-match.js";
import { parseRegexLiteral } from "../run/expect-regex.js";
import { compileInline, wildcardsFor } from "../run/expect-placeholders.js";
import { lineMatcher } from "../run/expect-text.js";

export interface ExpectationShape {
  /** The block's fence language (`json`, `regex`...). */
  readonly lang?: string;
  /** One part of a longer output: updated where it lines up with the output, not replaced by all of it. */
  readonly fragment?: boolean;
}

/** A line of the updated expectation: `kept` is the index of the slide's line it keeps as written. */
export interface UpdatedLine {
  readonly text: string;
  readonly kept?: number;
}

export type UpdatedExpectation = { readonly lines: readonly UpdatedLine[] } | { readonly refused: string };

/** Beyond this many cells (slide lines x output lines), the alignment is not tried. */
const MAX_CELLS = 20_000_000;
const ELLIPSIS_LINE = /^(?:\.{3,}|…)$/;
const CONTROL_CHARS = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** The output as lines a slide can hold: escapes and control characters gone, trailing spaces and blank edges trimmed. */
export function outputLines(actual: string): string[] {
  const lines = stripVTControlCharacters(actual)
    .replace(/\r\n?/g, "\n")
    .replace(CONTROL_CHARS, "")
    .split("\n")
    .map((l) => l.trimEnd());
  while (lines.length && lines[0] === "") lines.shift();
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function updatedExpectation(expected: string, actual: string, shape: ExpectationShape = {}): UpdatedExpectation {
  const lang = shape.lang?.trim().toLowerCase() ?? "";
  if (lang === "regex" || lang === "regexp" || (lang !== "json" && parseRegexLiteral(expected, { strict: true }))) {
    return { refused: "a regular expression: update it by hand" };
  }
  const out = outputLines(actual);
  if (out.length === 0) return { refused: "the command printed nothing" };
  const slide = expected.split("\n");
  if (slide.length * out.length > MAX_CELLS) return { refused: `the output is too long to align with the block (${out.length} lines)` };
  const fragment = shape.fragment ?? false;
  let lines = align(slide, out, expected, fragment);
  if (fragment && !lines.some((l) => l.kept !== undefined && !isEllipsis(slide[l.kept]!))) {
    // No line of it left to say where it is: a one-line fragment becomes the output line most like it.
    const like = slide.filter((l) => l.trim()).length === 1 ? mostLike(slide.find((l) => l.trim())!, out) : undefined;
    if (like === undefined) return { refused: "a fragment of the output none of whose lines is in it any more: nothing says which part to quote (update it by hand)" };
    lines = [{ text: like }];
  }
  const text = lines.map((l) => l.text).join("\n");
  const check = matchExpected(text, actual, { ...(lang ? { lang } : {}), fragment });
  if (!check.passed) return { refused: "the updated block would still not match the output (update it by hand)" };
  return { lines };
}

/**
 * The output line most like `line` (the only one, or the one sharing the most words, at least
 * half of them, with no tie); undefined when none is clearly it.
 */
function mostLike(line: string, out: readonly string[]): string | undefined {
  if (out.length === 1) return out[0];
  const words = (s: string) => s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const mine = words(line);
  const scores = out.map((o) => {
    const theirs = words(o);
    const left = [...theirs];
    let common = 0;
    for (const w of mine) {
      const k = left.indexOf(w);
      if (k >= 0) {
        common++;
        left.splice(k, 1);
      }
    }
    return mine.length + theirs.length === 0 ? 0 : (2 * common) / (mine.length + theirs.length);
  });
  const best = Math.max(...scores);
  if (best < 0.5 || scores.filter((s) => s === best).length > 1) return undefined;
  return out[scores.indexOf(best)];
}

function isEllipsis(line: string): boolean {
  return ELLIPSIS_LINE.test(line.trim());
}

type Move = "match" | "end" | "absorb" | "substitute" | "delete" | "insert" | "skip";

/**
 * Edit-distance alignment of the slide's lines with the output's, read back as the new lines.
 * `cost[i][j]`: the cheapest way to align slide[i..] with out[j..]. A fragment may start and end
 * anywhere in the output ("skip": output lines before and after it are not part of it).
 */
function align(slide: readonly string[], out: readonly string[], expected: string, fragment: boolean): UpdatedLine[] {
  const wildcards = wildcardsFor(expected);
  const whole = lineMatcher(wildcards);
  const inside = new Map<number, RegExp>();
  const equals = (i: number, j: number): boolean => {
    const line = slide[i]!;
    if (whole(line, out[j]!)) return true;
    if (!fragment || line.trim() === "") return false;
    let re = inside.get(i);
    if (!re) inside.set(i, (re = new RegExp(compileInline(line.replace(/\s+/g, " ").trim(), wildcards))));
    return re.test(out[j]!.replace(/\s+/g, " ").trim());
  };
  const n = slide.length;
  const m = out.length;
  const width = m + 1;
  const cost = new Int32Array((n + 1) * width);
  const move = new Array<Move>((n + 1) * width);
  for (let i = n; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      const at = i * width + j;
      if (i === n) {
        cost[at] = j === m ? 0 : fragment ? 0 : cost[at + 1]! + 1;
        move[at] = j === m ? "end" : fragment ? "skip" : "insert";
        continue;
      }
      let best = Number.MAX_SAFE_INTEGER;
      let chosen: Move = "delete";
      const consider = (c: number, mv: Move) => {
        if (c < best) [best, chosen] = [c, mv];
      };
      const ellipsis = isEllipsis(slide[i]!);
      if (ellipsis) {
        consider(cost[at + width]!, "end");
        if (j < m) consider(cost[at + 1]!, "absorb");
      } else {
        if (j < m && equals(i, j)) consider(cost[at + width + 1]!, "match");
        if (j < m) consider(cost[at + width + 1]! + 1, "substitute");
        consider(cost[at + width]! + 1, "delete");
      }
      if (j < m) consider(cost[at + 1]! + 1, "insert");
      cost[at] = best;
      move[at] = chosen;
    }
  }
  // A fragment starts where it costs least (the first such place).
  let j = 0;
  if (fragment) {
    for (let start = 1; start <= m; start++) if (cost[start]! < cost[j]!) j = start;
  }
  const lines: UpdatedLine[] = [];
  let i = 0;
  let ellipsisWritten = -1;
  while (i < n || j < m) {
    const mv = move[i * width + j]!;
    switch (mv) {
      case "match":
        lines.push({ text: slide[i]!, kept: i });
        i++;
        j++;
        break;
      case "substitute":
        lines.push({ text: out[j]! });
        i++;
        j++;
        break;
      case "delete":
        i++;
        break;
      case "insert":
        lines.push({ text: out[j]! });
        j++;
        break;
      case "absorb":
      case "end":
        if (ellipsisWritten !== i) lines.push({ text: slide[i]!, kept: i });
        ellipsisWritten = i;
        if (mv === "absorb") j++;
        else i++;
        break;
      case "skip":
        j = m;
        break;
    }
  }
  return lines;
}
