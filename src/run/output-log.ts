import { stripVTControlCharacters } from "node:util";

/**
 * A command's output, kept raw and as plain text (escape sequences stripped, `\r\n` as `\n`; an
 * escape sequence or a `\r\n` split across chunks is carried to the next one). Memory is bounded
 * however much a command prints: see CappedText.
 *
 * The plain text is made when read, not per chunk: a long output goes on without being copied.
 * Once the head is full, a waiting chunk without escape sequences that the chunks after it push
 * out of the kept tail anyway is only counted (each `\r\n` is one character of plain text), never
 * converted. Otherwise what waits is converted once it passes `pendingMax` characters.
 */
export class OutputLog {
  readonly raw: CappedText;
  private readonly plain: CappedText;
  private carry = "";
  /** Chunks not turned into plain text yet, and the end of the output (end()) not handled yet. */
  private pending: string[] = [];
  private pendingLength = 0;
  /** For each chunk waiting: at least how many characters of plain text it makes (0 if it has escapes), and in all. */
  private pendingPlain: number[] = [];
  private pendingPlainMin = 0;
  /** The carry after the last chunk appended, had it been converted. */
  private appendCarry = "";
  private ended = false;
  /** The plain text added by the last conversion. */
  private added = "";

  constructor(
    headMax = HEAD_KEPT,
    private readonly tailMax = TAIL_KEPT,
    private readonly pendingMax = 2 * TAIL_KEPT,
  ) {
    this.raw = new CappedText(headMax, tailMax);
    this.plain = new CappedText(headMax, tailMax);
  }

  /** The plain text. */
  get text(): CappedText {
    this.convert();
    return this.plain;
  }

  /** What the appends (and end) since the last look at the text added to it, for searches that look only at what is new. */
  get lastPlain(): string {
    this.convert();
    return this.added;
  }

  append(chunk: string): void {
    if (chunk === "") return;
    this.raw.append(chunk);
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    // What a conversion would carry over after it: a chunk converted after one that left an escape open may make no text.
    const clean = this.appendCarry === "" || this.appendCarry === "\r";
    this.appendCarry = carryAfter(this.appendCarry, chunk);
    if (this.plain.headFull) {
      const plainMin = clean && !hasEscape(chunk) ? chunk.length - countCrlf(chunk) - 1 : 0;
      this.pendingPlain.push(plainMin);
      this.pendingPlainMin += plainMin;
      this.skipHidden();
    } else {
      this.pendingPlain.push(0);
    }
    if (this.pendingLength > this.pendingMax) this.convert();
  }

  end(): void {
    this.ended = true;
  }

  private convert(): void {
    if (this.pending.length === 0 && !this.ended) return;
    const data = this.pending.length === 1 ? this.pending[0]! : this.pending.join("");
    this.pending = [];
    this.pendingLength = 0;
    this.pendingPlain = [];
    this.pendingPlainMin = 0;
    let plain = data === "" ? "" : this.plainOf(data);
    if (this.ended) {
      plain += plainText(this.carry);
      this.carry = "";
      this.ended = false;
    }
    this.appendCarry = this.carry;
    this.plain.append(plain);
    this.added = plain;
  }

  /** The plain text of `data`, what a previous chunk left unfinished before it, what it leaves unfinished carried. */
  private plainOf(chunk: string): string {
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
      return before + plainText(data).slice(0, -1);
    }
    this.carry = cut === 0 ? "" : data.slice(data.length - cut);
    return before + plainText(cut === 0 ? data : data.slice(0, data.length - cut));
  }

  /**
   * Counts the oldest chunks waiting, without converting them, while those after them make
   * more than the kept tail: each without escape sequences, after a chunk that left none open.
   */
  private skipHidden(): void {
    let skipped = 0;
    let dropped = 0;
    while (dropped < this.pending.length - 1 && (this.carry === "" || this.carry === "\r")) {
      const chunk = this.pending[dropped]!;
      const plainMin = this.pendingPlain[dropped]!;
      if (hasEscape(chunk) || this.pendingPlainMin - plainMin <= this.tailMax) break;
      // A `\r` carried is a character unless the chunk starts with the `\n` that makes it a line break; one it ends with is carried.
      skipped += (this.carry === "\r" && !chunk.startsWith("\n") ? 1 : 0) + plainMin + (chunk.endsWith("\r") ? 0 : 1);
      this.carry = chunk.endsWith("\r") ? "\r" : "";
      this.pendingPlainMin -= plainMin;
      this.pendingLength -= chunk.length;
      dropped++;
    }
    if (dropped === 0) return;
    this.plain.skip(skipped);
    this.pending.splice(0, dropped);
    this.pendingPlain.splice(0, dropped);
  }
}

/** What plainOf() carries over after `chunk`, having carried `carry` before it (it has escapes: what it leaves unfinished). */
function carryAfter(carry: string, chunk: string): string {
  if (!hasEscape(chunk) && (carry === "" || carry === "\r")) return chunk.endsWith("\r") ? "\r" : "";
  const data = carry === "\r" ? chunk : carry + chunk;
  const cut = incompleteTailLength(data);
  return cut === 0 ? "" : data.slice(data.length - cut);
}

function hasEscape(text: string): boolean {
  return text.includes("\x1b") || text.includes("\x9b");
}

/** How many `\r\n` the text holds. */
function countCrlf(data: string): number {
  let count = 0;
  for (let at = data.indexOf("\r"); at >= 0; at = data.indexOf("\r", at + 1)) {
    if (data.charCodeAt(at + 1) === 10) count++;
  }
  return count;
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

  /** The head is full: what is appended now goes to the tail. */
  get headFull(): boolean {
    return this.head.length >= this.headMax;
  }

  /**
   * Counts `count` characters in, not kept: only valid with the head full, and when at least
   * the tail's size is appended next (which pushes out of it whatever it holds now).
   */
  skip(count: number): void {
    if (!this.headFull) throw new Error("CappedText.skip before its head is full");
    this.total += count;
    this.ringEnd = 0;
    this.ringFilled = 0;
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
