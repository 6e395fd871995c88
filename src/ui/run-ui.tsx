/** The attendee's terminal UI: `labrun DECK`. */
import { resolve } from "node:path";
import { render } from "ink";
import type { Step } from "../graph/step.js";
import { planDeck } from "../plan/plan-deck.js";
import type { PlannedDeck } from "../graph/planned-deck.js";
import { formatProblem, limitErrors, refusalLine, structuralErrors } from "../problem.js";
import { missingPrograms } from "../run/preflight.js";
import type { Reporter } from "../run/result.js";
import { Masker } from "../run/masker.js";
import { Runner, type RunOptions } from "../run/runner.js";
import { App } from "./components/App.js";
import { footerHints, layoutHints } from "./keymap.js";
import { computeLayout } from "./layout.js";
import { PaneTerminal } from "./pane-terminal.js";
import { defaultStateDir, ProgressStore } from "./progress-store.js";
import { initialState, type Message, type SavedPosition, type SlideInfo } from "./state.js";
import { guardTerminal, type TerminalGuard } from "./terminal-guard.js";
import type { ProgressSink } from "./hooks/use-controller.js";
import { textWidth } from "./text.js";

export interface UiOptions {
  /** The deck path as given. */
  readonly source: string;
  /** From planDeck. */
  readonly planned: PlannedDeck;
  /** The steps to offer (already filtered). */
  readonly steps: readonly Step[];
  /** env, cwd, mask, stepTimeoutMs, skip, replace: passed to the Runner. */
  readonly runOptions: RunOptions;
  /** --restart: ignore saved progress. */
  readonly restart?: boolean;
  /** `--from`: how many of `steps`, at the start, are replayed without stopping before the target. */
  readonly replayFirst?: number;
  /** Where progress files go; default $LABRUN_STATE_DIR, $XDG_STATE_HOME/labrun or ~/.local/state/labrun. */
  readonly stateDir?: string;
  /** slides/tour.md, offered when the deck calls programs this machine lacks. */
  readonly tourDeck?: string;
  /** --force: start even when the deck has structural errors (unclosed fence, comment, macro...). */
  readonly force?: boolean;
  /** --ssh: the programs missing on the host, found before the UI started (no tour is offered: the host is the attendee's node). */
  readonly remoteMissing?: readonly string[];
}

/** Runs the UI until the attendee quits; returns the exit code (0 on a normal quit). */
export async function runUi(options: UiOptions): Promise<number> {
  const { stdin, stdout, stderr } = process;
  // A broken deck is refused first, terminal or not: nothing of it starts.
  const broken = structuralErrors(options.planned.parsed.problems);
  if (broken.length > 0 && (!options.force || limitErrors(broken).length > 0)) {
    const masker = new Masker(options.runOptions.mask ?? []);
    for (const p of broken) stderr.write(masker.mask(formatProblem(p)) + "\n");
    stderr.write(masker.mask(refusalLine(options.source, broken)) + "\n");
    return 2;
  }
  if (!stdin.isTTY || !stdout.isTTY) {
    stderr.write("labrun: the step-by-step UI needs a terminal; use 'labrun run DECK --ci' otherwise\n");
    return 2;
  }
  const guard = guardTerminal({ stdin, stdout, stderr }, { altScreen: true });
  try {
    let deck: DeckToShow = { source: options.source, planned: options.planned, steps: options.steps, runOptions: options.runOptions, restart: options.restart ?? false };
    for (;;) {
      const exit = await showDeck(deck, options, guard);
      if (exit !== "tour" || !options.tourDeck) return 0;
      const planned = await planDeck(options.tourDeck);
      const { env, cwd, mask, stepTimeoutMs } = options.runOptions;
      deck = { source: options.tourDeck, planned, steps: planned.graph.steps, runOptions: { env, cwd, mask, stepTimeoutMs }, restart: false };
    }
  } finally {
    guard.restore();
    guard.dispose();
  }
}

