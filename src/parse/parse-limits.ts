/**
 * What a slide may hold before its Markdown is handed to remark. micromark and mdast nest one
 * level per block container and grow super-linearly on long runs of emphasis and bracket markers
 * (10,000 nested `- ` on one line: 96 s; 16,000 nested `*`: 82 s, then a stack overflow in the
 * tree). Both are found here by a linear scan of the slide's lines, far above any real deck: the
 * 2021 container.training courses nest at most 3 block containers and their busiest paragraph
 * holds under 70 markers. Up to 1,000 markers a paragraph, remark's time per byte stays flat.
 */
export interface ParseLimits {
  /** Block containers (`>` quotes, list items) around one line. */
  readonly depth: number;
  /** `*`, `_`, `[`, `]`, `` ` `` in one paragraph (a run of non-blank lines). */
  readonly markers: number;
}

export const PARSE_LIMITS: ParseLimits = { depth: 32, markers: 1000 };

export interface LimitExceeded {
  readonly ruleId: "nesting-too-deep" | "markers-too-many";
  /** 1-based line and column, in the slide's text (the first line of the slide is `startLine`). */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

const SPACE = 0x20;
const TAB = 0x09;
const GT = 0x3e;

/**
 * The first place a slide goes past a limit, or undefined. Every line is read once, and no
 * further than the limit: open list items are a stack of content columns, and a line pops those
 * it is not indented into (each item is pushed and popped once). Fenced code is counted as
 * Markdown: where a fence ends is remark's call, and real code stays far below the limits.
 */
export function exceedsLimits(lines: readonly string[], startLine: number, limits: ParseLimits = PARSE_LIMITS): LimitExceeded | undefined {
  const items: number[] = [];
  let markers = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = startLine + i;
    let pos = 0;
    while (pos < line.length && (line.charCodeAt(pos) === SPACE || line.charCodeAt(pos) === TAB)) pos++;
    if (pos === line.length) {
      markers = 0;
      continue;
    }
    const indent = pos;
    while (items.length > 0 && items[items.length - 1]! > indent) items.pop();
    let depth = items.length;
    let quoted = false;
    // The containers this line opens: `>` and list markers, each followed by spaces.
    for (;;) {
      const marker = containerMarker(line, pos);
      if (marker === 0) break;
      depth++;
      if (depth > limits.depth) {
        return { ruleId: "nesting-too-deep", line: lineNo, column: pos + 1, message: nestingMessage(limits.depth) };
      }
      const isQuote = line.charCodeAt(pos) === GT;
      pos += marker;
      while (pos < line.length && (line.charCodeAt(pos) === SPACE || line.charCodeAt(pos) === TAB)) pos++;
      if (isQuote) quoted = true;
      // An item's content starts after its marker; inside a quote, columns are the quote's own.
      else if (!quoted) items.push(pos === line.length ? pos - marker + 2 : pos);
    }
    for (let c = pos; c < line.length; c++) {
      const ch = line.charCodeAt(c);
      if (ch === 0x2a || ch === 0x5f || ch === 0x5b || ch === 0x5d || ch === 0x60) {
        if (++markers > limits.markers) {
          return {
            ruleId: "markers-too-many",
            line: lineNo,
            column: c + 1,
            message: `more than ${limits.markers} emphasis, link and code markers (*, _, [, ], \`) in one paragraph`,
          };
        }
      }
    }
  }
  return undefined;
}

function nestingMessage(depth: number): string {
  return `nesting deeper than ${depth} levels (block quotes and list items inside each other)`;
}

/** The length of the container marker at `pos` (`>`, `-`, `*`, `+`, `1.`, `1)`), or 0. */
function containerMarker(line: string, pos: number): number {
  const ch = line.charCodeAt(pos);
  if (ch === GT) return 1;
  let end = pos;
  if (ch === 0x2d || ch === 0x2a || ch === 0x2b) end = pos + 1;
  else {
    while (end < line.length && end - pos < 9 && line.charCodeAt(end) >= 0x30 && line.charCodeAt(end) <= 0x39) end++;
    if (end === pos) return 0;
    const d = line.charCodeAt(end);
    if (d !== 0x2e && d !== 0x29) return 0;
    end++;
  }
  // A list marker is followed by a space, a tab or the end of the line.
  const next = line.charCodeAt(end);
  return end === line.length || next === SPACE || next === TAB ? end - pos : 0;
}
