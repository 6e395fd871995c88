import type { Problem } from "../problem.js";
import { closesFence, fenceOpening, opensComment } from "./slides.js";

/**
 * remark.js macros: `.name[ ... ]` applies a CSS class to its content, which may span many lines
 * and hold lists and fenced code; mdast has no node for it, so macros are found here, line by line,
 * with fenced code and HTML comments opaque. A `]` with no `[` before it on its line closes the
 * innermost open macro; plain brackets (links) balance within their line.
 */
export interface MacroRange {
  readonly name: string;
  readonly line: number;
  readonly column: number;
  /** Line of the closing `]`; undefined when the macro is never closed (it then runs to the slide's end). */
  readonly endLine: number | undefined;
}

const MACRO_OPEN = /\.([A-Za-z][\w-]*)\[/y;

export function findMacros(lines: readonly string[], firstLine: number, file: string): { macros: MacroRange[]; problems: Problem[] } {
  const open: { name: string; line: number; column: number }[] = [];
  const macros: MacroRange[] = [];
  let fence: { char: string; length: number } | undefined;
  let inComment = false;

  lines.forEach((raw, i) => {
    const lineNo = firstLine + i;
    if (fence) {
      if (closesFence(raw, fence)) fence = undefined;
      return;
    }
    let line = raw;
    if (inComment) {
      const end = line.indexOf("-->");
      if (end < 0) return;
      inComment = false;
      line = " ".repeat(end + 3) + line.slice(end + 3);
    }
    const visible = blankComments(blankCodeSpans(line));
    scanBrackets(visible, lineNo, open, macros);
    inComment = opensComment(line);
    if (!inComment) fence = fenceOpening(line);
  });

  const problems: Problem[] = [];
  for (const m of open.reverse()) {
    macros.push({ ...m, endLine: undefined });
    problems.push({
      file,
      line: m.line,
      column: m.column,
      severity: "error",
      message: `macro .${m.name}[ is never closed on this slide (expected a line with ])`,
      ruleId: "macro-unclosed",
    });
  }
  macros.sort((a, b) => a.line - b.line || a.column - b.column);
  return { macros, problems };
}

function scanBrackets(line: string, lineNo: number, open: { name: string; line: number; column: number }[], done: MacroRange[]) {
  let plain = 0;
  for (let c = 0; c < line.length; c++) {
    const ch = line[c];
    if (ch === "\\") {
      c++;
      continue;
    }
    if (ch === ".") {
      MACRO_OPEN.lastIndex = c;
      const m = MACRO_OPEN.exec(line);
      if (m) {
        open.push({ name: m[1]!, line: lineNo, column: c + 1 });
        c += m[0].length - 1;
        continue;
      }
    }
    if (ch === "[") plain++;
    else if (ch === "]") {
      if (plain > 0) plain--;
      else {
        const m = open.pop();
        if (m) done.push({ ...m, endLine: lineNo });
      }
    }
  }
}

/** Replace inline code spans by spaces: brackets inside them are text. */
function blankCodeSpans(line: string): string {
  return line.replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, (s) => " ".repeat(s.length));
}

function blankComments(line: string): string {
  return line.replace(/<!--[\s\S]*?(-->|$)/g, (s) => " ".repeat(s.length));
}
