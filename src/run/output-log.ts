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
  /** What the last append or end added (plain text), for searches that look only at what is new. */
  lastPlain = "";
  private carry = "";

  append(chunk: string): void {
    this.lastPlain = "";
    this.raw.append(chunk);
    // A `\r` that ended the last chunk: a line break if this one starts with `\n` (which stands for both).
    let before = "";
    let data = chunk;
    if (this.carry === "\r") {
      if (!chunk.startsWith("\n")) before = "\r";
    } else if (this.carry !== "") {
      data = this.carry + chunk;
    }
    this.carry = "";
    const cut = incompleteTailLength(data);
    if (cut === 1 && data.endsWith("\r")) {
      // Most chunks of a long output end inside a `\r\n`: the text is converted whole (a regular
      // expression on a slice of a string costs many times more), the `\r` left out.
      this.carry = "\r";
      this.addPlain(before + plainText(data).slice(0, -1));
    } else {
      this.carry = cut === 0 ? "" : data.slice(data.length - cut);
      this.addPlain(before + plainText(cut === 0 ? data : data.slice(0, data.length - cut)));
    }
  }

  end(): void {
    this.lastPlain = "";
    this.addPlain(plainText(this.carry));
    this.carry = "";
  }

  private addPlain(plain: string): void {
    if (plain === "") return;
    this.text.append(plain);
    this.lastPlain = plain;
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
  /**
   * The latest part: a ring of UTF-16 code units, allocated once the head is full. Kept as strings,
   * a megabyte of them would be copied by the garbage collector over and over (and promoted
   * to the old generation, where it piles up until a full collection): a long output would
   * cost many times its size in memory.
   */
  private ring: Buffer | null = null;
  /** Where the next code unit goes in the ring, and how many it holds. */
  private ringEnd = 0;
  private ringFilled = 0;
  private total = 0;

  constructor(
    private readonly headMax = HEAD_KEPT,
    private readonly tailMax = TAIL_KEPT,
  ) {}

  get length(): number {
    return this.total;
  }

  append(data: string): void {
    if (data === "") return;
    this.total += data.length;
    if (this.head.length < this.headMax) {
      const room = this.headMax - this.head.length;
      this.head += data.length <= room ? data : data.slice(0, room);
      if (data.length <= room) return;
      data = data.slice(room);
    }
    if (this.tailMax === 0) return;
    this.ring ??= Buffer.allocUnsafe(this.tailMax * 2);
    if (data.length >= this.tailMax) data = data.slice(data.length - this.tailMax);
    const first = Math.min(data.length, this.tailMax - this.ringEnd);
    this.ring.write(first === data.length ? data : data.slice(0, first), this.ringEnd * 2, "utf16le");
    if (first < data.length) this.ring.write(data.slice(first), 0, "utf16le");
    this.ringEnd = (this.ringEnd + data.length) % this.tailMax;
    this.ringFilled = Math.min(this.tailMax, this.ringFilled + data.length);
  }

  toString(): string {
    const ring = this.ring;
    let tail = "";
    if (ring !== null && this.ringFilled > 0) {
      tail =
        this.ringFilled < this.tailMax
          ? ring.toString("utf16le", 0, this.ringFilled * 2)
          : ring.toString("utf16le", this.ringEnd * 2, this.tailMax * 2) + ring.toString("utf16le", 0, this.ringEnd * 2);
    }
    const elided = this.total - this.head.length - tail.length;
    return elided === 0 ? this.head + tail : `${this.head}\n[labrun: ${elided} characters of output not kept]\n${tail}`;
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
  /** The end of what was searched so far, whitespace collapsed. */
  private looseCarry = "";

  constructor(text: string) {
    this.exact = text;
    this.loose = collapseWhitespace(text).trim();
  }

  foundInAll(log: OutputLog): boolean {
    const text = log.text.toString();
    return this.check(text, collapseWhitespace(text));
  }

  foundInNew(log: OutputLog): boolean {
    if (log.lastPlain === "") return false;
    // Whitespace collapses across the join too: a run that ended the last piece and starts this one is one space.
    let collapsed = collapseWhitespace(log.lastPlain);
    if (this.looseCarry.endsWith(" ") && collapsed.startsWith(" ")) collapsed = collapsed.slice(1);
    return this.check(this.exactCarry + log.lastPlain, this.looseCarry + collapsed);
  }

  private check(text: string, collapsed: string): boolean {
    const found = this.exact === "" || text.includes(this.exact) || (this.loose !== "" && collapsed.includes(this.loose));
    this.exactCarry = text.slice(Math.max(0, text.length - this.exact.length + 1));
    // At least the last character, so that a run of whitespace is known to continue.
    this.looseCarry = collapsed.slice(Math.max(0, collapsed.length - Math.max(1, this.loose.length - 1)));
    return found;
  }
}

/** Lines longer than this are not tried against a LineSearch's pattern (nor kept waiting for their end). */
const MAX_LINE = 2000;

/** Looks for whole lines that match patterns (see line-shape.ts), one after the other, in the same two ways as TextSearch. */
export class LineSearch {
  /** The line not yet ended. */
  private carry = "";
  /** The line not yet ended is longer than MAX_LINE: the rest of it is passed over. */
  private overlong = false;
  /** How many of the patterns were matched so far. */
  private seen = 0;

  constructor(private readonly patterns: readonly RegExp[]) {}

  foundInAll(log: OutputLog): boolean {
    this.carry = "";
    this.overlong = false;
    this.seen = 0;
    return this.scan(log.text.toString());
  }

  foundInNew(log: OutputLog): boolean {
    return log.lastPlain !== "" && this.scan(log.lastPlain);
  }

  private scan(text: string): boolean {
    const lines = (this.carry + text).split("\n");
    const last = lines.pop()!;
    // The end of a line too long to try, its start passed over already, is not a line of its own.
    const first = this.overlong && lines.length > 0 ? 1 : 0;
    this.overlong = last.length > MAX_LINE || (this.overlong && lines.length === 0);
    this.carry = this.overlong ? "" : last;
    for (let i = first; i < lines.length && this.seen < this.patterns.length; i++) {
      const line = lines[i]!;
      if (line.length <= MAX_LINE && this.patterns[this.seen]!.test(line)) this.seen++;
    }
    if (this.seen >= this.patterns.length) return true;
    // The line being printed counts too, as the last one: a program may wait after it, its line break not yet sent.
    return !this.overlong && this.seen === this.patterns.length - 1 && this.patterns[this.seen]!.test(this.carry);
  }
}

/** Without escape sequences, `\r\n` as `\n`. Most chunks of a long output hold no escape at all. */
function plainText(raw: string): string {
  const stripped = raw.includes("\x1b") || raw.includes("\x9b") ? stripVTControlCharacters(raw) : raw;
  return stripped.includes("\r") ? stripped.replace(/\r\n/g, "\n") : stripped;
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
