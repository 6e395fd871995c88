import { unified } from "unified";
import remarkParse from "remark-parse";
import type { Code, Html, Nodes, Parents, Root, Heading } from "mdast";
import { sourceColumn, sourceLine, type Deck, type DeckFile } from "../deck/load.js";
import type { UnfilledPlaceholder } from "../deck/placeholders.js";
import type { Problem } from "../problem.js";
import type { StepKind } from "../graph/step.js";
import { splitSlides, type RawSlide } from "./slides.js";
import { findMacros, type MacroRange } from "./macros.js";
import { DIRECTIVES, parseDirectives, scanDirectives } from "./directives.js";
import { announcesOutput } from "./expectations.js";

/** A slide as the attendee sees it (hidden directives and notes are not part of `markdown`). */
export interface Slide {
  /** 1-based across the whole deck (excluded and layout slides are not counted). */
  readonly number: number;
  readonly file: string;
  /** Stable key of the slide within its file: its `name:` or its title's slug. */
  readonly key: string;
  readonly line: number;
  readonly title: string;
  readonly chapter: string;
  readonly classes: readonly string[];
  /** The slide's Markdown, with properties, separators and notes blanked. */
  readonly markdown: string;
  readonly exercises: readonly MacroRange[];
}

/** A step before the graph gives it dependencies. */
export interface RawStep {
  readonly id: string;
  readonly kind: StepKind;
  readonly text: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly slide: Slide;
  readonly hidden: boolean;
  readonly lang?: string;
}

/** A fenced block outside any exercise that looks like shell: lint may warn about it. */
export interface LooseBlock {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly lang: string;
  readonly text: string;
}

export interface ParsedDeck {
  readonly deck: Deck;
  readonly slides: readonly Slide[];
  readonly steps: readonly RawStep[];
  readonly problems: readonly Problem[];
  readonly looseBlocks: readonly LooseBlock[];
  /** Exercises with nothing to run, for lint. */
  readonly emptyExercises: readonly { file: string; line: number; column: number; name: string }[];
  /** Placeholders (`@@CHAT@@`...) left unfilled on the deck's slides, for lint. */
  readonly unfilled: readonly (UnfilledPlaceholder & { readonly file: string })[];
}

const markdown = unified().use(remarkParse);
const SHELL_LANGS = new Set(["bash", "sh", "shell", "console", "zsh"]);

export function parseDeck(deck: Deck): ParsedDeck {
  const state = new DeckState(deck);
  for (const file of deck.files) state.parseFile(file);
  return state.result();
}

class DeckState {
  private readonly slides: Slide[] = [];
  private readonly steps: RawStep[] = [];
  private readonly problems: Problem[] = [];
  private readonly looseBlocks: LooseBlock[] = [];
  private readonly emptyExercises: { file: string; line: number; column: number; name: string }[] = [];
  private readonly unfilled: (UnfilledPlaceholder & { readonly file: string })[] = [];
  private chapter = "";
  private readonly exerciseNames: ReadonlySet<string>;
  private readonly exclude: ReadonlySet<string>;

  constructor(private readonly deck: Deck) {
    this.exerciseNames = new Set(deck.config.exerciseMacros);
    this.exclude = new Set(deck.exclude);
  }

  result(): ParsedDeck {
    return {
      deck: this.deck,
      slides: this.slides,
      steps: this.steps,
      problems: this.problems,
      looseBlocks: this.looseBlocks,
      emptyExercises: this.emptyExercises,
      unfilled: this.unfilled,
    };
  }

  parseFile(file: DeckFile) {
    const keys = new Map<string, number>();
    for (const raw of splitSlides(file.text)) {
      if (raw.properties.layout || raw.properties.classes.some((c) => this.exclude.has(c))) continue;
      this.parseSlide(file, raw, keys);
      // Only what the slide shows: notes, properties and separators are blanked in raw.lines.
      for (const p of file.unfilled ?? []) {
        if (raw.lines[p.textLine - raw.startLine]?.includes(p.text)) this.unfilled.push({ ...p, file: file.path });
      }
    }
  }

