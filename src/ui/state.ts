/**
 * The terminal UI's state machine: plain data in, plain data out, no terminal and no shell. The
 * controller (hooks/use-controller.ts) runs what `nextToRun` asks for and reports back with
 * `stepStarted` / `stepFinished`; keys arrive as intents (keymap.ts).
 */
import type { Step } from "../graph/step.js";
import type { Assertion, StepResult, StepStatus } from "../run/result.js";
import { describeStep } from "./describe.js";
import { findSlide } from "./fuzzy.js";
import { intentForKey, type KeyPress, type ScrollRoom } from "./keymap.js";
import { stopIndexAt, stopsOf, unitIndexAt, unitsOf, type Stop, type Unit } from "./units.js";

export interface SlideInfo {
  readonly number: number;
  readonly title: string;
  readonly chapter: string;
  readonly markdown: string;
}

/** What the UI keeps of a step's result (a resumed run only knows the status). */
export interface StepOutcome {
  readonly status: StepStatus;
  readonly reason?: string;
  readonly durationMs?: number;
  readonly exitCode?: number | null;
  readonly assertions: readonly Assertion[];
  /** A loose expectation that did not match. */
  readonly warning?: string;
}

/** Running one unit, continuing until a failure, replaying earlier steps after a resume. */
export type RunKind = "running" | "continuing" | "replaying";

export type Mode =
  | { readonly kind: "browse" }
  | {
      readonly kind: RunKind;
      /** Index the run stops before. */
      readonly end: number;
      /** Id of the step the runner is busy with. */
      readonly inFlight?: string;
      /** Ctrl-C: stop once the step in flight ends. */
      readonly stopRequested: boolean;
    }
  | { readonly kind: "takeover" }
  | { readonly kind: "goto"; readonly query: string }
  | { readonly kind: "help" }
  | { readonly kind: "resume-prompt"; readonly at: number }
  | { readonly kind: "tour-offer"; readonly missing: readonly string[]; readonly resumeAt?: number };

export type ModeKind = Mode["kind"];
export type RunMode = Extract<Mode, { kind: RunKind }>;

export interface Message {
  readonly text: string;
  readonly tone: "info" | "success" | "error";
}

export interface UiState {
  readonly steps: readonly Step[];
  readonly slides: readonly SlideInfo[];
  /** Index of the current step; `steps.length` once past the last one. */
  readonly current: number;
  /** A slide with nothing to run, being read (`current` is then the first step after it). */
  readonly reading?: number;
  readonly outcomes: Readonly<Record<string, StepOutcome>>;
  readonly mode: Mode;
  readonly showHidden: boolean;
  /** Output pane: lines scrolled back from the bottom (0 follows the output). */
  readonly scroll: number;
  readonly message?: Message;
  readonly exit?: "quit" | "tour";
  /** Ctrl-C while browsing: the controller stops a command still running in the shell, or quits. */
  readonly breakPending?: true;
}

export type Intent =
  | { readonly type: "next" }
  | { readonly type: "prev" }
  | { readonly type: "run" }
  | { readonly type: "continue" }
  | { readonly type: "skip" }
  | { readonly type: "retry" }
  | { readonly type: "toggleHidden" }
  | { readonly type: "help" }
  | { readonly type: "closeHelp" }
  | { readonly type: "gotoStart" }
  | { readonly type: "gotoType"; readonly text: string }
  | { readonly type: "gotoBackspace" }
  | { readonly type: "gotoSubmit" }
  | { readonly type: "gotoCancel" }
  | { readonly type: "takeover" }
  | { readonly type: "release" }
  | { readonly type: "interrupt" }
  | { readonly type: "break" }
  | { readonly type: "breakHandled"; readonly interrupted: boolean }
  | { readonly type: "quit" }
  | { readonly type: "scroll"; readonly by: number; readonly max: number }
  | { readonly type: "resume"; readonly answer: "yes" | "no" | "replay" }
  | { readonly type: "tour"; readonly answer: "yes" | "no" }
  | { readonly type: "stepStarted"; readonly index: number }
  | { readonly type: "stepFinished"; readonly result: StepResult }
  | { readonly type: "notice"; readonly message: Message }
  /** Keys as the terminal sent them: each applies in the mode the key before it left. */
  | { readonly type: "keys"; readonly input: string; readonly key: KeyPress; readonly room: ScrollRoom };

