/**
 * Where everything goes on a terminal of a given size. One line is left unused at the bottom: a
 * frame as tall as the terminal would make ink clear and redraw the whole screen on each update.
 *
 *   header            deck, chapter n/N, elapsed
 *   progress          bar, step n/N, slide n/N
 *   slide title
 *   slide text        (slideText lines)
 *   step list         (stepList lines)
 *   output rule
 *   output | expected (output.height lines; the expectation column only when the slide has one)
 *   status line
 *   footer            (footer lines)
 */
export interface Layout {
  readonly cols: number;
  /** Rows the frame uses. */
  readonly rows: number;
  readonly tooSmall: boolean;
  readonly slideText: number;
  readonly stepList: number;
  /** The output pane: the size the shell's terminal gets. */
  readonly output: { readonly width: number; readonly height: number };
  /** Width of the expectation column beside the output (0: none). */
  readonly side: number;
  readonly footer: number;
}

export const MIN_COLS = 40;
export const MIN_ROWS = 14;

export interface LayoutOptions {
  /** Take-over: the output gets every line the slide and step list had. */
  readonly takeover: boolean;
  /** The current slide has an expectation to show beside the output. */
  readonly expectations: boolean;
  readonly footerLines: number;
}

export function computeLayout(cols: number, termRows: number, options: LayoutOptions): Layout {
  const rows = Math.max(1, termRows - 1);
  const footer = Math.max(1, Math.min(2, options.footerLines));
  const tooSmall = cols < MIN_COLS || termRows < MIN_ROWS;
  const side = options.expectations && !options.takeover ? Math.max(20, Math.floor(cols * (cols >= 120 ? 0.35 : 0.4))) : 0;
  const outputWidth = Math.max(10, side > 0 ? cols - side - 1 : cols);
  // header, progress, output rule, status line, footer
  const fixed = 4 + footer;
  if (options.takeover) {
    return { cols, rows, tooSmall, slideText: 0, stepList: 0, output: { width: outputWidth, height: Math.max(3, rows - fixed) }, side: 0, footer };
  }
  const body = Math.max(6, rows - fixed - 1);
  const stepList = Math.max(2, Math.floor(body * 0.25));
  const output = Math.max(3, Math.floor(body * 0.45));
  const slideText = Math.max(1, body - stepList - output);
  return { cols, rows, tooSmall, slideText, stepList, output: { width: outputWidth, height: output }, side, footer };
}
