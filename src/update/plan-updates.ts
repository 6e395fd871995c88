/**
 * `labrun run DECK --update`, the plan: which lines of which slide files change, as values.
 * Pure: the expectations that failed, what their commands printed and the files' text in; edits
 * (and the blocks left as they are, with why) out. apply-updates.ts writes them.
 *
 * A block keeps its place: its container's indentation (list items nested at any depth, a
 * blockquote's `>`, Markdown indented in a manifest), its fence, the file's line endings (CRLF
 * stays CRLF). A line of the block that still matches is kept byte for byte; every line outside
 * the block is untouched.
 */
import type { ExpectedBlock } from "../parse/parse-deck.js";
import { readTranscript } from "../parse/transcript.js";
import { MASK } from "../run/masker.js";
import { updatedExpectation } from "./updated-expectation.js";

/** An expectation whose step failed, with what its command printed. */
export interface StaleExpectation {
  /** Where the run reported it (`file:line`), for messages. */
  readonly where: string;
  /** The expected output as the slide has it (the step's text, unmasked). */
  readonly expected: string;
  readonly lang?: string;
  readonly fragment?: boolean;
  /** Its lines in their source file; undefined when they are not contiguous lines of one file. */
  readonly block: ExpectedBlock | undefined;
  /** What the command printed (as the run reports it: masked). */
  readonly actual: string;
  /** Whether values were masked in this run (`--mask`): then `****` in the output may hide one. */
  readonly masking: boolean;
}

/** Lines `line` to `endLine` (1-based, inclusive) of `file` become `lines` (no line endings: `eol` joins them). */
export interface BlockEdit {
  readonly file: string;
  readonly line: number;
  readonly endLine: number;
  readonly lines: readonly string[];
  readonly eol: string;
  readonly where: string;
}

export interface Refusal {
  readonly where: string;
  readonly reason: string;
}

export interface UpdatePlan {
  readonly edits: readonly BlockEdit[];
  readonly refused: readonly Refusal[];
}

/** A line of a file and the line ending after it ("" for a last line without one). */
export interface SourceLine {
  readonly text: string;
  readonly eol: string;
}

export function sourceLines(text: string): SourceLine[] {
  const lines: SourceLine[] = [];
  const re = /\r\n|\n|\r/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push({ text: text.slice(at, m.index), eol: m[0] });
    at = m.index + m[0].length;
  }
  if (at < text.length || lines.length === 0) lines.push({ text: text.slice(at), eol: "" });
  return lines;
}

