import { createRequire } from "node:module";
import type xtermModule from "@xterm/headless";

type HeadlessTerminal = InstanceType<(typeof xtermModule)["Terminal"]>;
type Rows = { readonly text: readonly string[]; readonly wrapped: readonly boolean[] };

let Terminal: (typeof xtermModule)["Terminal"] | undefined;

/** Rows kept above the screen. */
const SCROLLBACK = 1000;

/** xterm loads with the first screen that has something to parse: a run whose output is all plain text never loads it. */
function newTerminal(cols: number, rows: number): HeadlessTerminal {
  Terminal ??= (createRequire(import.meta.url)("@xterm/headless") as typeof xtermModule).Terminal;
  return new Terminal({ cols, rows, allowProposedApi: true, scrollback: SCROLLBACK });
}

/** Parses `text` at once (xterm parses a write on a later tick, unless it follows user input: claiming an empty one makes it parse now). */
function writeNow(term: HeadlessTerminal, text: string, parsed?: () => void): void {
  term.input("", true);
  term.write(text, parsed);
}

/** Characters a chunk may hold and still be "plain": printable text, `\t`, `\n`, `\r`, `\b` and the bell. */
const PLAIN = /^[^\x00-\x06\x0b\x0c\x0e-\x1f\x7f-\x9f]*$/;
/** How much plain output may wait, unparsed, before what the screen no longer shows of it is dropped. */
const PENDING_MAX = 64 * 1024;
/**
 * Plain output waiting that holds too few line breaks to skip any (long lines: the buffer's
 * scrollback + 2 x rows lines are more than PENDING_MAX) waits for more, up to this, the next look
 * at it coming when it has doubled (each look joins and scans it).
 */
const PENDING_LONG_LINES_MAX = 4 * 1024 * 1024;

/**
 * A session's screen: a headless xterm fed with everything the terminal shows. It parses writes asynchronously.
 *
 * Plain output (no escape sequence, only text and line breaks: most of a long output) is parsed
 * only when something reads the screen, and only its part that can still be in the terminal: once
 * plain text holds scrollback + 2 x rows line breaks after a `\r\n`, every row of the buffer (the
 * screen and the scrollback above it) was made by what follows that `\r\n`, so what comes before
 * it can be skipped with the same buffer as a result, as long as no scroll region or insert mode is
 * set and the main screen is active. The whole buffer, not only the screen: a saved cursor (`ESC 7`,
 * `ESC[?1049h`) keeps its row counted from the buffer's top, and a resize brings scrollback rows
 * back. A chunk with an escape sequence (a query a program waits for the answer to, a cursor move)
 * is parsed at once.
 */
export class Screen {
  private created: HeadlessTerminal | null = null;
  private width: number;
  private height: number;
  private unparsedWrites = 0;
  private pending: string[] = [];
  private pendingLength = 0;
  /** The length of plain output waiting at which skipHidden is tried next. */
  private nextSkipAt = PENDING_MAX;
  /** A scroll region other than the whole screen was set (DECSTBM): skipping plain text would change the screen. */
  private scrollRegion = false;
  /**
   * The escape sequence the last parsed chunk left unfinished (a chunk boundary cut it): what
   * comes next finishes it and is parsed at once, plain or not.
   */
  private openSequence = "";
  private readonly settleWaiters = new Set<() => void>();
  private disposed = false;
  /** The rows when disposed, for reports written afterwards (worked out when asked, if never parsed). */
  private lastRows: () => Rows = () => ({ text: [], wrapped: [] });

  /** `onReply`: what the terminal answers to a program's query (cursor position, device attributes). */
  constructor(
    cols: number,
    rows: number,
    private readonly onReply: (reply: string) => void,
  ) {
    this.width = cols;
    this.height = rows;
  }

  /** The terminal, made when first needed. */
  private get term(): HeadlessTerminal {
    if (this.created !== null) return this.created;
    const term = newTerminal(this.width, this.height);
    term.onData((reply) => {
      if (reply !== "") this.onReply(reply);
    });
    // Returning false lets xterm's own handler run too: these only watch.
    term.parser.registerCsiHandler({ final: "r" }, (params) => {
      const [top = 0, bottom = 0] = params.map((p) => (typeof p === "number" ? p : (p[0] ?? 0)));
      this.scrollRegion = top > 1 || (bottom !== 0 && bottom < term.rows);
      return false;
    });
    term.parser.registerCsiHandler({ intermediates: "!", final: "p" }, () => {
      this.scrollRegion = false;
      return false;
    });
    term.parser.registerEscHandler({ final: "c" }, () => {
      this.scrollRegion = false;
      return false;
    });
    return (this.created = term);
  }

  get cols(): number {
    return this.width;
  }

  /** A full-screen program (vim, less, top) uses the alternate screen buffer. */
  get alternate(): boolean {
    this.flush();
    return !this.disposed && this.created?.buffer.active.type === "alternate";
  }

  write(chunk: string): void {
    if (this.disposed || chunk === "") return;
    if (this.openSequence === "" && PLAIN.test(chunk)) {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
      if (this.pendingLength > this.nextSkipAt) this.skipOrFlush();
      return;
    }
    this.flush();
    this.parse(chunk);
    this.openSequence = unfinishedSequence(this.openSequence + chunk);
  }

  private skipOrFlush(): void {
    const skipped = this.skipHidden();
    if (skipped === "skipped") this.nextSkipAt = Math.max(PENDING_MAX, 2 * this.pendingLength);
    else if (skipped === "too few lines" && this.pendingLength < PENDING_LONG_LINES_MAX) this.nextSkipAt = 2 * this.pendingLength;
    else this.flush();
  }

