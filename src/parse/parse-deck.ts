import type { Code, Html, Root, Heading } from "mdast";
import { sourceColumn, sourceLine, sourcePlace, type Deck, type DeckFile } from "../deck/load.js";
import type { UnfilledPlaceholder } from "../deck/placeholders.js";
import type { Problem } from "../problem.js";
import type { StepKind } from "../graph/step.js";
import { splitSlides, type RawSlide } from "./slides.js";
import { findMacros, type MacroRange } from "./macros.js";
import { parseDirectives } from "./directives.js";
import { blockSteps, ExpectationTies, type BlockStep } from "./expect-blocks.js";
import type { Strictness } from "./expectations.js";
import { hiddenExercises } from "./hidden-exercises.js";
import { AuthorIds, ctrlCAfter } from "./transcript-steps.js";
import { exceedsLimits } from "./parse-limits.js";
import { structureProblems } from "./structure-problems.js";
import { markdown, plainText, proseBefore, stripHighlighting, slug, walk } from "./mdast-util.js";

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
  /** Expect steps: how strictly the output is checked, and why. */
  readonly expectation?: Strictness;
  /** Expect steps: where the expected output's lines are in their source file (for --update). */
  readonly expectedBlock?: ExpectedBlock;
  /** Command steps of a transcript that shows an error (transcript mode): the error line. */
  readonly failsWith?: string;
  /** Waits: see Step.lineLike. */
  readonly lineLike?: boolean;
}

/**
 * The lines of an expected output in the file they were read from (an included file's own, when
 * an `@@INCLUDE` brought them in): `line` to `endLine`, 1-based, inclusive. `hidden`: inside an
 * HTML comment. Absent when the lines are not contiguous there.
 */
export interface ExpectedBlock {
  readonly file: string;
  readonly line: number;
  readonly endLine: number;
  readonly hidden: boolean;
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
  private readonly ties = new ExpectationTies();
  /** Transcript mode: the ids the deck's outputs showed, which later commands name only on the author's machine. */
  private readonly authorIds = new AuthorIds();
  private readonly exerciseNames: ReadonlySet<string>;
  private readonly exclude: ReadonlySet<string>;
  private readonly transcripts: boolean;

