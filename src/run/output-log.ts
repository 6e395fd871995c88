import { stripVTControlCharacters } from "node:util";

/**
 * A command's output, kept raw and as plain text, the plain text built
 * chunk by chunk (an escape sequence or a `\r\n` split across chunks is
 * carried to the next one) so that waiting on a long stream stays linear.
 * Memory is bounded however much a command prints: see CappedText.
 */
export class OutputLog {
  readonly raw = new CappedText();
  readonly text = new CappedText();
  readonly collapsed = new CappedText();
  /** What the last append or end added, for searches that look only at what is new. */
  lastPlain = "";
  lastCollapsed = "";
  private carry = "";

  append(chunk: string): void {
    this.lastPlain = this.lastCollapsed = "";
    this.raw.append(chunk);
    const data = this.carry + chunk;
    const cut = data.length - incompleteTailLength(data);
    this.carry = data.slice(cut);
    this.addPlain(data.slice(0, cut));
  }

  end(): void {
    this.lastPlain = this.lastCollapsed = "";
    this.addPlain(this.carry);
    this.carry = "";
  }

  private addPlain(data: string): void {
    if (data === "") return;
    const plain = plainText(data);
    this.text.append(plain);
    let collapsed = collapseWhitespace(plain);
    if (this.collapsed.endsWith(" ") && collapsed.startsWith(" ")) collapsed = collapsed.slice(1);
    this.collapsed.append(collapsed);
    this.lastPlain = plain;
    this.lastCollapsed = collapsed;
  }
}

/** How much of a command's output is kept: its beginning and its latest part (a `--follow` may run for hours). Recordings keep as much of each step. */
export const HEAD_KEPT = 256 * 1024;
export const TAIL_KEPT = 1024 * 1024;

/**
 * A growing text of which the first HEAD_KEPT and the last TAIL_KEPT characters
 * are kept, the middle replaced by a note. Offsets are absolute (as if all were kept).
 */
export class CappedText {
  private head = "";
  private tail = "";
  private total = 0;
  /** The last few characters, kept apart: asking a string built by appends flattens it. */
  private last = "";

  constructor(
    private readonly headMax = HEAD_KEPT,
    private readonly tailMax = TAIL_KEPT,
  ) {}

  get length(): number {
    return this.total;
  }

  private get elided(): number {
    return this.total - this.head.length - this.tail.length;
  }

  append(data: string): void {
    this.total += data.length;
    this.last = (this.last + data.slice(-16)).slice(-16);
    if (this.head.length < this.headMax) {
      const room = this.headMax - this.head.length;
      this.head += data.slice(0, room);
      data = data.slice(room);
    }
    if (data === "") return;
    this.tail += data;
    // Trimmed in halves, so each character is copied a bounded number of times.
    if (this.tail.length > 2 * this.tailMax) this.tail = this.tail.slice(this.tail.length - this.tailMax);
  }

  /** For short suffixes (up to 16 characters). */
  endsWith(s: string): boolean {
    return this.last.endsWith(s);
  }

  toString(): string {
    const elided = this.elided;
    return elided === 0 ? this.head + this.tail : `${this.head}\n[labrun: ${elided} characters of output not kept]\n${this.tail}`;
  }
}

/**
 * Looks for a text in a growing OutputLog: once in all of it, then only in what arrives, with
 * the end of what came before (a match may straddle two chunks). Searching the whole log on
 * every chunk would be quadratic: a string built by appends is flattened by each search.
 */
export class TextSearch {
  private readonly exact: string;
  private readonly loose: string;
  private exactCarry = "";
  private looseCarry = "";

  constructor(text: string) {
    this.exact = text;
    this.loose = collapseWhitespace(text).trim();
  }

  foundInAll(log: OutputLog): boolean {
    return this.check(log.text.toString(), log.collapsed.toString());
  }

  foundInNew(log: OutputLog): boolean {
    return this.check(this.exactCarry + log.lastPlain, this.looseCarry + log.lastCollapsed);
  }

  private check(text: string, collapsed: string): boolean {
    const found = this.exact === "" || text.includes(this.exact) || (this.loose !== "" && collapsed.includes(this.loose));
    this.exactCarry = text.slice(Math.max(0, text.length - this.exact.length + 1));
    this.looseCarry = collapsed.slice(Math.max(0, collapsed.length - this.loose.length + 1));
    return found;
  }
}

function plainText(raw: string): string {
  return stripVTControlCharacters(raw).replace(/\r\n/g, "\n");
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ");
}

const INCOMPLETE_ESCAPE = /^\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*|\][^\x07\x1b]*\x1b?|[\x20-\x2f]*)$/;

/** Length of an escape sequence, or a `\r` maybe followed by `\n`, cut off at the end of `data`. */
export function incompleteTailLength(data: string): number {
  if (data.endsWith("\r")) return 1;
  const escape = data.lastIndexOf("\x1b");
  if (escape < 0 || data.length - escape > 4096) return 0;
  return INCOMPLETE_ESCAPE.test(data.slice(escape)) ? data.length - escape : 0;
}
