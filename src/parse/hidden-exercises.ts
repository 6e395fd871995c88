import type { Html, Root } from "mdast";
import type { Problem } from "../problem.js";
import type { StepKind } from "../graph/step.js";
import { findMacros, type MacroRange } from "./macros.js";
import { DIRECTIVES, scanDirectives } from "./directives.js";
import { markdown, proseBefore, walk } from "./mdast-util.js";

/** A directive of a hidden exercise, before it gets its id. */
export interface HiddenDirective {
  readonly kind: StepKind;
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

/** A code block of a hidden exercise: the caller decides what it becomes (commands, transcript, expectation). */
export interface HiddenBlock {
  readonly kind: "block";
  readonly text: string;
  readonly lang: string;
  /** Line of the block's first content line. */
  readonly line: number;
  readonly column: number;
  readonly prose: string;
}

export type HiddenStep = HiddenDirective | HiddenBlock;

const DIRECTIVE_NAMES: ReadonlySet<string> = new Set(DIRECTIVES);

/**
 * An exercise macro inside an HTML comment is a hidden exercise: its steps run, and the attendee
 * never sees them (`<!-- .exercise[ ```open URL``` ] -->`). mdast keeps the comment as one opaque
 * `html` node, so its inside is parsed here as Markdown, in place: the comment markers and what
 * lies outside them are blanked, so that lines and columns stay the file's. In it, a fence whose
 * tag is a directive is one, written as in a visible exercise's comments; other code blocks are
 * returned as blocks, to be read as in a visible exercise (commands, transcripts, expectations). Undefined when the comment holds no exercise macro.
 */
export function hiddenExercises(
  lines: readonly string[],
  node: Html,
  offset: number,
  file: string,
  names: ReadonlySet<string>,
): { exercises: MacroRange[]; steps: HiddenStep[]; problems: Problem[] } | undefined {
  if (!/\.[A-Za-z][\w-]*\[/.test(node.value)) return undefined;
  const { start, end } = node.position!;
  const inner = insideComments(lines.slice(start.line - 1, end.line).join("\n"), start.column - 1);
  if (!inner.includes("[")) return undefined;
  const firstLine = start.line + offset;
  const innerLines = inner.split("\n");
  const found = findMacros(innerLines, firstLine, file);
  const exercises = found.macros.filter((m) => names.has(m.name));
  if (exercises.length === 0) return undefined;
  const lastLine = firstLine + innerLines.length - 1;
  const inExercise = (line: number) => exercises.some((e) => line >= e.line && line <= (e.endLine ?? lastLine));
  const problems = found.problems
    .filter((p) => exercises.some((e) => e.endLine === undefined && e.line === p.line && e.column === p.column))
    .map((p) => ({ ...p, message: p.message.replace("on this slide", "in its comment") }));

  // Indentation is cut before the parse (4 spaces would make indented code) and added back to columns:
  // on the first line, the whole blanked `<!--` prefix; on the others, what they have in common (a list item's).
  const indent = (l: string) => /^[ \t]*/.exec(l)![0].length;
  const lead = indent(innerLines[0]!);
  const others = innerLines.slice(1).filter((l) => l.trim());
  const cut = others.length ? Math.min(...others.map(indent)) : 0;
  const text = [innerLines[0]!.slice(lead), ...innerLines.slice(1).map((l) => l.slice(cut))].join("\n");
  const shift = (line: number) => (line === firstLine ? lead : cut);
  const steps: HiddenStep[] = [];
  const directivesOf = (from: number, to: number, line: number) => {
    const lineStart = text.lastIndexOf("\n", from - 1) + 1;
    const scanned = scanDirectives(text.slice(lineStart, to), line, 1 + shift(line), file);
    problems.push(...scanned.problems);
    for (const d of scanned.directives) steps.push({ kind: d.name, text: d.arg, line: d.line, column: d.line === line ? d.column : d.column + shift(d.line) });
  };
  walk(markdown.parse(text) as Root, (n, parent, index) => {
    const line = n.position!.start.line + firstLine - 1;
    if ((n.type !== "code" && n.type !== "paragraph") || !inExercise(line)) return;
    const from = n.position!.start.offset!;
    const to = n.position!.end.offset!;
    if (n.type === "paragraph") {
      if (text.slice(from, to).includes("```")) directivesOf(from, to, line);
      return;
    }
    const lang = (n.lang ?? "").toLowerCase();
    const column = n.position!.start.column + shift(line);
    const bodyLine = n.value ? line + 1 : line;
    // A `bash` fence in a hidden exercise is a command block (a transcript, maybe), not the `bash` directive.
    if (lang !== "bash" && DIRECTIVE_NAMES.has(lang)) directivesOf(from, to, line);
    else steps.push({ kind: "block", text: n.value, lang, line: bodyLine, column, prose: proseBefore(parent, index) });
  });
  return { exercises, steps, problems };
}

/** The text inside the HTML comments of `source` (from offset `from` on), everything else blanked: same lines, same columns. */
function insideComments(source: string, from: number): string {
  let out = "";
  let at = 0;
  const re = /<!--([\s\S]*?)(?:-->|$)/g;
  re.lastIndex = from;
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  for (let m = re.exec(source); m && m[0].length > 0; m = re.exec(source)) {
    out += blank(source.slice(at, m.index)) + "    " + m[1]!;
    at = m.index + m[0].length;
    out += blank(source.slice(m.index + 4 + m[1]!.length, at));
  }
  return out + blank(source.slice(at));
}

