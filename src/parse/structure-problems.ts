import type { Problem } from "../problem.js";
import type { MacroRange } from "./macros.js";
import type { Unclosed } from "./slides.js";

/**
 * The problems of a slide's structure: fences, comments and macros never closed. Each runs to the
 * slide's end. Inside an exercise, or with an exercise after it on the slide, what runs is in doubt:
 * an error (`run` refuses the deck). In prose with no exercise after it (an unclosed fence in a
 * chapter's text), no step changes: a warning, still at its line.
 */
export function structureProblems(input: {
  readonly file: string;
  /** The slide's lines, in the file's text; `firstLine` is the first one's number. */
  readonly lines: readonly string[];
  readonly firstLine: number;
  readonly unclosed: readonly Unclosed[];
  /** Macro problems found by findMacros (macro-unclosed), and the macros. */
  readonly macroProblems: readonly Problem[];
  readonly macros: readonly MacroRange[];
  readonly exerciseNames: ReadonlySet<string>;
}): Problem[] {
  const { file, lines, firstLine, exerciseNames } = input;
  const lastLine = firstLine + lines.length - 1;
  const exercises = input.macros.filter((m) => exerciseNames.has(m.name));
  const opensExercise = new RegExp(`\\.(?:${[...exerciseNames].map(escapeRegExp).join("|")})\\[`);
  /** In an exercise, or before one that starts later on the slide (even inside what is left open). */
  const inDoubt = (line: number, column: number): boolean =>
    exercises.some((e) => (e.line < line || (e.line === line && e.column <= column)) && line <= (e.endLine ?? lastLine)) ||
    lines.slice(line - firstLine).some((l, i) => opensExercise.test(i === 0 ? l.slice(column) : l));
  const outside = "; it is outside any exercise, so no step changes";

  const problems: Problem[] = input.macroProblems.map((p) => {
    if (p.ruleId !== "macro-unclosed" || exercises.some((e) => e.line === p.line && e.column === p.column) || inDoubt(p.line, p.column)) return p;
    return { ...p, severity: "warning", message: p.message + outside };
  });
  for (const u of input.unclosed) {
    const what = u.kind === "fence" ? "fenced code block" : "HTML comment";
    const doubt = inDoubt(u.line, u.column);
    problems.push({
      file,
      line: u.line,
      column: u.column,
      severity: doubt ? "error" : "warning",
      message: `${what} is never closed on this slide (it ends at the slide's end)${doubt ? "" : outside}`,
      ruleId: `${u.kind}-unclosed`,
    });
  }
  return problems;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
