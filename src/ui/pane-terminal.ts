/**
 * The output pane's terminal: a headless xterm fed with the session's raw (masked) output, so that
 * colours, carriage returns, clears and full-screen programs (vim) look as they would in a real
 * terminal. Its scrollback is bounded: memory stays flat however much a command prints.
 */
import xterm from "@xterm/headless";
import type { IBufferCell, IBufferLine } from "@xterm/headless";

const { Terminal } = xterm;
type HeadlessTerminal = InstanceType<typeof Terminal>;

export const SCROLLBACK_LINES = 2000;

export interface PaneView {
  /** One string per row, with SGR escapes unless colour is off. */
  readonly lines: readonly string[];
  /** How far back the view can scroll. */
  readonly maxScroll: number;
}

export interface ViewOptions {
  readonly color: boolean;
  /** The live screen (take-over): the terminal's rows as they are, with the cursor. */
  readonly live: boolean;
}

/** Masks screen rows, `wrapped[i]` when row i continues row i-1 (the run's masked view, `--mask`). */
export type RowMasker = (rows: readonly string[], wrapped: readonly boolean[]) => readonly string[];

export class PaneTerminal {
  private readonly term: HeadlessTerminal;
  private readonly listeners = new Set<() => void>();
  private disposed = false;

  /**
   * `maskRows`: the output is masked already, but the screen can put a secret together from
   * pieces the stream never held in one piece (cursor moves, line editing in a take-over): the
   * rows shown are masked again, wrapped rows joined; a row that changes loses its colours.
   */
  constructor(cols: number, rows: number, scrollback = SCROLLBACK_LINES, private readonly maskRows?: RowMasker) {
    this.term = new Terminal({ cols: Math.max(2, cols), rows: Math.max(1, rows), scrollback, allowProposedApi: true });
  }

  write(chunk: string): void {
    if (this.disposed) return;
    // xterm parses on a later tick: listeners hear about it once the chunk is on the screen.
    this.term.write(chunk, () => this.changed());
  }

  resize(cols: number, rows: number): void {
    if (this.disposed || (cols === this.term.cols && rows === this.term.rows)) return;
    this.term.resize(Math.max(2, cols), Math.max(1, rows));
    this.changed();
  }

  /** Calls `listener` after each change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once everything written so far is on the screen (tests). */
  flushed(): Promise<void> {
    return new Promise((resolve) => (this.disposed ? resolve() : this.term.write("", resolve)));
  }

  /**
   * `height` rows ending `scroll` lines above the cursor's line. A full-screen program (the
   * alternate screen) or a take-over shows the screen itself.
   */
  view(height: number, scroll: number, options: ViewOptions): PaneView {
    if (this.disposed) return { lines: [], maxScroll: 0 };
    const buffer = this.term.buffer.active;
    const cursorRow = buffer.baseY + buffer.cursorY;
    if (options.live || buffer.type === "alternate") {
      const rows = Array.from({ length: Math.min(height, this.term.rows) }, (_, y) => buffer.viewportY + y);
      const lines = rows.map((row) => this.render(buffer.getLine(row), options.color, options.live && row === cursorRow ? buffer.cursorX : undefined));
      return { lines: this.masked(rows, lines), maxScroll: 0 };
    }
    // The lines up to the cursor (the prompt); blank rows below it are not output.
    const bottom = Math.max(cursorRow, lastNonBlank(buffer, cursorRow));
    const maxScroll = Math.max(0, bottom + 1 - height);
    const end = bottom - Math.min(scroll, maxScroll);
    const rows: number[] = [];
    for (let row = Math.max(0, end - height + 1); row <= end; row++) rows.push(row);
    return { lines: this.masked(rows, rows.map((row) => this.render(buffer.getLine(row), options.color, undefined))), maxScroll };
  }