export interface SavedPosition {
  /** Id of the step to go on from; null: the deck was finished. */
  readonly current: string | null;
  readonly statuses: Readonly<Record<string, StepStatus>>;
}

export interface InitialStateOptions {
  readonly steps: readonly Step[];
  readonly slides: readonly SlideInfo[];
  readonly saved?: SavedPosition;
  /** Programs the deck calls that this machine lacks: offer the tour. */
  readonly missing?: readonly string[];
  readonly showHidden?: boolean;
  readonly message?: Message;
  /** `--from`: the first n steps bring the node to the target's state; they run at once, without stopping. */
  readonly replayFirst?: number;
}

export function initialState(options: InitialStateOptions): UiState {
  const { steps, slides, saved } = options;
  const outcomes: Record<string, StepOutcome> = {};
  let resumeAt: number | undefined;
  let message = options.message;
  if (saved) {
    const known = new Set(steps.map((s) => s.id));
    for (const [id, status] of Object.entries(saved.statuses)) if (known.has(id)) outcomes[id] = { status, assertions: [] };
    const at = saved.current === null ? steps.length : steps.findIndex((s) => s.id === saved.current);
    if (at < 0) message ??= { tone: "info", text: "The saved position is no longer in the deck: starting from the top." };
    else if (at > 0 || Object.keys(outcomes).length > 0) resumeAt = at;
  }
  const missing = options.missing ?? [];
  const mode: Mode =
    missing.length > 0
      ? { kind: "tour-offer", missing, ...(resumeAt === undefined ? {} : { resumeAt }) }
      : resumeAt !== undefined
        ? { kind: "resume-prompt", at: resumeAt }
        : { kind: "browse" };
  const base: UiState = { steps, slides, current: 0, outcomes: {}, mode, showHidden: options.showHidden ?? false, scroll: 0 };
  const replayFirst = options.replayFirst ?? 0;
  if (mode.kind === "browse" && replayFirst > 0) {
    return { ...startRun(base, "replaying", replayFirst, 0), message: info(`Catching up: replaying ${replayFirst} earlier steps, then stopping at the slide you asked for.`) };
  }
  return {
    ...(mode.kind === "resume-prompt" ? { ...base, current: mode.at } : placeAt(base, 0)),
    outcomes: resumeAt === undefined ? {} : outcomes,
    ...(message ? { message } : {}),
  };
}

export function isRunning(mode: Mode): mode is RunMode {
  return mode.kind === "running" || mode.kind === "continuing" || mode.kind === "replaying";
}

export function units(state: UiState): readonly Unit[] {
  return unitsOf(state.steps, state.showHidden);
}

export function stops(state: UiState): readonly Stop[] {
  return stopsOf(state.steps, state.slides, state.showHidden);
}

/** Index of the current stop; stops.length past the end. */
export function position(state: UiState): number {
  return stopIndexAt(stops(state), state.current, state.reading);
}

/** The state standing at stop `at` (past the end when at = stops.length). */
function placeAt(state: UiState, at: number): UiState {
  const { reading: _left, ...rest } = state;
  const stop = stops(state)[at];
  if (!stop) return { ...rest, current: state.steps.length, scroll: 0 };
  if (stop.kind === "read") return { ...rest, current: stop.before, reading: stop.slide, scroll: 0 };
  return { ...rest, current: stop.unit.first, scroll: 0 };
}

/** The unit the current step is in; undefined on a slide to read and past the end. */
export function currentUnit(state: UiState): Unit | undefined {
  if (state.reading !== undefined) return undefined;
  const us = units(state);
  const i = unitIndexAt(us, state.current);
  return i === undefined ? undefined : us[i];
}

