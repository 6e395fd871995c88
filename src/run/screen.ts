import xterm from "@xterm/headless";

const { Terminal } = xterm;
type HeadlessTerminal = InstanceType<typeof Terminal>;

/** A session's screen: a headless xterm fed with everything the terminal shows. It parses writes asynchronously. */
export class Screen {
  private readonly term: HeadlessTerminal;
  private unparsedWrites = 0;
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
  }

  get cols(): number {
    return this.term.cols;
  }

  /** A full-screen program (vim, less, top) uses the alternate screen buffer. */
  get alternate(): boolean {
    return !this.disposed && this.term.buffer.active.type === "alternate";
  }

  write(chunk: string): void {
    if (this.disposed) return;
    this.unparsedWrites++;
    // xterm parses a write on a later tick, unless it follows user input: claiming some
    // (an empty one) makes it parse now, so text() is current without waiting a tick.
    this.term.input("", true);
    this.term.write(chunk, () => this.unparsedWrites--);
  }

  /** Resolves once everything written so far is parsed. */
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
  rows(): { readonly text: readonly string[]; readonly wrapped: readonly boolean[] } {
    if (this.disposed) return this.lastRows;
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
    const buffer = this.term.buffer.active;
    const text = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(false, 0, buffer.cursorX) ?? "";
    return { text, column: buffer.cursorX };
  }

  resize(cols: number, rows: number): void {
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
