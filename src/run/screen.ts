import xterm from "@xterm/headless";

const { Terminal } = xterm;
type HeadlessTerminal = InstanceType<typeof Terminal>;

/** Characters a chunk may hold and still be "plain": printable text, `\t`, `\n`, `\r`, `\b` and the bell. */
const PLAIN = /^[^\x00-\x06\x0b\x0c\x0e-\x1f\x7f-\x9f]*$/;
/** How much plain output may wait, unparsed, before what the screen no longer shows of it is dropped. */
const PENDING_MAX = 64 * 1024;

/**
 * A session's screen: a headless xterm fed with everything the terminal shows. It parses writes asynchronously.
 *
 * Plain output (no escape sequence, only text and line breaks: most of a long output) is parsed
 * only when something reads the screen, and only its part that can still be on it: once plain
 * text holds 2 x rows line breaks after a `\r\n`, every visible row was made by what follows that
 * `\r\n`, so what comes before it can be skipped with the same screen as a result, as long as no
 * scroll region or insert mode is set and the main screen is active. A chunk with an escape
 * sequence (a query a program waits for the answer to, a cursor move) is parsed at once.
 */
export class Screen {
  private readonly term: HeadlessTerminal;
  private unparsedWrites = 0;
  private pending: string[] = [];
  private pendingLength = 0;
  /** A scroll region other than the whole screen was set (DECSTBM): skipping plain text would change the screen. */
  private scrollRegion = false;
  private readonly settleWaiters = new Set<() => void>();
  private disposed = false;
  /** The rows when disposed, for reports written afterwards. */
  private lastRows: { readonly text: readonly string[]; readonly wrapped: readonly boolean[] } = { text: [], wrapped: [] };

  /** `onReply`: what the terminal answers to a program's query (cursor position, device attributes). */
  constructor(cols: number, rows: number, onReply: (reply: string) => void) {
    this.term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 1000 });
    this.term.onData((reply) => {
      if (reply !== "") onReply(reply);
    });
    const height = () => this.term.rows;
    // Returning false lets xterm's own handler run too: these only watch.
    this.term.parser.registerCsiHandler({ final: "r" }, (params) => {
      const [top = 0, bottom = 0] = params.map((p) => (typeof p === "number" ? p : (p[0] ?? 0)));
      this.scrollRegion = top > 1 || (bottom !== 0 && bottom < height());
      return false;
    });
    this.term.parser.registerCsiHandler({ intermediates: "!", final: "p" }, () => {
      this.scrollRegion = false;
      return false;
    });
    this.term.parser.registerEscHandler({ final: "c" }, () => {
      this.scrollRegion = false;
      return false;
    });
  }

  get cols(): number {
    return this.term.cols;
  }

  /** A full-screen program (vim, less, top) uses the alternate screen buffer. */
  get alternate(): boolean {
    this.flush();
    return !this.disposed && this.term.buffer.active.type === "alternate";
  }

  write(chunk: string): void {
    if (this.disposed || chunk === "") return;
    if (PLAIN.test(chunk)) {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
      if (this.pendingLength > PENDING_MAX && !this.skipHidden()) this.flush();
      return;
    }
    this.flush();
    this.parse(chunk);
  }

  /** Parses the plain output waiting, what can still be on the screen of it. */
  private flush(): void {
    if (this.pending.length === 0 || this.disposed) return;
    this.skipHidden();
    const text = this.pending.join("");
    this.pending = [];
    this.pendingLength = 0;
    this.parse(text);
  }

  /** Drops the plain output waiting that can no longer be on the screen; false if none could be dropped. */
  private skipHidden(): boolean {
    if (this.scrollRegion || this.term.modes.insertMode || this.term.buffer.active.type === "alternate") return false;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join("");
    let at = text.length;
    for (let breaks = 2 * this.term.rows + 1; breaks > 0 && at > 0; breaks--) at = text.lastIndexOf("\n", at - 1);
    // `at` is the line break before the last 2 x rows ones: cut after it when it is a \r\n.
    if (at <= 0 || text[at - 1] !== "\r") {
      this.pending = [text];
      return false;
    }
    const kept = text.slice(at + 1);
    this.pending = [kept];
    this.pendingLength = kept.length;
    return true;
  }

  private parse(chunk: string): void {
    this.unparsedWrites++;
    // xterm parses a write on a later tick, unless it follows user input: claiming some
    // (an empty one) makes it parse now, so text() is current without waiting a tick.
    this.term.input("", true);
    this.term.write(chunk, () => this.unparsedWrites--);
  }

  /** Resolves once everything written so far is parsed. */
  settled(): Promise<void> {
    this.flush();
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
  rows(): { readonly text: readonly string[]; readonly wrapped: readonly boolean[] } {
    if (this.disposed) return this.lastRows;
    this.flush();
    const buffer = this.term.buffer.active;
    const lines = Array.from({ length: this.term.rows }, (_, row) => buffer.getLine(buffer.baseY + row));
    const wrapped = lines.map((line) => line?.isWrapped ?? false);
    // A row the next one continues keeps its trailing spaces: they are part of the line.
    const text = lines.map((line, row) => (wrapped[row + 1] ? (line?.translateToString(false) ?? "") : (line?.translateToString(true).trimEnd() ?? "")));
    while (text.length > 0 && text[text.length - 1] === "") {
      text.pop();
      wrapped.pop();
    }
    return { text, wrapped };
  }

  /** The cursor's row up to the cursor, spaces kept (a prompt ends with one), and the cursor's column. */
  beforeCursor(): { readonly text: string; readonly column: number } {
    if (this.disposed) return { text: "", column: 0 };
    this.flush();
    const buffer = this.term.buffer.active;
    const text = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(false, 0, buffer.cursorX) ?? "";
    return { text, column: buffer.cursorX };
  }

  resize(cols: number, rows: number): void {
    this.flush();
    if (!this.disposed) this.term.resize(cols, rows);
  }

  dispose(): void {
    if (this.disposed) return;
    this.lastRows = this.rows();
    this.disposed = true;
    this.term.dispose();
    for (const resolve of this.settleWaiters) resolve();
  }
}