  private parseSlide(file: DeckFile, raw: RawSlide, keys: Map<string, number>) {
    const text = raw.lines.join("\n");
    const tree = markdown.parse(text) as Root;
    // Positions below are in the file's text until they leave for a step, slide or problem.
    const at = (line: number) => sourceLine(file, line);
    const col = (column: number) => sourceColumn(file, column);
    const place = <T extends { line: number; column: number }>(p: T): T => ({ ...p, line: at(p.line), column: col(p.column) });
    const { macros, problems } = findMacros(raw.lines, raw.startLine, file.path);
    this.problems.push(...problems.map(place));
    const lastLine = raw.startLine + raw.lines.length - 1;
    const exercises = macros.filter((m) => this.exerciseNames.has(m.name));

    const h1 = tree.children.find((n): n is Heading => n.type === "heading" && n.depth === 1);
    if (h1) this.chapter = plainText(h1);
    const heading = tree.children.find((n): n is Heading => n.type === "heading" && n.depth <= 2);
    const title = heading ? plainText(heading) : "";
    const baseKey = raw.properties.name || slug(title) || "untitled";
    const seen = (keys.get(baseKey) ?? 0) + 1;
    keys.set(baseKey, seen);
    const slide: Slide = {
      number: this.slides.length + 1,
      file: file.path,
      key: seen === 1 ? baseKey : `${baseKey}-${seen}`,
      line: at(raw.startLine),
      title,
      chapter: this.chapter,
      classes: raw.properties.classes,
      markdown: text,
      exercises: exercises.map((e) => ({ ...place(e), ...(e.endLine === undefined ? {} : { endLine: at(e.endLine) }) })),
    };
    this.slides.push(slide);

    const offset = raw.startLine - 1;
    const exerciseAt = (line: number) => exercises.find((e) => line >= e.line && line <= (e.endLine ?? lastLine));
    const stepsBefore = this.steps.length;
    const hiddenRanges: MacroRange[] = [];
    let rank = 0;
    const add = (kind: StepKind, text: string, line: number, column: number, hidden: boolean, lang?: string) => {
      rank++;
      this.steps.push({ id: `${file.key}/${slide.key}/${rank}`, kind, text, file: file.path, line: at(line), column: col(column), slide, hidden, lang });
    };

    walk(tree, (node, parent, index) => {
      if (node.type === "code") {
        const line = node.position!.start.line + offset;
        const column = node.position!.start.column;
        const lang = (node.lang ?? "").toLowerCase();
        const inExercise = exerciseAt(line);
        const firstLine = node.value ? line + 1 : line;
        if (inExercise && lang === "bash") {
          add("bash", stripHighlighting(node.value), firstLine, column, false);
        } else if (announcesOutput(proseBefore(parent, index))) {
          add("expect", node.value, firstLine, column, false, lang || undefined);
        } else if (inExercise) {
          add("manual", node.value, firstLine, column, false, lang || undefined);
        } else if (SHELL_LANGS.has(lang)) {
          this.looseBlocks.push({ file: file.path, line: at(firstLine), column: col(column), lang, text: node.value });
        }
      } else if (node.type === "html") {
        const hidden = hiddenExercises(raw.lines, node, offset, file.path, this.exerciseNames);
        if (hidden) {
          this.problems.push(...hidden.problems.map(place));
          for (const s of hidden.steps) add(s.kind, s.text, s.line, s.column, true, s.lang);
          hiddenRanges.push(...hidden.exercises);
          return;
        }
        const line = node.position!.start.line + offset;
        const { directives, problems: bad } = parseDirectives(node.value, line, node.position!.start.column, file.path);
        this.problems.push(...bad.map(place));
        if (directives.length === 0) return;
        if (!exerciseAt(line)) {
          const d = directives[0]!;
          this.problems.push({
            file: file.path,
            line: at(d.line),
            column: col(d.column),
            severity: "warning",
            message: `directive '${d.name}' outside any exercise is ignored`,
            ruleId: "directive-outside-exercise",
          });
          return;
        }
        for (const d of directives) add(d.name, d.arg, d.line, d.column, true);
      }
    });

    // Steps carry source lines; a text-to-source map never goes backwards, so ranges still hold.
    for (const ex of [...exercises, ...hiddenRanges]) {
      const start = at(ex.line);
      const end = at(ex.endLine ?? lastLine);
      const runs = this.steps.slice(stepsBefore).some((s) => s.kind !== "manual" && s.kind !== "expect" && s.line >= start && s.line <= end);
      if (!runs) this.emptyExercises.push({ file: file.path, line: start, column: col(ex.column), name: ex.name });
    }
  }
}

/** A step of a hidden exercise, before it gets its id. */
interface HiddenStep {
  readonly kind: StepKind;
  readonly text: string;
  readonly line: number;
  readonly column: number;
  readonly lang?: string;
}

const DIRECTIVE_NAMES: ReadonlySet<string> = new Set(DIRECTIVES);

/**
 * An exercise macro inside an HTML comment is a hidden exercise: its steps run, and the attendee
 * never sees them (`<!-- .exercise[ ```open URL``` ] -->`). mdast keeps the comment as one opaque
 * `html` node, so its inside is parsed here as Markdown, in place: the comment markers and what
 * lies outside them are blanked, so that lines and columns stay the file's. In it, a `bash` block
 * is a command and any other fence a directive, written as in a visible exercise's comments;
 * "We should see:" blocks are expectations. Undefined when the comment holds no exercise macro.
 */
