/**
 * Terminal output as HTML, colours kept. The raw output of a step is full of what a terminal
 * does rather than shows (carriage returns, cursor moves, line editing, progress bars redrawn in
 * place, title and mode sequences): a headless xterm plays it, and its buffer, cell by cell, is
 * what is written out, as spans with classes for the 16 colours and inline colours for the rest.
 */
import xterm from "@xterm/headless";
import { Masker, MASK } from "../../run/masker.js";
import { escapeHtml } from "./escape.js";

const { Terminal } = xterm;
type HeadlessTerminal = InstanceType<typeof Terminal>;
type Cell = NonNullable<ReturnType<NonNullable<ReturnType<HeadlessTerminal["buffer"]["active"]["getLine"]>>["getCell"]>>;

export interface AnsiHtmlOptions {
  readonly cols: number;
  readonly rows: number;
  /** Lines kept above the screen; beyond, the first lines are left out, with a note. */
  readonly scrollback?: number;
  /**
   * Secrets (--mask) masked in what the terminal shows, as well as in the raw output: a secret
   * the terminal puts together (`sXcret`, then `\r` and `se`; backspaces) is on no raw line.
   */
  readonly mask?: readonly string[];
}

const DEFAULT_SCROLLBACK = 5000;

/**
 * Renders outputs one after the other in one headless terminal, reset between them (a terminal
 * costs more to make than the output most steps print). Dispose of it when done.
 */
export class AnsiHtml {
  private readonly term: HeadlessTerminal;
  private readonly scrollback: number;
  private readonly masker: Masker;
  /** Whether a secret was masked on a rendered screen (the raw output did not hold it as such). */
  maskedOnScreen = false;

  constructor(private readonly options: AnsiHtmlOptions) {
    this.scrollback = options.scrollback ?? DEFAULT_SCROLLBACK;
    this.masker = new Masker(options.mask ?? []);
    this.term = new Terminal({ cols: options.cols, rows: options.rows, scrollback: this.scrollback, allowProposedApi: true });
  }

  /** The HTML (inside a `<pre>`) of what a fresh terminal shows after `raw` is written to it. */
  async render(raw: string): Promise<string> {
    if (raw === "") return "";
    const term = this.term;
    term.reset();
    // xterm parses a write on a later tick unless it follows input: claiming some makes it parse at once.
    term.input("", true);
    await new Promise<void>((resolve) => term.write(raw, resolve));
    const buffer = term.buffer.active;
    // A line and the rows it wraps onto, as cells.
    const rows: Cells[][] = [];
    const cell = buffer.getNullCell();
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y);
      if (!line) continue;
      // Blank rows (most of a screen below a short output) are not read cell by cell.
      const cells = line.translateToString(true) === "" ? BLANK : lineCells(line, cell);
      if (line.isWrapped && rows.length > 0) rows[rows.length - 1]!.push(cells);
      else rows.push([cells]);
    }
    if (this.masker.active) for (const line of rows) if (maskCells(this.masker, line)) this.maskedOnScreen = true;
    const lines = rows.map((line) => line.map(cellsHtml).join(""));
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    // A full scrollback means lines fell off its top.
    const lost = buffer.length >= this.scrollback + this.options.rows ? `<span class="note">[earlier lines left out]</span>\n` : "";
    return lost + lines.join("\n");
  }

  dispose(): void {
    this.term.dispose();
  }
}

/** One output's HTML, in a terminal of its own. */
export async function ansiToHtml(raw: string, options: AnsiHtmlOptions): Promise<string> {
  const renderer = new AnsiHtml(options);
  try {
    return await renderer.render(raw);
  } finally {
    renderer.dispose();
  }
}

interface Run {
  style: string;
  text: string;
}

type BufferLine = NonNullable<ReturnType<HeadlessTerminal["buffer"]["active"]["getLine"]>>;

/** A row's cells (wide characters' second halves left out): their text and style, and how many of them show (trailing blanks do not). */
interface Cells {
  readonly chars: string[];
  readonly styles: string[];
  shown: number;
}

const BLANK: Cells = { chars: [], styles: [], shown: 0 };

function lineCells(line: BufferLine, cell: Cell): Cells {
  const cells: Cells = { chars: [], styles: [], shown: 0 };
  for (let x = 0; x < line.length; x++) {
    line.getCell(x, cell);
    // The second half of a wide character holds nothing of its own.
    if (cell.getWidth() === 0) continue;
    const chars = cell.getChars() || " ";
    cells.chars.push(chars);
    cells.styles.push(cellStyle(cell));
    // Trailing blanks are trimmed, unless a background colour makes them show.
    if (chars.trim() !== "" || !cell.isBgDefault() || cell.isInverse()) cells.shown = cells.chars.length;
  }
  return cells;
}

