import type { Problem } from "../problem.js";

/**
 * Hidden directives live in HTML comments, written as fenced blocks whose tag is the directive:
 * ```` ```wait TEXT``` ```` on one line, or a tag line and a body up to a closing fence.
 * One comment may hold several. mdast keeps a comment as an opaque `html` node, so this reads it.
 */
export const DIRECTIVES = ["hide", "wait", "longwait", "key", "keys", "copy", "paste", "check", "open", "tmux", "bash"] as const;
export type DirectiveName = (typeof DIRECTIVES)[number];

export interface Directive {
  readonly name: DirectiveName;
  readonly arg: string;
  readonly line: number;
  readonly column: number;
}

const KNOWN: ReadonlySet<string> = new Set(DIRECTIVES);
/** Directives that mean nothing without their text. */
const NEEDS_TEXT: ReadonlySet<string> = new Set(["key", "keys", "copy", "wait", "longwait"]);

/** Directives of one HTML node whose text starts at (line, column) of `file`. */
export function parseDirectives(html: string, line: number, column: number, file: string): { directives: Directive[]; problems: Problem[] } {
  if (!html.includes("<!--") || !html.includes("```")) return { directives: [], problems: [] };
  const body = html.replace(/^[\s\S]*?<!--/, (s) => " ".repeat(s.length)).replace(/-->[\s\S]*$/, "");
  return scanDirectives(body, line, column, file);
}

/**
 * The directive fences of a text already inside a comment (a hidden exercise's lines), starting
 * at (line, column) of `file`.
 */
export function scanDirectives(body: string, line: number, column: number, file: string): { directives: Directive[]; problems: Problem[] } {
  const directives: Directive[] = [];
  const problems: Problem[] = [];
  const positionAt = positions(body, line, column);
  let at = body.indexOf("```");
  while (at >= 0) {
    const where = positionAt(at);
    const lineEnd = indexOrEnd(body, "\n", at);
    const infoStart = at + 3;
    const sameLine = body.indexOf("```", infoStart);
    let info: string;
    let text: string;
    let raw: string | undefined;
    let next: number;
    if (sameLine >= 0 && sameLine < lineEnd) {
      info = body.slice(infoStart, sameLine);
      text = "";
      next = sameLine + 3;
    } else {
      info = body.slice(infoStart, lineEnd);
      const close = closingFence(body, lineEnd);
      if (!close) {
        problems.push(problem(file, where, `directive fence \`\`\`${info.trim()} is never closed in this comment`, "directive-unclosed"));
        break;
      }
      raw = body.slice(lineEnd + 1, close.start);
      text = dedent(raw);
      next = close.end;
    }
    // The name, then the rest: trim, not a regex ending in `\s*$` (quadratic on a long blank run).
    const words = info.trim();
    if (words) {
      const space = words.search(/\s/);
      const name = space < 0 ? words : words.slice(0, space);
      const rest = space < 0 ? "" : words.slice(space).trim();
      const arg = name === "keys" ? keysText(info, raw, at - lineStart(body, at)) : [rest, text].filter((s) => s.trim()).join("\n").trimEnd();
      if (NEEDS_TEXT.has(name) && (name === "keys" ? arg === "" : !arg.trim())) {
        problems.push(problem(file, where, `directive '${name}' is empty: it needs ${name === "wait" || name === "longwait" ? "the text to wait for" : name === "copy" ? "the text to copy" : "the keys to type"}`, "directive-empty"));
      } else if (KNOWN.has(name)) directives.push({ name: name as DirectiveName, arg, ...where });
      // The container.training robot's `copypaste REGEX`: copy the last match from the screen, then type it.
      else if (name === "copypaste") directives.push({ name: "copy", arg, ...where }, { name: "paste", arg: "", ...where });
      else problems.push(problem(file, where, `unknown directive '${name}' (known: ${DIRECTIVES.join(", ")})`, "directive-unknown"));
    } else if (text.trim()) {
      problems.push(problem(file, where, "directive fence without a directive name", "directive-unknown"));
    }
    at = body.indexOf("```", next);
  }
  return { directives, problems };
}

/**
 * `keys` types exactly what is written: ```` ```keys kubectl delete pod ``` ```` keeps the space
 * before the pasted name. One-line form: everything after the one space that follows `keys`. Body
 * form: the lines between the fences (their last newline is the closing fence's), less the
 * opening fence's own indentation, as CommonMark strips it from a fenced block's lines.
 */
function keysText(info: string, raw: string | undefined, fenceIndent: number): string {
  const rest = info.replace(/^\s*keys ?/, "");
  if (raw === undefined) return rest;
  const strip = new RegExp(`^[ \\t]{0,${fenceIndent}}`);
  const body = raw.replace(/\n$/, "").split("\n").map((l) => l.replace(strip, "")).join("\n");
  return rest.trim() ? `${rest}\n${body}` : body;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function closingFence(body: string, from: number): { start: number; end: number } | undefined {
  const re = /^[ \t]*```/gm;
  re.lastIndex = from + 1;
  const m = re.exec(body);
  return m ? { start: m.index, end: m.index + m[0].length } : undefined;
}

function indexOrEnd(s: string, needle: string, from: number): number {
  const i = s.indexOf(needle, from);
  return i < 0 ? s.length : i;
}

function dedent(text: string): string {
  const lines = text.split("\n");
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join("\n");
}

/** Line and column of offsets of `text`, asked in increasing order: each character is counted once. */
function positions(text: string, line: number, column: number): (offset: number) => { line: number; column: number } {
  let i = 0;
  let l = line;
  let lastNl = -1;
  return (offset) => {
    if (offset < i) {
      i = 0;
      l = line;
      lastNl = -1;
    }
    for (; i < offset; i++) {
      if (text.charCodeAt(i) === 10) {
        l++;
        lastNl = i;
      }
    }
    return { line: l, column: lastNl < 0 ? column + offset : offset - lastNl };
  };
}

function problem(file: string, at: { line: number; column: number }, message: string, ruleId: string): Problem {
  return { file, line: at.line, column: at.column, severity: "error", message, ruleId };
}
