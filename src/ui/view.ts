/**
 * What the screen shows, computed from the state: the components only lay these values out.
 */
import { describeStep, formatElapsed, worstStatus, type Mark } from "./describe.js";
import { findSlide } from "./fuzzy.js";
import { RELEASE_KEY_NAME } from "./keymap.js";
import { currentUnit, isRunning, position, stops, units, type Message, type SlideInfo, type UiState } from "./state.js";
import { wrapSpans, type RichLine, type SpanStyle } from "./text.js";
import { unitIndexAt } from "./units.js";

export interface HeaderView {
  readonly left: string;
  readonly right: string;
}

export function headerView(deckTitle: string, elapsedMs: number): HeaderView {
  return { left: `labrun · ${deckTitle}`, right: `⏱ ${formatElapsed(elapsedMs)}` };
}

function chapterList(slides: readonly SlideInfo[]): string[] {
  const names: string[] = [];
  for (const s of slides) if (names[names.length - 1] !== s.chapter && !names.includes(s.chapter)) names.push(s.chapter);
  return names;
}

export interface ProgressView {
  /** 0..1: how far along the deck the current step is. */
  readonly fraction: number;
  readonly label: string;
}

export function progressView(state: UiState): ProgressView {
  const us = units(state);
  const at = unitIndexAt(us, state.current) ?? us.length;
  const slide = currentSlide(state);
  const step = atEnd(state) ? `end · ${us.length} steps` : state.reading !== undefined ? `to read · step ${Math.min(at + 1, us.length)}/${us.length} next` : `step ${at + 1}/${us.length}`;
  const chapters = chapterList(state.slides);
  const chapterAt = slide ? chapters.indexOf(slide.chapter) : -1;
  const chapter = chapters.some(Boolean) && chapterAt >= 0 ? ` · chapter ${chapterAt + 1}/${chapters.length}` : "";
  const label = `${step} · slide ${slide?.number ?? 0}/${state.slides.length}${chapter}`;
  const all = stops(state).length;
  return { fraction: all === 0 ? 1 : position(state) / all, label };
}

/** The slide being read, or the current step's; past the end, the last slide. */
export function currentSlide(state: UiState): SlideInfo | undefined {
  if (state.reading !== undefined) return state.slides.find((s) => s.number === state.reading);
  const unit = currentUnit(state);
  const number = unit ? state.steps[unit.lead]!.slide : state.steps[state.steps.length - 1]?.slide;
  return state.slides.find((s) => s.number === number) ?? state.slides[state.slides.length - 1];
}

export function atEnd(state: UiState): boolean {
  return state.reading === undefined && state.current >= state.steps.length;
}

export interface StepRowView {
  readonly key: string;
  readonly mark: Mark;
  readonly text: string;
  readonly hidden: boolean;
  /** Part of the unit Enter runs. */
  readonly highlighted: boolean;
  /** The row the current step is on. */
  readonly pointer: boolean;
}

/** The current slide's steps as the list shows them (hidden ones only when asked for). */
export function stepRows(state: UiState): StepRowView[] {
  const slide = currentSlide(state);
  if (!slide || atEnd(state) || state.reading !== undefined) return [];
  const us = units(state);
  const focus = currentUnit(state);
  const inFlight = isRunning(state.mode) ? state.mode.inFlight : undefined;
  const rows: StepRowView[] = [];
  for (const unit of us) {
    if (state.steps[unit.lead]!.slide !== slide.number) continue;
    const listed: number[] = [];
    for (let i = unit.first; i <= unit.last; i++) if (i === unit.lead || !state.steps[i]!.hidden || state.showHidden) listed.push(i);
    listed.forEach((index, j) => {
      const from = j === 0 ? unit.first : index;
      const to = (listed[j + 1] ?? unit.last + 1) - 1;
      const ids = state.steps.slice(from, to + 1).map((s) => s.id);
      const step = state.steps[index]!;
      rows.push({
        key: step.id,
        mark: inFlight !== undefined && ids.includes(inFlight) ? "running" : worstStatus(ids.map((id) => state.outcomes[id]?.status)),
        text: describeStep(step) + (step.hidden ? "  (hidden)" : ""),
        hidden: step.hidden,
        highlighted: unit === focus,
        pointer: unit === focus && state.current >= from && state.current <= to,
      });
    });
  }
  return rows;
}

/** At most `height` rows, keeping the pointer (or the highlighted rows) in view. */
export function windowRows<T extends { readonly pointer: boolean; readonly highlighted: boolean }>(rows: readonly T[], height: number): T[] {
  if (rows.length <= height) return [...rows];
  let focus = rows.findIndex((r) => r.pointer);
  if (focus < 0) focus = Math.max(0, rows.findIndex((r) => r.highlighted));
  const start = Math.max(0, Math.min(focus - Math.floor((height - 1) / 3), rows.length - height));
  return rows.slice(start, start + height);
}

export interface ExpectationView {
  readonly heading: string;
  readonly tone: "passed" | "failed" | "warning" | "pending";
  readonly lines: readonly RichLine[];
}

/** True when the current slide states an expected output (the output pane then has a column beside it). */
export function slideHasExpectations(state: UiState): boolean {
  const slide = currentSlide(state);
  return !atEnd(state) && state.reading === undefined && state.steps.some((s) => s.kind === "expect" && s.slide === slide?.number);
}

/**
 * The expectation to show beside the output: the current unit's, else the last one checked on
 * this slide, else the next one to check.
 */
