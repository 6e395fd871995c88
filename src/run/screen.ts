import xterm from "@xterm/headless";

const { Terminal } = xterm;
type HeadlessTerminal = InstanceType<typeof Terminal>;

/** A session's screen: a headless xterm fed with everything the terminal shows. It parses writes asynchronously. */
export class Screen {
  private readonly term: HeadlessTerminal;
  private unparsedWrites = 0;
  private readonly settleWaiters = new Set<() => void>();
  private disposed = false;
  /** The text when disposed, for reports written afterwards. */
  private lastText = "";

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
    if (this.disposed) return this.lastText;
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < this.term.rows; row++) {
      lines.push(buffer.getLine(buffer.baseY + row)?.translateToString(true).trimEnd() ?? "");
    }
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return lines.join("\n");
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
    this.lastText = this.text();
    this.disposed = true;
    this.term.dispose();
    for (const resolve of this.settleWaiters) resolve();
  }
}