  constructor(private readonly deck: Deck) {
    this.exerciseNames = new Set(deck.config.exerciseMacros);
    this.exclude = new Set(deck.exclude);
    this.transcripts = deck.config.transcripts;
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
    // Past a limit the slide never reaches remark: nothing of it is a slide or a step.
    const over = exceedsLimits(raw.lines, raw.startLine);
    if (over) {
      const { ruleId, line, column, message } = over;
      this.problems.push({ file: file.path, line: sourceLine(file, line), column: sourceColumn(file, column), severity: "error", message, ruleId });
      return;
    }
    const text = raw.lines.join("\n");
    const tree = markdown.parse(text) as Root;
    // Positions below are in the file's text until they leave for a step, slide or problem.
    const at = (line: number) => sourceLine(file, line);
    const col = (column: number) => sourceColumn(file, column);
    const place = <T extends { line: number; column: number }>(p: T): T => ({ ...p, line: at(p.line), column: col(p.column) });
    const { macros, problems } = findMacros(raw.lines, raw.startLine, file.path);
    const structure = structureProblems({ file: file.path, lines: raw.lines, firstLine: raw.startLine, unclosed: raw.unclosed, macroProblems: problems, macros, exerciseNames: this.exerciseNames });
    this.problems.push(...structure.map(place));
    // What an unclosed comment holds is not run: the author did not mean it as it reads.
    const unclosedComments = new Set(raw.unclosed.filter((u) => u.kind === "comment").map((u) => u.line));
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
    const exerciseAt = exerciseFinder(exercises, lastLine);
    const stepsBefore = this.steps.length;
    const hiddenRanges: MacroRange[] = [];
    let rank = 0;
    const add = (kind: StepKind, text: string, line: number, column: number, hidden: boolean, lang?: string, expectation?: Strictness, endLine?: number, failsWith?: string, lineLike?: boolean) => {
      rank++;
      if (kind === "bash" || kind === "hide") this.ties.command(file.path, slide.number);
      const block = endLine === undefined ? undefined : expectedBlock(file, line, endLine, hidden);
      this.steps.push({
        id: `${file.key}/${slide.key}/${rank}`, kind, text, file: file.path, line: at(line), column: col(column), slide, hidden, lang,
        ...(expectation ? { expectation } : {}),
        ...(block ? { expectedBlock: block } : {}),
        ...(failsWith !== undefined ? { failsWith } : {}),
        ...(lineLike ? { lineLike } : {}),
      });
    };
    const addBlock = (s: BlockStep, column: number, hidden: boolean) => {
      if (s.template) this.ties.bar();
      add(s.kind, s.text, s.line, column, hidden || (s.hidden ?? false), s.lang, s.expectation, s.endLine, s.failsWith, s.lineLike);
    };
    // Transcript mode reads no transcript in a fence left open: its end, and so its output, is in doubt.
    const openFences = new Set(raw.unclosed.filter((u) => u.kind === "fence").map((u) => u.line));

    walk(tree, (node, parent, index) => {
      if (node.type === "code") {
        const line = node.position!.start.line + offset;
        const column = node.position!.start.column;
        const lang = (node.lang ?? "").toLowerCase();
        const inExercise = exerciseAt(line);
        const firstLine = node.value ? line + 1 : line;
        const transcripts = this.transcripts && !openFences.has(line);
        // The prose after the block, from the line after its closing fence (raw.lines[end.line]).
        const stop = transcripts ? ctrlCAfter(raw.lines, node.position!.end.line) : undefined;
        const block = { text: node.value, lang, line: firstLine, inExercise: inExercise !== undefined, prose: proseBefore(parent, index), file: file.path, slide: slide.number, transcripts, ...(stop !== undefined ? { stopLine: raw.startLine + stop } : {}) };
        const steps = blockSteps(block, this.ties, stripHighlighting, this.authorIds);
        for (const s of steps) addBlock(s, column, false);
        if (steps.length === 0 && !inExercise && SHELL_LANGS.has(lang)) {
          this.looseBlocks.push({ file: file.path, line: at(firstLine), column: col(column), lang, text: node.value });
        }
      } else if (node.type === "html") {
        const startLine = node.position!.start.line + offset;
        const endLine = node.position!.end.line + offset;
        if ([...unclosedComments].some((l) => l >= startLine && l <= endLine)) return;
        const hidden = hiddenExercises(raw.lines, node, offset, file.path, this.exerciseNames);
        if (hidden) {
          this.problems.push(...hidden.problems.map(place));
          for (const h of hidden.steps) {
            if (h.kind !== "block") {
              add(h.kind, h.text, h.line, h.column, true);
              continue;
            }
            const block = { text: h.text, lang: h.lang, line: h.line, inExercise: true, prose: h.prose, file: file.path, slide: slide.number, transcripts: this.transcripts };
            for (const s of blockSteps(block, this.ties, stripHighlighting, this.authorIds)) addBlock(s, h.column, true);
          }
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
    const runLines = this.steps.slice(stepsBefore).filter((s) => s.kind !== "manual" && s.kind !== "expect").map((s) => s.line).sort((a, b) => a - b);
    for (const ex of [...exercises, ...hiddenRanges]) {
      const start = at(ex.line);
      const end = at(ex.endLine ?? lastLine);
      const first = runLines[firstAtOrAfter(runLines, start)];
      if (first === undefined || first > end) this.emptyExercises.push({ file: file.path, line: start, column: col(ex.column), name: ex.name });
    }
  }
}

/**
 * The first exercise (in the slide's order) whose lines hold `line`. Asked in document order, as
 * the walk does, it moves forward only: a slide of many exercises and blocks stays linear.
 */
function exerciseFinder(exercises: readonly MacroRange[], lastLine: number): (line: number) => MacroRange | undefined {
  let started: MacroRange[] = [];
  let next = 0;
  let front = 0;
  let previous = -Infinity;
  return (line) => {
    if (line < previous) {
      started = [];
      next = 0;
      front = 0;
    }
    previous = line;
    while (next < exercises.length && exercises[next]!.line <= line) started.push(exercises[next++]!);
    // Those that ended before this line end before every later one too.
    while (front < started.length && (started[front]!.endLine ?? lastLine) < line) front++;
    return started[front];
  };
}

/** The index of the first value >= `value` in a sorted array (its length if none). */
function firstAtOrAfter(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Lines `line` to `endLine` of the file's text, in their source file, when they are contiguous lines of one file there. */
function expectedBlock(file: DeckFile, line: number, endLine: number, hidden: boolean): ExpectedBlock | undefined {
  const first = sourcePlace(file, line);
  for (let l = line + 1; l <= endLine; l++) {
    const p = sourcePlace(file, l);
    if (p.file !== first.file || p.line !== first.line + (l - line)) return undefined;
  }
  return { file: first.file, line: first.line, endLine: first.line + (endLine - line), hidden };
}

export { plainText, stripHighlighting, slug };
export type { Code, Html };
