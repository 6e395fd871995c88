/**
 * remark.js splits slides at the line level, before any Markdown is parsed: `---` alone on a line
 * separates slides, `--` is an incremental reveal, `???` starts speaker notes, and `key: value`
 * lines at the top are slide properties. Fenced code is opaque to all of these. Lines that are not
 * slide content (separators, properties, notes) are blanked, not removed, so Markdown positions
 * stay the file's own.
 */
export interface SlideProperties {
  readonly classes: readonly string[];
  readonly name?: string;
  readonly layout: boolean;
  readonly template?: string;
}

export interface RawSlide {
  /** 1-based line of the slide's first line in the file. */
  readonly startLine: number;
  /** The slide's content lines; separators, properties and notes replaced by empty lines. */
  readonly lines: readonly string[];
  readonly properties: SlideProperties;
  /** Lines (1-based, in the file) where a `--` reveal starts a new part of the slide. */
  readonly reveals: readonly number[];
  /**
   * Fences and HTML comments opened on this slide and never closed on it: they end at the slide's
   * end (remark.js splits slides on `---` lines before any Markdown), and the deck is broken.
   */
  readonly unclosed: readonly Unclosed[];
}

export interface Unclosed {
  readonly kind: "fence" | "comment";
  /** 1-based line and column in the file of the opening ``` or `<!--`. */
  readonly line: number;
  readonly column: number;
}

const PROPERTY = /^(class|name|layout|template|background-image|count|exclude|seq):(.*)\s*$/;

/**
 * The opening fence of a line, if it opens one (``` or ~~~, any indentation: list items nest; after
 * a list item's marker or a quote's `>` too, as in `- ```bash`, where the item starts with the block).
 */
export function fenceOpening(line: string): { char: string; length: number } | undefined {
  const m = /^\s*(?:(?:[-*+]|\d{1,9}[.)])\s+|>\s?)*(`{3,}|~{3,})/.exec(line);
  if (!m) return undefined;
  const fence = m[1]!;
  // A backtick fence's info string may not contain a backtick; `` ```wait x``` `` on one line is not a fence.
  if (fence[0] === "`" && line.slice(m[0].length).includes("`")) return undefined;
  return { char: fence[0]!, length: fence.length };
}

function opensWithInfo(line: string, fence: { char: string; length: number }): boolean {
  const open = fenceOpening(line);
  return open !== undefined && open.char === fence.char && open.length >= fence.length && /\S/.test(line.trim().slice(open.length));
}

export function closesFence(line: string, open: { char: string; length: number }): boolean {
  // Inside a quote, the closing fence has the quote's `>` before it.
  const t = line.replace(/^\s*(?:>\s?)+/, "").trim();
  return t.length >= open.length && t.split("").every((c) => c === open.char);
}

/** True when the line leaves an HTML comment open. */
export function opensComment(line: string): boolean {
  const open = line.lastIndexOf("<!--");
  return open >= 0 && line.indexOf("-->", open + 4) < 0;
}

export function splitSlides(text: string): RawSlide[] {
  const lines = text.split(/\r?\n|\r/);
  const slides: RawSlide[] = [];
  let current: string[] = [];
  let start = 1;
  let reveals: number[] = [];
  let fence: { char: string; length: number } | undefined;
  let inComment = false;
  let inNotes = false;
  let opened: Unclosed | undefined;
  let unclosed: Unclosed[] = [];

  const finish = () => {
    if (fence || inComment) unclosed.push(opened!);
    fence = undefined;
    inComment = false;
    slides.push(makeSlide(start, current, reveals, unclosed));
  };
  // A `---` line inside a fence or comment still separates slides when the fence or comment never
  // closes: when no closing line follows before the end, or before what shows the author forgot
  // it (a fence opened with an info string that could not be its content's, `<!--` of another
  // comment). A YAML document separator in a fenced block is followed by its closing fence. The
  // line that closes is remembered, so many `---` lines in one fence are looked past once.
  let closesAt = -1;
  const closesLater = (from: number): boolean => {
    if (closesAt > from) return true;
    for (let j = from + 1; j < lines.length; j++) {
      const l = lines[j]!;
      // A line that starts another comment before any `-->` (`<!-- x -->` included) was written
      // as a comment of its own: the open one was forgotten.
      const reopens = !fence && l.includes("<!--") && (l.indexOf("-->") < 0 || l.indexOf("<!--") < l.indexOf("-->"));
      if (fence ? opensWithInfo(l, fence) : reopens) return false;
      if (fence ? closesFence(l, fence) : l.includes("-->")) {
        closesAt = j;
        return true;
      }
    }
    return false;
  };

  lines.forEach((line, i) => {
    const lineNo = i + 1;
    if ((fence || inComment) && line.trimEnd() === "---" && !closesLater(i)) {
      // Falls through to the separator below, which ends the slide and what it left open.
    } else if (fence) {
      if (closesFence(line, fence)) fence = undefined;
      current.push(inNotes ? "" : line);
      return;
    } else if (inComment) {
      // Inside an HTML comment nothing is a fence (directives such as ``` -->  would look like one).
      inComment = !line.includes("-->");
      current.push(inNotes ? "" : line);
      return;
    }
    const trimmed = line.trimEnd();
    if (trimmed === "---") {
      finish();
      current = [];
      reveals = [];
      unclosed = [];
      inNotes = false;
      start = lineNo + 1;
      return;
    }
    if (inNotes) {
      current.push("");
      return;
    }
    if (trimmed === "--") {
      reveals.push(lineNo);
      current.push("");
      return;
    }
    if (trimmed === "???") {
      inNotes = true;
      current.push("");
      return;
    }
    inComment = opensComment(line);
    if (!inComment) fence = fenceOpening(line);
    if (inComment) opened = { kind: "comment", line: lineNo, column: line.lastIndexOf("<!--") + 1 };
    else if (fence) opened = { kind: "fence", line: lineNo, column: line.search(/\S/) + 1 };
    current.push(line);
  });
  finish();
  return slides;
}

function makeSlide(startLine: number, lines: string[], reveals: number[], unclosed: Unclosed[]): RawSlide {
  const classes: string[] = [];
  let name: string | undefined;
  let template: string | undefined;
  let layout = false;
  // Properties come first; blank lines before and between them are common (remark.js skips them:
  // `name: part-1`, blank line, `class: title` in the courses' manifests).
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.trim()) continue;
    const m = PROPERTY.exec(lines[i]!);
    if (!m) break;
    const key = m[1];
    const value = m[2]!.trim();
    if (key === "class") classes.push(...value.split(",").map((c) => c.trim()).filter(Boolean));
    else if (key === "name") name = value;
    else if (key === "template") template = value;
    else if (key === "layout") layout = value === "true";
    lines[i] = "";
  }
  return { startLine, lines, properties: { classes, name, layout, template }, reveals, unclosed };
}
