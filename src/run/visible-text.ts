/**
 * What a terminal would show of a raw stream, as far as finding text in it goes: escape
 * sequences (CSI, OSC, DCS, SOS, PM, APC, and two- or three-byte ESC sequences) and control
 * characters other than tab, newline and carriage return are invisible.
 */
export interface VisibleText {
  /** The visible characters. */
  readonly visible: string;
  /** The raw index of each visible character. */
  readonly at: readonly number[];
  /** Where an escape sequence unfinished at the end of the text starts; else the text's length. */
  readonly end: number;
  /** The complete escape sequences: start and end (exclusive) raw indices, in pairs, in order. */
  readonly escapes: readonly number[];
}

const INVISIBLE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/;
const ESC = 0x1b;
const BEL = 0x07;

export function visibleText(raw: string): VisibleText {
  if (!INVISIBLE.test(raw)) return { visible: raw, at: identity(raw.length), end: raw.length, escapes: [] };
  let visible = "";
  const at: number[] = [];
  const escapes: number[] = [];
  let i = 0;
  while (i < raw.length) {
    const code = raw.charCodeAt(i);
    if (code === ESC) {
      const next = escapeEnd(raw, i);
      if (next === -1) return { visible, at, end: i, escapes };
      escapes.push(i, next);
      i = next;
    } else if (isInvisible(code)) {
      i++;
    } else {
      visible += raw[i];
      at.push(i);
      i++;
    }
  }
  return { visible, at, end: raw.length, escapes };
}

function isInvisible(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0x7f && code <= 0x9f);
}

/** The index just after the escape sequence starting at `start`, or -1 when the text ends inside it. */
function escapeEnd(raw: string, start: number): number {
  let i = start + 1;
  if (i >= raw.length) return -1;
  const kind = raw[i];
  if (kind === "[") {
    // CSI: parameters 0x30-0x3f, intermediates 0x20-0x2f, one final byte 0x40-0x7e.
    for (i++; i < raw.length; i++) {
      const code = raw.charCodeAt(i);
      if (code >= 0x40 && code <= 0x7e) return i + 1;
      if (code < 0x20 || code > 0x3f) return i; // not a CSI byte: the sequence was cut short
    }
    return -1;
  }
  if (kind === "]" || kind === "P" || kind === "X" || kind === "^" || kind === "_") {
    // A string: ended by ST (ESC \), or BEL for OSC.
    for (i++; i < raw.length; i++) {
      const code = raw.charCodeAt(i);
      if (code === BEL && kind === "]") return i + 1;
      if (code === ESC) {
        if (i + 1 >= raw.length) return -1;
        return raw[i + 1] === "\\" ? i + 2 : i;
      }
    }
    return -1;
  }
  // ESC, intermediates 0x20-0x2f, a final byte 0x30-0x7e (ESC 7, ESC ( B, ESC =).
  for (; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code >= 0x30 && code <= 0x7e) return i + 1;
    if (code < 0x20 || code > 0x2f) return i;
  }
  return -1;
}

const identities: number[] = [];
/** 0, 1, 2... n-1, shared (callers only read it). */
function identity(n: number): readonly number[] {
  for (let i = identities.length; i < n; i++) identities.push(i);
  return identities;
}
