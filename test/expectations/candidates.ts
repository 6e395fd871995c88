/**
 * The candidate blocks of the expectation labels, found independently of labrun's own rules:
 * every fenced code block whose prose just before it (the paragraph or list item text above it,
 * past HTML comments and lines that only open macros such as `.small[`) ends with a colon, and
 * every block whose first line is a shell prompt followed by a command (a transcript). Bash
 * blocks inside an exercise that are not transcripts are commands by definition and not candidates.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { splitSlides } from "../../src/parse/slides.js";
import { findMacros } from "../../src/parse/macros.js";

export interface Candidate {
  readonly file: string;
  /** 1-based line of the block's opening fence. */
  readonly line: number;
  readonly endLine: number;
  readonly lang: string;
  readonly prose: string;
  readonly text: string;
  readonly inExercise: boolean;
  readonly transcript: boolean;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)/;
const PROMPT_LINE = /^\s*(?:\[[^\]\s]+@[^\]]+\][$#]|[\w.-]+@[\w.-]+:[^\s$#]*[$#]|[$#]|\/ #|~ \$|bash-[\d.]+[$#]|[\w.-]+[$#>])\s+\S/;

export function mdFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? mdFiles(p) : name.endsWith(".md") ? [p] : [];
    });
}

export function candidatesIn(root: string, path: string): Candidate[] {
  const text = readFileSync(path, "utf8");
  const file = relative(root, path);
  const out: Candidate[] = [];
  for (const slide of splitSlides(text)) {
    const lines = slide.lines;
    const { macros } = findMacros(lines, slide.startLine, file);
    const exercises = macros.filter((m) => m.name === "exercise" || m.name === "lab");
    const lastLine = slide.startLine + lines.length - 1;
    const inEx = (line: number) => exercises.some((e) => line >= e.line && line <= (e.endLine ?? lastLine));
    let commentDepth = false;
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i]!;
      if (commentDepth) {
        if (raw.includes("-->")) commentDepth = false;
        continue;
      }
      if (raw.includes("<!--") && !raw.includes("-->")) {
        commentDepth = true;
        continue;
      }
      const m = FENCE.exec(raw);
      if (!m || raw.slice(m[0].length).includes("`")) continue;
      const fence = m[2]!;
      let j = i + 1;
      while (j < lines.length && !(lines[j]!.trim().startsWith(fence) && lines[j]!.trim().replace(/[`~]/g, "") === "")) j++;
      const body = lines.slice(i + 1, j);
      const line = slide.startLine + i;
      const lang = m[3]!.toLowerCase();
      const prose = proseAbove(lines, i);
      const transcript = body.length > 0 && PROMPT_LINE.test(body[0]!) && !/^\s*\$\w+=|^\s*\$\(/.test(body[0]!);
      const inExercise = inEx(line);
      const colon = /:\s*(\p{Extended_Pictographic}\s*)*$/u.test(prose);
      if ((colon && !(inExercise && lang === "bash")) || transcript) {
        out.push({ file, line, endLine: slide.startLine + j, lang, prose, text: body.join("\n"), inExercise, transcript });
      }
      i = j;
    }
  }
  return out;
}

/** The text of the lines just above line i, up to a blank line, past comments and macro openers. */
function proseAbove(lines: readonly string[], i: number): string {
  let k = i - 1;
  const skip = (l: string) => l.trim() === "" || /^\s*(\.[\w-]+\[\s*)+$/.test(l) || /^\s*<!--.*-->\s*$/.test(l);
  while (k >= 0 && skip(lines[k]!)) k--;
  const para: string[] = [];
  while (k >= 0 && lines[k]!.trim() !== "" && !FENCE.test(lines[k]!)) {
    para.unshift(lines[k]!.trim());
    if (/^\s*[-*]\s/.test(lines[k]!)) break;
    k--;
  }
  return para.join(" ").replace(/^[-*]\s+/, "").trim();
}