/** Masks the secrets a line shows (across the rows it wraps onto): a secret's first cell shows MASK, its others nothing. True when it masked one. */
function maskCells(masker: Masker, line: readonly Cells[]): boolean {
  const all = line.flatMap((row) => row.chars.slice(0, row.shown).map((_, i) => ({ row, i })));
  const text = all.map(({ row, i }) => row.chars[i]).join("");
  const ranges = masker.ranges(text);
  if (ranges.length === 0) return false;
  // Text offsets to cells: a cell may hold more than one UTF-16 unit.
  const cellAt: number[] = [];
  all.forEach(({ row, i }, k) => {
    for (let u = 0; u < row.chars[i]!.length; u++) cellAt.push(k);
  });
  for (const [start, end] of ranges) {
    for (let k = cellAt[start]!; k <= cellAt[end - 1]!; k++) all[k]!.row.chars[all[k]!.i] = k === cellAt[start] ? MASK : "";
  }
  return true;
}

function cellsHtml(cells: Cells): string {
  const runs: Run[] = [];
  let visibleEnd = 0;
  let length = 0;
  cells.chars.forEach((chars, i) => {
    const style = cells.styles[i]!;
    const last = runs[runs.length - 1];
    if (last && last.style === style) last.text += chars;
    else runs.push({ style, text: chars });
    length += chars.length;
    if (i < cells.shown) visibleEnd = length;
  });
  let left = visibleEnd;
  let html = "";
  for (const run of runs) {
    if (left <= 0) break;
    const text = run.text.slice(0, left);
    left -= run.text.length;
    html += run.style === "" ? escapeHtml(text) : `<span ${run.style}>${escapeHtml(text)}</span>`;
  }
  return html;
}

/** The span's attributes for a cell (`class="..." style="..."`), "" for plain text. */
function cellStyle(cell: Cell): string {
  const classes: string[] = [];
  const styles: string[] = [];
  let fg = colour(cell.isFgDefault(), cell.isFgPalette(), cell.isFgRGB(), cell.getFgColor());
  let bg = colour(cell.isBgDefault(), cell.isBgPalette(), cell.isBgRGB(), cell.getBgColor());
  if (cell.isInverse()) [fg, bg] = [bg ?? { css: "var(--lr-term-bg)" }, fg ?? { css: "var(--lr-term-fg)" }];
  if (fg?.index !== undefined) classes.push(`f${fg.index}`);
  else if (fg) styles.push(`color:${fg.css}`);
  if (bg?.index !== undefined) classes.push(`b${bg.index}`);
  else if (bg) styles.push(`background:${bg.css}`);
  if (cell.isBold()) classes.push("bo");
  if (cell.isDim()) classes.push("dim");
  if (cell.isItalic()) classes.push("it");
  if (cell.isUnderline()) classes.push("ul");
  if (cell.isStrikethrough()) classes.push("st");
  if (cell.isInvisible()) classes.push("hid");
  const attrs: string[] = [];
  if (classes.length) attrs.push(`class="${classes.join(" ")}"`);
  if (styles.length) attrs.push(`style="${styles.join(";")}"`);
  return attrs.join(" ");
}

interface Colour {
  /** One of the 16 named colours: styled by the page's palette. */
  readonly index?: number;
  readonly css?: string;
}

function colour(isDefault: boolean, isPalette: boolean, isRgb: boolean, value: number): Colour | undefined {
  if (isDefault) return undefined;
  if (isRgb) return { css: hex(value) };
  if (isPalette) return value < 16 ? { index: value } : { css: xterm256(value) };
  return undefined;
}

function hex(rgb: number): string {
  return `#${rgb.toString(16).padStart(6, "0")}`;
}

/** Colours 16 to 255 of the xterm palette: a 6x6x6 cube, then 24 greys. */
function xterm256(index: number): string {
  if (index >= 232) {
    const level = 8 + (index - 232) * 10;
    return hex(level * 0x10101);
  }
  const i = index - 16;
  const step = (n: number): number => (n === 0 ? 0 : 55 + n * 40);
  return hex((step(Math.floor(i / 36)) << 16) | (step(Math.floor(i / 6) % 6) << 8) | step(i % 6));
}