/** What the expected block's lines may carry before the slide's text: indentation, a blockquote's `>`. */
const CONTAINER_PREFIX = /^[ \t>]*$/;
const FENCE_LINE = /^\s*(?:`{3,}|~{3,})\s*$/;
const ELIDED_OUTPUT = /\[labrun: \d+ characters of output not kept\]/;

/**
 * The edits for `stale` expectations, given each file's text (`sources`, by the path the blocks
 * name; a file missing there is refused). Never two edits on one block.
 */
export function planUpdates(stale: readonly StaleExpectation[], sources: ReadonlyMap<string, string>): UpdatePlan {
  const edits: BlockEdit[] = [];
  const refused: Refusal[] = [];
  const seen = new Set<string>();
  for (const s of stale) {
    const key = s.block ? `${s.block.file}:${s.block.line}` : s.where;
    if (seen.has(key)) continue;
    seen.add(key);
    const result = planOne(s, sources);
    if ("reason" in result) refused.push({ where: s.where, reason: result.reason });
    else if (result.edit) edits.push(result.edit);
  }
  return { edits, refused };
}

function planOne(s: StaleExpectation, sources: ReadonlyMap<string, string>): { edit?: BlockEdit } | { reason: string } {
  const { block } = s;
  if (!block) return { reason: "its lines are not lines of one file (an @@INCLUDE inside the block?): update it by hand" };
  if (s.masking && s.actual.includes(MASK)) return { reason: `the output shows a masked value (${MASK}): a slide never gets one, update it by hand` };
  if (ELIDED_OUTPUT.test(s.actual)) return { reason: "the output was too long to be kept whole: update it by hand" };
  const source = sources.get(block.file);
  if (source === undefined) return { reason: `${block.file} could not be read` };
  const all = sourceLines(source);
  const old = all.slice(block.line - 1, block.endLine);
  const slide = s.expected.split("\n");
  const where = `${block.file}:${block.line}`;
  if (old.length !== slide.length || block.endLine > all.length) {
    return { reason: `${where}: the block's lines are not the expected output labrun read (a prompt line inside it, or the file changed during the run?)` };
  }
  // Each line of the file must be the slide's line behind its container's prefix: else the file changed, or a placeholder was filled in the block.
  const prefixes: string[] = [];
  for (let i = 0; i < old.length; i++) {
    const file = old[i]!.text.trimEnd();
    const text = slide[i]!.trimEnd();
    const prefix = file.slice(0, file.length - text.length);
    if (!file.endsWith(text) || !CONTAINER_PREFIX.test(prefix)) {
      return { reason: `${block.file}:${block.line + i}: the file's line is not the one the slide showed (a placeholder filled in it, or the file changed during the run?)` };
    }
    if (text.trim() !== "") prefixes.push(prefix);
  }
  const updated = updatedExpectation(s.expected, s.actual, { ...(s.lang ? { lang: s.lang } : {}), ...(s.fragment ? { fragment: true } : {}) });
  if ("refused" in updated) return { reason: updated.refused };
  const prefix = prefixes.reduce((a, b) => (b.length > a.length ? b : a), "");
  const lines: string[] = [];
  for (const line of updated.lines) {
    if (line.kept !== undefined) {
      lines.push(old[line.kept]!.text);
      continue;
    }
    if (FENCE_LINE.test(line.text)) return { reason: "the output has a line that would close the code block (```): update it by hand" };
    if (block.hidden && line.text.includes("-->")) return { reason: "the output has '-->', which would close the HTML comment the block is in: update it by hand" };
    if (readTranscript(line.text, s.lang ?? "") !== undefined) return { reason: `the output has a line that reads as a prompt and a command (${JSON.stringify(line.text)}): it would be run, update it by hand` };
    lines.push(line.text === "" ? prefix.trimEnd() : prefix + line.text);
  }
  if (lines.length === old.length && lines.every((l, i) => l === old[i]!.text)) return {};
  const eol = old.find((l) => l.eol !== "")?.eol ?? all.find((l) => l.eol !== "")?.eol ?? "\n";
  return { edit: { file: block.file, line: block.line, endLine: block.endLine, lines, eol, where } };
}

/**
 * The file's text with its edits made (all of them on this file), and where each block is now
 * (its first line, after the edits above it).
 */
export function applyEdits(source: string, edits: readonly BlockEdit[]): { text: string; lines: Map<BlockEdit, number> } {
  const all = sourceLines(source);
  const sorted = [...edits].sort((a, b) => a.line - b.line);
  const out: SourceLine[] = [];
  const at = new Map<BlockEdit, number>();
  let next = 1;
  for (const edit of sorted) {
    if (edit.line < next) throw new Error(`overlapping edits at ${edit.where}`);
    out.push(...all.slice(next - 1, edit.line - 1));
    at.set(edit, out.length + 1);
    const lastEol = all[edit.endLine - 1]?.eol ?? "";
    edit.lines.forEach((text, i) => out.push({ text, eol: i === edit.lines.length - 1 ? lastEol : edit.eol }));
    next = edit.endLine + 1;
  }
  out.push(...all.slice(next - 1));
  // sourceLines() of "" is one empty line with no ending: joining gives "" back.
  return { text: out.map((l) => l.text + l.eol).join(""), lines: at };
}