interface DeckToShow {
  readonly source: string;
  readonly planned: PlannedDeck;
  readonly steps: readonly Step[];
  readonly runOptions: RunOptions;
  readonly restart: boolean;
}

async function showDeck(deck: DeckToShow, options: UiOptions, guard: TerminalGuard): Promise<"quit" | "tour"> {
  const store = new ProgressStore(deck.source, options.stateDir ?? defaultStateDir());
  const loaded = deck.restart ? ({ kind: "none" } as const) : store.load();
  const isTour = options.tourDeck !== undefined && resolve(options.tourDeck) === resolve(deck.source);
  const path = deck.runOptions.env?.PATH ?? process.env.PATH ?? "";
  const missing = options.remoteMissing ? [...options.remoteMissing] : [...new Set(missingPrograms(deck.steps, deck.planned.graph.facts, path).map((m) => m.program))];
  const offerTour = missing.length > 0 && options.tourDeck !== undefined && !isTour && !options.remoteMissing;
  const message: Message | undefined =
    loaded.kind === "corrupt"
      ? { tone: "error", text: `Saved progress ignored: ${loaded.message}` }
      : missing.length > 0 && !offerTour
        ? { tone: "error", text: `Programs missing on ${deck.runOptions.ssh ? deck.runOptions.ssh.given : "this machine"}: ${missing.join(", ")}; their steps will fail.` }
        : undefined;
  const cols = process.stdout.columns || 80;
  const rows = process.stdout.rows || 24;
  const { output } = computeLayout(cols, rows, { takeover: false, expectations: false, footerLines: layoutHints(footerHints("browse"), cols, textWidth).length });
  // The runner starts no shell before its first step: nothing is written before the pane exists.
  const toPane: Reporter = { onOutput: (chunk) => pane.write(chunk) };
  const runner = new Runner({ ...deck.runOptions, cols: output.width, rows: output.height, reporters: [toPane] });
  const pane = new PaneTerminal(output.width, output.height, undefined, runner.view.active ? (rows, wrapped) => runner.view.rows(rows, wrapped) : undefined);
  const mask = (text: string): string => runner.view.text(text);
  const initial = initialState({
    // Everything shown, and the ids saved with the progress, goes through the run's masked view.
    steps: runner.view.steps(deck.steps),
    slides: deck.planned.parsed.slides.map((s): SlideInfo => ({ number: s.number, title: mask(s.title), chapter: mask(s.chapter), markdown: mask(s.markdown) })),
    ...(loaded.kind === "found" ? { saved: loaded.position } : {}),
    missing: offerTour ? missing : [],
    ...(message ? { message } : {}),
    ...(isTour ? {} : { replayFirst: options.replayFirst ?? 0 }),
  });

  // A signal (SIGTERM, SIGHUP, an outside SIGINT) marks the running step interrupted in the
  // saved progress, and the attendee resumes at it.
  let saved: SavedPosition | undefined;
  let inFlight: string | undefined;
  const sink: ProgressSink = {
    save(position) {
      saved = position;
      return store.save(position);
    },
    running(stepId) {
      inFlight = stepId;
    },
  };
  guard.onStop(() => {
    if (saved && inFlight !== undefined) store.save({ current: inFlight, statuses: { ...saved.statuses, [inFlight]: "interrupted" } });
  });
  let exit: "quit" | "tour" = "quit";
  const noColor = (process.env.NO_COLOR ?? "") !== "";
  const instance = render(
    <App
      initial={initial}
      deckTitle={mask(deck.planned.deck.title)}
      runner={runner}
      pane={pane}
      store={sink}
      color={!noColor}
      {...(offerTour ? { tourDeck: options.tourDeck } : {})}
      onExit={(how) => (exit = how)}
    />,
    { exitOnCtrlC: false, patchConsole: false, incrementalRendering: false },
  );
  guard.track(() => instance.unmount());
  try {
    await instance.waitUntilExit();
  } finally {
    guard.track(undefined);
    guard.onStop(undefined);
    await runner.close();
    pane.dispose();
  }
  return exit;
}