/** The step the controller should run now, with the step after it (the runner needs it to start a command it must drive). */
export function nextToRun(state: UiState): { index: number; step: Step; next: Step | undefined } | undefined {
  const mode = state.mode;
  if (!isRunning(mode) || mode.inFlight !== undefined || mode.stopRequested) return undefined;
  let index = state.current;
  // A replay runs what an attendee would have run: templates to adapt are not commands.
  if (mode.kind === "replaying") while (index < mode.end && state.steps[index]?.kind === "manual") index++;
  if (index >= mode.end || index >= state.steps.length) return undefined;
  return { index, step: state.steps[index]!, next: state.steps[index + 1] };
}

export function reduce(state: UiState, intent: Intent): UiState {
  if (intent.type === "keys") return applyKeys(state, intent.input, intent.key, intent.room);
  const s = withoutMessage(state, intent);
  switch (intent.type) {
    case "stepStarted":
      return stepStarted(s, intent.index);
    case "stepFinished":
      return stepFinished(s, intent.result);
    case "notice":
      return { ...s, message: intent.message };
    case "quit":
      return { ...s, exit: "quit" };
    case "break":
      return s.mode.kind === "browse" ? { ...s, breakPending: true } : s;
    case "breakHandled": {
      const { breakPending: _handled, ...rest } = s;
      if (!intent.interrupted) return { ...rest, exit: "quit" };
      return { ...rest, message: info("Stopped the command left running in the shell. Ctrl-C again quits.") };
    }
    case "scroll":
      return { ...s, scroll: clamp(s.scroll + intent.by, 0, intent.max) };
    case "interrupt":
      if (!isRunning(s.mode)) return s;
      if (s.mode.inFlight === undefined) return { ...browse(s), message: info("Stopped.") };
      return { ...s, mode: { ...s.mode, stopRequested: true }, message: info("Stopping…") };
    case "resume":
      return s.mode.kind === "resume-prompt" ? resume(s, s.mode.at, intent.answer) : s;
    case "tour":
      return s.mode.kind === "tour-offer" ? answerTour(s, s.mode.resumeAt, intent.answer) : s;
    case "closeHelp":
      return s.mode.kind === "help" ? browse(s) : s;
    case "release":
      return s.mode.kind === "takeover" ? { ...browse(s), message: info("Control is back: the keys drive labrun again.") } : s;
    case "gotoType":
      return s.mode.kind === "goto" ? { ...s, mode: { kind: "goto", query: s.mode.query + intent.text } } : s;
    case "gotoBackspace":
      return s.mode.kind === "goto" ? { ...s, mode: { kind: "goto", query: s.mode.query.slice(0, -1) } } : s;
    case "gotoCancel":
      return s.mode.kind === "goto" ? browse(s) : s;
    case "gotoSubmit":
      return s.mode.kind === "goto" ? gotoSlide(s, s.mode.query) : s;
  }
  // What is left is browsing: moving, running, the screens reached from there.
  if (s.mode.kind !== "browse") return s;
  switch (intent.type) {
    case "next":
      return move(s, +1);
    case "prev":
      return move(s, -1);
    case "run":
      return runUnit(s);
    case "continue":
      return s.current >= s.steps.length ? { ...s, message: info("This is the end of the deck.") } : startRun(s, "continuing", s.steps.length);
    case "skip":
      return skip(s);
    case "retry":
      return retry(s);
    case "toggleHidden":
      return { ...s, showHidden: !s.showHidden, message: info(s.showHidden ? "Hidden steps are no longer listed (they still run)." : "Hidden steps are listed, marked (hidden).") };
    case "help":
      return { ...s, mode: { kind: "help" } };
    case "gotoStart":
      return { ...s, mode: { kind: "goto", query: "" } };
    case "takeover":
      return { ...s, mode: { kind: "takeover" }, scroll: 0 };
  }
  return s;
}

/**
 * Several characters in one read (fast typing, a paste, tmux send-keys) are several keys: `g2`
 * opens the go-to prompt, then types 2 in it.
 */
