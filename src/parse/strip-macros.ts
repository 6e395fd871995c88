import { closesFence, fenceOpening } from "./slides.js";

const MACRO_OPEN = /^\.([A-Za-z][\w-]*)\[/;

/**
 * Removes remark.js macro wrappers and keeps their content: `.small[text]` becomes `text`, and a
 * `.lab[` ... `]` spanning lines loses its opening and closing lines. Fenced code, inline code
 * and HTML comments are left alone (a `]` there closes nothing).
 */
export function stripMacros(markdown: string): string {
  let fence: { char: string; length: number } | undefined;
  let inComment = false;
  /** Macros opened on earlier lines and not closed yet. */
  let open = 0;
  const out: string[] = [];
  for (const line of markdown.split("\n")) {
    if (fence) {
      if (closesFence(line, fence)) fence = undefined;
      out.push(line);
      continue;
    }
    const result = stripLine(line, inComment, open);
    inComment = result.inComment;
    open = result.open;
    const text = result.text;
    fence = inComment ? undefined : fenceOpening(text);
    // A line that held only a macro's opening or closing is dropped, not left as a stray blank.
    if (text.trim() === "" && line.trim() !== "") continue;
    out.push(text);
  }
  return out.join("\n");
}

function stripLine(line: string, inComment: boolean, open: number): { text: string; inComment: boolean; open: number } {
  let text = "";
  /** Per bracket opened on this line: was it a macro's? */
  const brackets: boolean[] = [];
  let i = 0;
  while (i < line.length) {
    if (inComment) {
      const end = line.indexOf("-->", i);
      const stop = end < 0 ? line.length : end + 3;
      text += line.slice(i, stop);
      i = stop;
      inComment = end < 0;
      continue;
    }
    const rest = line.slice(i);
    if (rest.startsWith("<!--")) {
      inComment = true;
      text += "<!--";
      i += 4;
      continue;
    }
    if (rest.startsWith("`")) {
      const ticks = /^`+/.exec(rest)![0];
      const close = line.indexOf(ticks, i + ticks.length);
      const stop = close < 0 ? i + ticks.length : close + ticks.length;
      text += line.slice(i, stop);
      i = stop;
      continue;
    }
    const macro = MACRO_OPEN.exec(rest);
    if (macro) {
      brackets.push(true);
      i += macro[0].length;
      continue;
    }
    const ch = line[i]!;
    if (ch === "[") brackets.push(false);
    if (ch === "]") {
      if (brackets.length > 0) {
        if (brackets.pop()) {
          i++;
          continue;
        }
      } else if (open > 0) {
        open--;
        i++;
        continue;
      }
    }
    text += ch;
    i++;
  }
  return { text, inComment, open: open + brackets.filter(Boolean).length };
}