  /** The rendered `lines` of buffer `rows`, those whose line (wrapped rows joined) holds a secret masked. */
  private masked(rows: readonly number[], lines: readonly string[]): readonly string[] {
    if (!this.maskRows || rows.length === 0) return lines;
    const buffer = this.term.buffer.active;
    const out = [...lines];
    const shownAt = new Map(rows.map((row, i) => [row, i]));
    for (let i = 0; i < rows.length; ) {
      let first = rows[i]!;
      while (first > 0 && buffer.getLine(first)?.isWrapped) first--;
      let last = rows[i]!;
      while (buffer.getLine(last + 1)?.isWrapped) last++;
      const group = Array.from({ length: last - first + 1 }, (_, k) => first + k);
      const text = group.map((row) => buffer.getLine(row)?.translateToString(row === last) ?? "");
      const masked = this.maskRows(text, group.map((row) => row !== first));
      group.forEach((row, k) => {
        const at = shownAt.get(row);
        if (at !== undefined && masked[k] !== text[k]) out[at] = masked[k]!.trimEnd();
      });
      while (i < rows.length && rows[i]! <= last) i++;
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.listeners.clear();
    this.term.dispose();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private render(line: IBufferLine | undefined, color: boolean, cursorX: number | undefined): string {
    if (!line) return "";
    const cell = this.term.buffer.active.getNullCell();
    let out = "";
    let sgr = "";
    let end = line.length;
    // Trailing blanks with no background are not part of the line.
    while (end > 0 && end - 1 !== cursorX) {
      const c = line.getCell(end - 1, cell);
      if (!c || (c.getChars() !== "" && c.getChars() !== " ") || !c.isBgDefault() || c.isInverse()) break;
      end--;
    }
    for (let x = 0; x < end; x++) {
      const c = line.getCell(x, cell);
      if (!c || c.getWidth() === 0) continue;
      const atCursor = x === cursorX;
      const want = color ? sgrOf(c, atCursor) : atCursor ? "7" : "";
      if (want !== sgr) {
        out += `\x1b[0${want ? ";" + want : ""}m`;
        sgr = want;
      }
      out += c.getChars() || " ";
    }
    if (cursorX !== undefined && cursorX >= end) {
      out += " ".repeat(Math.max(0, cursorX - end));
      out += "\x1b[0;7m \x1b[0m";
      sgr = "";
    }
    if (sgr) out += "\x1b[0m";
    return out;
  }
}

function lastNonBlank(buffer: { getLine(y: number): IBufferLine | undefined; length: number }, from: number): number {
  for (let y = buffer.length - 1; y > from; y--) {
    if (buffer.getLine(y)?.translateToString(true).trim()) return y;
  }
  return from;
}

/** The SGR parameters of a cell (without the leading reset). */
function sgrOf(cell: IBufferCell, inverseCursor: boolean): string {
  const params: string[] = [];
  if (cell.isBold()) params.push("1");
  if (cell.isDim()) params.push("2");
  if (cell.isItalic()) params.push("3");
  if (cell.isUnderline()) params.push("4");
  if (cell.isInverse() !== 0 ? !inverseCursor : inverseCursor) params.push("7");
  if (cell.isFgPalette()) params.push(paletteParam(38, cell.getFgColor()));
  else if (cell.isFgRGB()) params.push(rgbParam(38, cell.getFgColor()));
  if (cell.isBgPalette()) params.push(paletteParam(48, cell.getBgColor()));
  else if (cell.isBgRGB()) params.push(rgbParam(48, cell.getBgColor()));
  return params.join(";");
}

function paletteParam(base: 38 | 48, n: number): string {
  if (n < 8) return String(base - 8 + n);
  if (n < 16) return String(base + 52 + n - 8);
  return `${base};5;${n}`;
}

function rgbParam(base: 38 | 48, rgb: number): string {
  return `${base};2;${(rgb >> 16) & 255};${(rgb >> 8) & 255};${rgb & 255}`;
}