function hiddenExercises(
  lines: readonly string[],
  node: Html,
  offset: number,
  file: string,
  names: ReadonlySet<string>,
): { exercises: MacroRange[]; steps: HiddenStep[]; problems: Problem[] } | undefined {
  if (!/\.[A-Za-z][\w-]*\[/.test(node.value)) return undefined;
  const { start, end } = node.position!;
  const inner = insideComments(lines.slice(start.line - 1, end.line).join("\n"), start.column - 1);
  if (!inner.includes("[")) return undefined;
  const firstLine = start.line + offset;
  const innerLines = inner.split("\n");
  const found = findMacros(innerLines, firstLine, file);
  const exercises = found.macros.filter((m) => names.has(m.name));
  if (exercises.length === 0) return undefined;
  const lastLine = firstLine + innerLines.length - 1;
  const inExercise = (line: number) => exercises.some((e) => line >= e.line && line <= (e.endLine ?? lastLine));
  const problems = found.problems
    .filter((p) => exercises.some((e) => e.endLine === undefined && e.line === p.line && e.column === p.column))
    .map((p) => ({ ...p, message: p.message.replace("on this slide", "in its comment") }));

  // Indentation is cut before the parse (4 spaces would make indented code) and added back to columns:
  // on the first line, the whole blanked `<!--` prefix; on the others, what they have in common (a list item's).
  const indent = (l: string) => /^[ \t]*/.exec(l)![0].length;
  const lead = indent(innerLines[0]!);
  const others = innerLines.slice(1).filter((l) => l.trim());
  const cut = others.length ? Math.min(...others.map(indent)) : 0;
  const text = [innerLines[0]!.slice(lead), ...innerLines.slice(1).map((l) => l.slice(cut))].join("\n");
  const shift = (line: number) => (line === firstLine ? lead : cut);
  const steps: HiddenStep[] = [];
  const directivesOf = (from: number, to: number, line: number) => {
    const lineStart = text.lastIndexOf("\n", from - 1) + 1;
    const scanned = scanDirectives(text.slice(lineStart, to), line, 1 + shift(line), file);
    problems.push(...scanned.problems);
    for (const d of scanned.directives) steps.push({ kind: d.name, text: d.arg, line: d.line, column: d.line === line ? d.column : d.column + shift(d.line) });
  };
  walk(markdown.parse(text) as Root, (n, parent, index) => {
    const line = n.position!.start.line + firstLine - 1;
    if ((n.type !== "code" && n.type !== "paragraph") || !inExercise(line)) return;
    const from = n.position!.start.offset!;
    const to = n.position!.end.offset!;
    if (n.type === "paragraph") {
      if (text.slice(from, to).includes("```")) directivesOf(from, to, line);
      return;
    }
    const lang = (n.lang ?? "").toLowerCase();
    const column = n.position!.start.column + shift(line);
    const bodyLine = n.value ? line + 1 : line;
    if (lang === "bash") steps.push({ kind: "bash", text: stripHighlighting(n.value), line: bodyLine, column });
    else if (DIRECTIVE_NAMES.has(lang)) directivesOf(from, to, line);
    else if (announcesOutput(proseBefore(parent, index))) steps.push({ kind: "expect", text: n.value, line: bodyLine, column, ...(lang ? { lang } : {}) });
  });
  return { exercises, steps, problems };
}

/** The text inside the HTML comments of `source` (from offset `from` on), everything else blanked: same lines, same columns. */
function insideComments(source: string, from: number): string {
  let out = "";
  let at = 0;
  const re = /<!--([\s\S]*?)(?:-->|$)/g;
  re.lastIndex = from;
  const blank = (s: string) => s.replace(/[^\n]/g, " ");
  for (let m = re.exec(source); m && m[0].length > 0; m = re.exec(source)) {
    out += blank(source.slice(at, m.index)) + "    " + m[1]!;
    at = m.index + m[0].length;
    out += blank(source.slice(m.index + 4 + m[1]!.length, at));
  }
  return out + blank(source.slice(at));
}

/** Pre-order walk with the parent and index of each node. */
function walk(node: Parents, visit: (node: Nodes, parent: Parents, index: number) => void) {
  node.children.forEach((child, i) => {
    visit(child, node, i);
    if ("children" in child) walk(child, visit);
  });
}

/** The prose just before a code block, in the same parent (a paragraph, or a list item's last paragraph). */
function proseBefore(parent: Parents, index: number): string {
  for (let i = index - 1; i >= 0; i--) {
    const prev = parent.children[i]!;
    if (prev.type === "html") continue;
    if (prev.type === "paragraph") return plainText(prev);
    return "";
  }
  return "";
}

export function plainText(node: Nodes): string {
  if ("value" in node && node.type !== "html") return node.value;
  if ("children" in node) return (node.children as Nodes[]).map(plainText).join("");
  return "";
}

/**
 * The command as it will be typed: backticks are highlighting (remark.js), not shell syntax, and
 * indentation common to every line (a block indented deeper than its list item) is not part of it.
 */
export function stripHighlighting(command: string): string {
  const lines = command.replace(/`/g, "").split("\n");
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join("\n").replace(/\s+$/, "");
}

export function slug(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

export type { Code, Html };