  /** Parses the plain output waiting, what can still be on the screen of it. */
  private flush(): void {
    if (this.pending.length === 0 || this.disposed) return;
    this.skipHidden();
    const text = this.pending.join("");
    this.pending = [];
    this.pendingLength = 0;
    this.nextSkipAt = PENDING_MAX;
    this.parse(text);
  }

  /** Drops the plain output waiting that can no longer be in the terminal's buffer; or why none could be dropped. */
  private skipHidden(): "skipped" | "too few lines" | "not here" {
    const term = this.created;
    if (this.scrollRegion || term?.modes.insertMode || term?.buffer.active.type === "alternate") return "not here";
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join("");
    let at = text.length;
    for (let breaks = SCROLLBACK + 2 * this.height + 1; breaks > 0 && at > 0; breaks--) at = text.lastIndexOf("\n", at - 1);
    // `at` is the line break before the last scrollback + 2 x rows ones: cut after it when it is a \r\n.
    if (at <= 0 || text[at - 1] !== "\r") {
      this.pending = [text];
      return at <= 0 ? "too few lines" : "not here";
    }
    const kept = text.slice(at + 1);
    this.pending = [kept];
    this.pendingLength = kept.length;
    return "skipped";
  }

  private parse(chunk: string): void {
    this.unparsedWrites++;
    writeNow(this.term, chunk, () => this.unparsedWrites--);
  }

  /**
   * Resolves once everything written so far is parsed (plain output waiting is parsed by
   * whatever reads the screen, at once: it needs no waiting).
   */
  settled(): Promise<void> {
    if (this.unparsedWrites === 0 || this.disposed) return Promise.resolve();
    return new Promise((resolve) => {
      this.settleWaiters.add(resolve);
      this.term.write("", () => {
        this.settleWaiters.delete(resolve);
        resolve();
      });
    });
  }

  /** The visible screen: one line per row, trailing spaces and blank rows at the bottom trimmed. */
  text(): string {
    return this.rows().text.join("\n");
  }

  /**
   * The visible rows (trailing spaces and blank rows at the bottom trimmed) and, for each, whether
   * it continues the row above (a soft wrap: the line was longer than the terminal is wide).
   */
  rows(): Rows {
    if (this.disposed) return this.lastRows();
    this.flush();
    return this.created === null ? { text: [], wrapped: [] } : rowsOf(this.created);
  }

  /** The cursor's row up to the cursor, spaces kept (a prompt ends with one), and the cursor's column. */
  beforeCursor(): { readonly text: string; readonly column: number } {
    if (this.disposed) return { text: "", column: 0 };
    this.flush();
    if (this.created === null) return { text: "", column: 0 };
    const buffer = this.created.buffer.active;
    const text = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(false, 0, buffer.cursorX) ?? "";
    return { text, column: buffer.cursorX };
  }

  resize(cols: number, rows: number): void {
    this.flush();
    if (this.disposed) return;
    this.width = cols;
    this.height = rows;
    this.created?.resize(cols, rows);
  }

  dispose(): void {
    if (this.disposed) return;
    if (this.created !== null) {
      const last = this.rows();
      this.lastRows = () => last;
      this.created.dispose();
    } else if (this.pending.length > 0) {
      // Never parsed: all it was shown is plain text, what is waiting says what it showed.
      this.skipHidden();
      const [cols, rows, text] = [this.width, this.height, this.pending.join("")];
      let last: Rows | undefined;
      this.lastRows = () => {
        if (last !== undefined) return last;
        const term = newTerminal(cols, rows);
        writeNow(term, text);
        last = rowsOf(term);
        term.dispose();
        return last;
      };
    }
    this.pending = [];
    this.disposed = true;
    for (const resolve of this.settleWaiters) resolve();
  }
}

/** CSI (with its parameters so far) or a lone ESC with intermediates; OSC (a title, a hyperlink) up to its BEL or ST. */
const UNFINISHED_CSI = /^\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*|[\x20-\x2f]*)$/;
const UNFINISHED_STRING = /^\x1b[\]PX^_][^\x07\x1b]*$/;

/** The escape sequence `text` ends inside of, if any (kept short: only its kind matters then). */
function unfinishedSequence(text: string): string {
  const escape = text.lastIndexOf("\x1b");
  if (escape < 0) return "";
  const tail = text.slice(escape);
  if (UNFINISHED_STRING.test(tail)) return tail.slice(0, 2);
  return UNFINISHED_CSI.test(tail) && tail.length <= 64 ? tail : "";
}

/**
 * The visible rows of a terminal (trailing spaces and blank rows at the bottom trimmed) and, for
 * each, whether it continues the row above (a soft wrap).
 */
export function rowsOf(term: HeadlessTerminal): Rows {
  const buffer = term.buffer.active;
  const lines = Array.from({ length: term.rows }, (_, row) => buffer.getLine(buffer.baseY + row));
  const wrapped = lines.map((line) => line?.isWrapped ?? false);
  // A row the next one continues keeps its trailing spaces: they are part of the line.
  const text = lines.map((line, row) => (wrapped[row + 1] ? (line?.translateToString(false) ?? "") : (line?.translateToString(true).trimEnd() ?? "")));
  while (text.length > 0 && text[text.length - 1] === "") {
    text.pop();
    wrapped.pop();
  }
  return { text, wrapped };
}