export function expectationView(state: UiState, width: number): ExpectationView | undefined {
  const slide = currentSlide(state);
  if (!slide || atEnd(state) || state.reading !== undefined) return undefined;
  const unit = currentUnit(state);
  const onSlide = state.steps.map((step, index) => ({ step, index })).filter(({ step }) => step.kind === "expect" && step.slide === slide.number);
  const inUnit = unit ? onSlide.filter(({ index }) => index >= unit.first && index <= unit.last) : [];
  const chosen =
    inUnit.find(({ step }) => state.outcomes[step.id]?.status === "failed") ??
    inUnit[0] ??
    [...onSlide].reverse().find(({ index, step }) => index < state.current && state.outcomes[step.id]) ??
    onSlide.find(({ index }) => index >= state.current);
  if (!chosen) return undefined;
  const outcome = state.outcomes[chosen.step.id];
  const failed = outcome?.assertions.find((a) => !a.passed);
  if (outcome?.status === "failed") {
    const diff = failed?.diff ?? outcome.reason ?? "the output did not match";
    return { heading: "✗ expected output differs", tone: "failed", lines: diffLines(diff, width) };
  }
  if (outcome?.warning) {
    const diff = failed?.diff ?? outcome.warning;
    return { heading: `⚠ expected output differs (loose: ${chosen.step.strictReason ?? "not sure it is the output"}; not a failure)`, tone: "warning", lines: diffLines(diff, width) };
  }
  const text = wrapLines(chosen.step.text, width, { dim: outcome === undefined });
  if (outcome?.status === "passed") return { heading: "✓ expected output matched", tone: "passed", lines: text };
  if (outcome?.status === "skipped") return { heading: "- expectation skipped", tone: "pending", lines: text };
  return { heading: "expected (not checked yet)", tone: "pending", lines: text };
}

function diffLines(diff: string, width: number): RichLine[] {
  return diff.split("\n").flatMap((line) => {
    const style: SpanStyle | undefined = line.startsWith("-") ? { color: "red" } : line.startsWith("+") ? { color: "green" } : { dim: true };
    return wrapSpans([{ text: line, style }], width);
  });
}

function wrapLines(text: string, width: number, style: SpanStyle): RichLine[] {
  return text.split("\n").flatMap((line) => wrapSpans([{ text: line.replace(/\s+$/, ""), style }], width));
}

export interface StatusView {
  readonly text: string;
  readonly tone: Message["tone"];
}

export function statusView(state: UiState): StatusView | undefined {
  const mode = state.mode;
  if (isRunning(mode)) {
    const step = state.steps.find((s) => s.id === mode.inFlight) ?? state.steps[state.current];
    const what = step ? describeStep(step) : "…";
    if (mode.stopRequested) return { tone: "info", text: `Stopping: ${what}` };
    if (mode.kind === "replaying") {
      const total = state.steps.slice(0, mode.end).filter((s) => s.kind !== "manual").length;
      const done = state.steps.slice(0, state.current).filter((s) => s.kind !== "manual").length;
      return { tone: "info", text: `▸ Replaying ${done + 1}/${total}: ${what}` };
    }
    return { tone: "info", text: `▸ ${mode.kind === "continuing" ? "Continuing until a failure: " : ""}${what}` };
  }
  if (mode.kind === "goto") {
    const match = findSlide(state.slides, mode.query);
    const hint = mode.query.trim() === "" ? "" : match ? `  → ${match.number}. ${match.title}` : "  → no match";
    return { tone: "info", text: `Go to slide: ${mode.query}▏${hint}` };
  }
  if (mode.kind === "takeover") return { tone: "info", text: `You have the shell: keys go to it. ${RELEASE_KEY_NAME} gives control back.` };
  return state.message;
}

/** The question a prompt mode asks, as lines of text. */
export function promptLines(state: UiState, tourDeck: string | undefined): { readonly title: string; readonly lines: readonly string[] } | undefined {
  const mode = state.mode;
  if (mode.kind === "resume-prompt") {
    const step = state.steps[mode.at];
    const slide = step ? state.slides.find((s) => s.number === step.slide) : undefined;
    const where = slide ? `slide ${slide.number} “${slide.title}”` : "the end of the deck";
    const earlier = state.steps.slice(0, mode.at).filter((s) => s.kind !== "manual").length;
    return {
      title: `Resume at ${where}? [Y/n]`,
      lines: [
        "You were here last time. The shell is a new one: what earlier steps did to it",
        "(variables, cd, aliases) is not restored; files and containers they made are.",
        earlier > 0 ? `Press r to replay the ${earlier} earlier steps quickly first, then resume.` : "",
      ].filter(Boolean),
    };
  }
  if (mode.kind === "tour-offer") {
    return {
      title: tourDeck ? "Take the tour instead? [Y/n]" : "Programs are missing",
      lines: [
        `This deck calls programs this machine does not have: ${mode.missing.join(", ")}.`,
        "It is meant for a workshop node; on this machine its steps would fail.",
        tourDeck ? `The tour (${tourDeck}) shows how labrun works with nothing but bash.` : "Press n to go on anyway.",
      ],
    };
  }
  return undefined;
}

/** What the slide pane says once every step is behind. */
export function endLines(state: UiState): string[] {
  const counts = { passed: 0, failed: 0, timedOut: 0, skipped: 0, interrupted: 0 };
  for (const step of state.steps) {
    const status = state.outcomes[step.id]?.status;
    if (status) counts[status]++;
  }
  const notRun = state.steps.length - counts.passed - counts.failed - counts.timedOut - counts.skipped - counts.interrupted;
  const interrupted = counts.interrupted > 0 ? `   ! ${counts.interrupted} interrupted` : "";
  return [
    `✓ ${counts.passed} passed   ✗ ${counts.failed} failed   ⏱ ${counts.timedOut} timed out   - ${counts.skipped} skipped${interrupted}   ${notRun} not run`,
    "p goes back, g goes to a slide, q quits.",
  ];
}