function applyKeys(state: UiState, input: string, key: KeyPress, room: ScrollRoom): UiState {
  const chars = [...input];
  const several = chars.length > 1 && !input.includes("\x1b") && !Object.values(key).some(Boolean);
  if (!several) {
    const intent = intentForKey(state.mode.kind, input, key, room);
    return intent ? reduce(state, intent) : state;
  }
  return chars.reduce((s, ch) => {
    const intent = ch === "\r" ? intentForKey(s.mode.kind, "", { return: true }, room) : intentForKey(s.mode.kind, ch, {}, room);
    return intent ? reduce(s, intent) : s;
  }, state);
}

/** A message stays until the next key; the runner's own reports do not clear it. */
function withoutMessage(state: UiState, intent: Intent): UiState {
  if (intent.type === "stepStarted" || intent.type === "scroll" || !state.message) return state;
  const { message: _dropped, ...rest } = state;
  return rest;
}

function browse(state: UiState): UiState {
  return { ...state, mode: { kind: "browse" } };
}

function info(text: string): Message {
  return { tone: "info", text };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

function move(state: UiState, direction: 1 | -1): UiState {
  const target = position(state) + direction;
  if (target < 0) return { ...state, message: info("This is the first slide.") };
  if (target > stops(state).length) return { ...state, message: info("This is the end of the deck.") };
  return placeAt(state, target);
}

function gotoSlide(state: UiState, query: string): UiState {
  const slide = findSlide(state.slides, query);
  if (!slide) return { ...browse(state), message: { tone: "error", text: `No slide matches “${query}”.` } };
  const at = stops(state).findIndex((s) => s.slide >= slide.number);
  return { ...placeAt(browse(state), at < 0 ? stops(state).length : at), message: info(`Slide ${slide.number}: ${slide.title}`) };
}

function startRun(state: UiState, kind: RunKind, end: number, from = state.current): UiState {
  const { reading: _left, ...rest } = state;
  return { ...rest, current: from, scroll: 0, mode: { kind, end, stopRequested: false } };
}

function runUnit(state: UiState): UiState {
  // On a slide to read, Enter turns the page.
  if (state.reading !== undefined) return move(state, 1);
  const unit = currentUnit(state);
  if (!unit) return { ...state, message: info("This is the end of the deck: p goes back, g goes to a slide.") };
  return startRun(state, "running", unit.last + 1);
}

function skip(state: UiState): UiState {
  if (state.reading !== undefined) return move(state, 1);
  const unit = currentUnit(state);
  if (!unit) return { ...state, message: info("This is the end of the deck.") };
  const outcomes = { ...state.outcomes };
  for (let i = state.current; i <= unit.last; i++) outcomes[state.steps[i]!.id] = { status: "skipped", reason: "skipped by you", assertions: [] };
  return move({ ...state, outcomes }, 1);
}

function retry(state: UiState): UiState {
  const step = state.steps[state.current];
  const status = step ? state.outcomes[step.id]?.status : undefined;
  if (!step || (status !== "failed" && status !== "timedOut")) return { ...state, message: info("r retries a failed step; this one has not failed.") };
  const unit = currentUnit(state)!;
  return startRun(state, "running", unit.last + 1, retryStart(state, state.current));
}

/**
 * Where a retry starts: an expectation, a check or a wait judges the command before it, so that
 * command runs again (when it is on the same slide); anything else runs again by itself.
 */
export function retryStart(state: UiState, index: number): number {
  const step = state.steps[index]!;
  if (!["expect", "check", "wait", "longwait"].includes(step.kind)) return index;
  for (let i = index - 1; i >= 0; i--) {
    const before = state.steps[i]!;
    if (before.slide !== step.slide) break;
    if ((before.kind === "bash" || before.kind === "hide") && step.dependsOn.includes(before.id)) return i;
  }
  return index;
}

function resume(state: UiState, at: number, answer: "yes" | "no" | "replay"): UiState {
  switch (answer) {
    case "yes":
      return { ...placeAt(browse(state), stopIndexAt(stops(state), at, undefined)), current: at, message: info("Resumed. The shell is new: earlier variables and cd are not restored.") };
    case "no":
      return { ...placeAt(browse(state), 0), outcomes: {}, message: info("Starting over from the first step.") };
    case "replay":
      return at === 0 ? placeAt(browse(state), 0) : startRun(state, "replaying", at, 0);
  }
}

function answerTour(state: UiState, resumeAt: number | undefined, answer: "yes" | "no"): UiState {
  if (answer === "yes") return { ...state, exit: "tour" };
  if (resumeAt !== undefined) return { ...placeAt(state, stopIndexAt(stops(state), resumeAt, undefined)), current: resumeAt, mode: { kind: "resume-prompt", at: resumeAt } };
  return { ...browse(state), message: info("Going on with this deck: the steps that need the missing programs will fail.") };
}

function stepStarted(state: UiState, index: number): UiState {
  const step = state.steps[index];
  // A second request for the same step (two renders before the first was taken) changes nothing.
  if (!isRunning(state.mode) || !step || state.mode.inFlight !== undefined || state.mode.stopRequested) return state;
  return { ...state, current: index, scroll: 0, mode: { ...state.mode, inFlight: step.id } };
}

function stepFinished(state: UiState, result: StepResult): UiState {
  const outcome: StepOutcome = {
    status: result.status,
    durationMs: result.durationMs,
    exitCode: result.exitCode,
    assertions: result.assertions,
    ...(result.reason === undefined ? {} : { reason: result.reason }),
    ...(result.warning === undefined ? {} : { warning: result.warning }),
  };
  const outcomes = { ...state.outcomes, [result.step.id]: outcome };
  const mode = state.mode;
  if (!isRunning(mode) || mode.inFlight !== result.step.id) return { ...state, outcomes };
  const index = state.current;
  const failed = result.status === "failed" || result.status === "timedOut";
  if (mode.stopRequested) {
    const text = `Stopped: ${describeStep(result.step)}${failed ? ` (${result.reason ?? result.status})` : ""}.`;
    return { ...state, outcomes, current: failed ? index : index + 1, mode: { kind: "browse" }, message: info(text) };
  }
  if (failed && mode.kind !== "replaying") {
    const what = result.assertions.some((a) => !a.passed)
      ? "Not the output the slide expects: see the diff"
      : `${describeStep(result.step)}: ${result.reason ?? result.status}`;
    return { ...state, outcomes, mode: { kind: "browse" }, message: { tone: "error", text: `✗ ${what}. r retry · s skip · t shell` } };
  }
  let current = index + 1;
  if (mode.kind === "replaying") while (current < mode.end && state.steps[current]?.kind === "manual") current++;
  if (current < mode.end && current < state.steps.length) return { ...state, outcomes, current, mode: { ...mode, inFlight: undefined } };
  const done: UiState = { ...state, outcomes, mode: { kind: "browse" }, message: finishedMessage(state, mode, outcomes) };
  // Done with a unit: on to what follows it, a slide to read included.
  if (mode.kind === "running") return placeAt(done, position(state) + 1);
  return { ...done, current: Math.min(current, state.steps.length) };
}

function finishedMessage(state: UiState, mode: RunMode, outcomes: Readonly<Record<string, StepOutcome>>): Message {
  if (mode.kind === "replaying") {
    const replayed = state.steps.slice(0, mode.end).filter((s) => s.kind !== "manual");
    const failed = replayed.filter((s) => ["failed", "timedOut"].includes(outcomes[s.id]?.status ?? "")).length;
    return failed > 0
      ? { tone: "error", text: `Replayed ${replayed.length} earlier steps: ${failed} failed. Resumed here.` }
      : { tone: "success", text: `Replayed ${replayed.length} earlier steps. Resumed here.` };
  }
  if (state.current + 1 >= state.steps.length) return { tone: "success", text: "✓ That was the last step of the deck." };
  return { tone: "success", text: mode.kind === "continuing" ? "✓ Every step passed." : "✓ Done. Enter runs the next step." };
}
