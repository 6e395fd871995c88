/**
 * Terminal column widths and word wrapping for styled text. What goes through here is shown with
 * its control characters escaped (visible.ts): a deck's text is never obeyed by the terminal.
 */
import { visible } from "../visible.js";

const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
const ZERO = /[\u0300-\u036f\u200b-\u200f\ufe00-\ufe0f\u20d0-\u20ff]|[\x00-\x1f\x7f]/u;

/** Columns a string takes in a terminal (close enough: wide CJK and emoji count two). */
export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += ZERO.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
  return width;
}

/** The longest start of `text` that fits in `width` columns, with … when cut. */
export function truncate(shown: string, width: number): string {
  const text = visible(shown);
  if (textWidth(text) <= width) return text;
  if (width <= 0) return "";
  let out = "";
  let used = 0;
  for (const ch of text) {
    const w = textWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return out + "…";
}

export interface SpanStyle {
  readonly bold?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly dim?: boolean;
  readonly inverse?: boolean;
  readonly color?: "cyan" | "yellow" | "green" | "red" | "magenta" | "blue" | "gray";
}

export interface Span {
  readonly text: string;
  readonly style?: SpanStyle;
}

/** One terminal line of styled text. */
export type RichLine = readonly Span[];

export function lineWidth(line: RichLine): number {
  return line.reduce((n, span) => n + textWidth(span.text), 0);
}

export function lineText(line: RichLine): string {
  return line.map((s) => s.text).join("");
}

/** Cuts a styled line to `width` columns, marking the cut with …. */
export function truncateLine(shown: RichLine, width: number): RichLine {
  const line = visibleLine(shown);
  if (lineWidth(line) <= width) return line;
  const out: Span[] = [];
  let left = width - 1;
  for (const span of line) {
    if (left <= 0) break;
    const w = textWidth(span.text);
    if (w <= left) {
      out.push(span);
      left -= w;
    } else {
      out.push({ ...span, text: truncate(span.text, left + 1).slice(0, -1) });
      left = 0;
    }
  }
  out.push({ text: "…", style: { dim: true } });
  return out;
}

/**
 * Greedy word wrap of styled spans: the first line starts with `first`, the next ones with
 * `rest` (a list item's bullet, then its indentation). Words longer than a line are broken.
 */
export function wrapSpans(shown: readonly Span[], width: number, first: RichLine = [], rest: RichLine = first): RichLine[] {
  const spans = visibleLine(shown);
  const lines: Span[][] = [];
  let line: Span[] = [...first];
  let used = lineWidth(first);
  let fresh = true;
  const room = () => Math.max(1, width - used);
  const newLine = () => {
    lines.push(line);
    line = [...rest];
    used = lineWidth(rest);
    fresh = true;
  };
  const put = (text: string, style: SpanStyle | undefined) => {
    const last = line[line.length - 1];
    if (last && !fresh && sameStyle(last.style, style)) line[line.length - 1] = { text: last.text + text, ...(style ? { style } : {}) };
    else line.push({ text, ...(style ? { style } : {}) });
    used += textWidth(text);
    fresh = false;
  };
  for (const span of spans) {
    for (const token of span.text.split(/(\s+)/)) {
      if (token === "") continue;
      if (/^\s+$/.test(token)) {
        if (!fresh && used < width) put(" ", span.style);
        continue;
      }
      let word = token;
      if (!fresh && textWidth(word) > room()) {
        trimTrailingSpace(line);
        newLine();
      }
      while (textWidth(word) > room()) {
        const cut = sliceColumns(word, room());
        put(cut, span.style);
        word = word.slice(cut.length);
        newLine();
      }
      if (word) put(word, span.style);
    }
  }
  trimTrailingSpace(line);
  if (line.length > rest.length || lines.length === 0) lines.push(line);
  return lines;
}

function visibleLine(line: RichLine): RichLine {
  return line.some((span) => visible(span.text) !== span.text) ? line.map((span) => ({ ...span, text: visible(span.text) })) : line;
}

function trimTrailingSpace(line: Span[]): void {
  const last = line[line.length - 1];
  if (last && last.text.endsWith(" ")) line[line.length - 1] = { ...last, text: last.text.trimEnd() };
}

function sliceColumns(text: string, columns: number): string {
  let out = "";
  let used = 0;
  for (const ch of text) {
    const w = textWidth(ch);
    if (used + w > columns && out) break;
    out += ch;
    used += w;
  }
  return out;
}

function sameStyle(a: SpanStyle | undefined, b: SpanStyle | undefined): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}
