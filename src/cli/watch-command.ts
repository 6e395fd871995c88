/** `labrun watch DECK`: the authors' loop. Each save re-plans and runs the slides whose steps changed, in one live shell. */
import { createInterface } from "node:readline";
import { visible } from "../visible.js";
import { planDeck, type PlanDeckOptions } from "../plan/plan-deck.js";
import { DeckError, formatProblem, structuralErrors } from "../problem.js";
import { DeckWatcher, watchedFiles } from "../deck/deck-watcher.js";
import { DEFAULT_MUTATING } from "../graph/from.js";
import type { PlannedDeck } from "../graph/planned-deck.js";
import { changedSlides, planRound, type SlideRun } from "../graph/watch-plan.js";
import { EXIT, type Io, maskValues, onlyDeck, parse, parseEnv, seconds } from "./args.js";

const WATCH_HELP = `labrun watch DECK [options]: run what you edit, as you save it

Starts one shell and runs nothing until a file of the deck is saved (its Markdown files, its
manifest, labrun.yml, the files it @@INCLUDEs). Then it plans the deck again and runs each slide
whose steps changed, first catching up with the earlier steps it needs (as --from does) that this
shell has not run yet, one line per step as --ci prints them. A save that breaks the deck prints
its problem and changes nothing; saves during a run are taken when it ends.
Press q (or type q and Enter when stdin is not a terminal) or ^C to stop: the shell and what it
started are ended.

  --env KEY=VALUE      set a variable in the shell (repeatable)
  --cwd DIR            the shell's starting directory
  --step-timeout S     per step (default 60; longwait: ten times this)
  --strict-expectations
                       every expected output that does not match fails its step
  --mask VAR           VAR's value never appears in the output (repeatable)
  --transcripts        transcript mode, as for run

Exit codes: 0 after q, 2 bad input (the deck cannot be read or has structural errors when
watching starts); 130 after ^C or SIGINT, 143 SIGTERM, 129 SIGHUP.`;

/** Why the loop stops: `q`, ^C, or a signal's name. */
type Quit = { readonly code: number; readonly reason: string };

export async function watchCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    env: { type: "string", multiple: true },
    cwd: { type: "string" },
    "step-timeout": { type: "string" },
    "strict-expectations": { type: "boolean" },
    mask: { type: "string", multiple: true },
    transcripts: { type: "boolean" },
  });
  if (values.help) {
    io.out(WATCH_HELP);
    return EXIT.ok;
  }
  const source = onlyDeck(positionals, "watch");
  const env = parseEnv(values.env ?? []);
  const fullEnv = { ...process.env, ...env } as Record<string, string>;
  const mask = maskValues("watch", values.mask ?? [], fullEnv);
  const { LiveSession } = await import("../run/live-session.js");
  const { STOP_SIGNALS } = await import("../run/signals.js");
  const { closeAllSessionsSync } = await import("../run/session.js");
  const { CiReporter } = await import("../report/ci-reporter.js");
  const { Masker } = await import("../run/masker.js");
  const masker = new Masker(mask);
  // Its lines quote the deck (slide titles): control characters shown, never obeyed.
  const err = (line: string): void => io.err(visible(masker.mask(line)));

  let current = await planDeck(source, { transcripts: values.transcripts });
  const broken = structuralErrors(current.parsed.problems);
  if (broken.length > 0) {
    for (const p of broken) err(formatProblem(p));
    err(`labrun: ${source}: ${broken.length} structural error${broken.length === 1 ? "" : "s"}: fix ${broken.length === 1 ? "it" : "them"} before watching`);
    return EXIT.badInput;
  }
  (await import("../run/containment.js")).containment((line) => io.err(line));
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);

  const controller = new AbortController();
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const session = new LiveSession({
    env,
    cwd: values.cwd,
    stepTimeoutMs: seconds(values["step-timeout"], "--step-timeout") ?? current.deck.config.stepTimeout * 1000,
    prompts: current.deck.config.prompts,
    strictExpectations: values["strict-expectations"] ?? false,
    mask,
    signal: controller.signal,
    reporters: [new CiReporter(process.stdout, { color, mask })],
    cols: 120,
    rows: 40,
  });

  // Wake-ups: a change of the deck's files, or a reason to quit.
  let dirty = false;
  let quit: Quit | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stop = (q: Quit): void => {
    if (quit) {
      // A second ^C or signal while the session closes: end now, its shells killed.
      closeAllSessionsSync();
      process.exit(q.code);
    }
    quit = q;
    controller.abort(q.reason);
    notify();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signal in STOP_SIGNALS) stop({ code: STOP_SIGNALS[signal as keyof typeof STOP_SIGNALS], reason: signal });
  };
  const onExit = (): void => closeAllSessionsSync();
  for (const signal of Object.keys(STOP_SIGNALS)) process.on(signal, onSignal);
  process.once("exit", onExit);
  const keys = listenForQuit((q) => stop(q), STOP_SIGNALS.SIGINT);
  const watcher = new DeckWatcher(watchedFiles(current.deck), () => {
    dirty = true;
    notify();
  });

  try {
    await session.start();
    const files = watchedFiles(current.deck).files.length;
    err(`labrun: watching ${files} file${files === 1 ? "" : "s"} of ${source}: save a slide to run it; q to quit`);
    while (!quit) {
      if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
      if (quit) break;
      dirty = false;
      const next = await replan(source, { transcripts: values.transcripts }, err);
      if (!next) continue;
      watcher.update(watchedFiles(next.deck));
      const changed = changedSlides(current.graph.steps, next.graph.steps);
      current = next;
      if (changed.length === 0) {
        err("labrun: saved: no step changed");
        continue;
      }
      const round = planRound(next.graph.steps, next.graph.facts, changed, session.ran, next.deck.config.mutating ?? DEFAULT_MUTATING);
      await session.run(round, { onSlide: (slide) => err(slideLine(slide)) });
      if (!quit) err("labrun: waiting for changes; q to quit");
    }
  } finally {
    watcher.close();
    keys.close();
    await session.close();
    for (const signal of Object.keys(STOP_SIGNALS)) process.off(signal, onSignal);
    process.off("exit", onExit);
  }
  return quit?.code ?? EXIT.ok;
}

/** The deck planned again, or undefined after printing why it cannot run (one line per problem). */
async function replan(source: string, options: PlanDeckOptions, err: (line: string) => void): Promise<PlannedDeck | undefined> {
  let planned: PlannedDeck;
  try {
    planned = await planDeck(source, options);
  } catch (e) {
    err(`labrun: ${e instanceof DeckError ? e.format() : `${source}: ${e instanceof Error ? e.message : String(e)}`}`);
    err("labrun: not run; waiting for the next save");
    return undefined;
  }
  const broken = structuralErrors(planned.parsed.problems);
  if (broken.length === 0) return planned;
  for (const p of broken) err(formatProblem(p));
  err("labrun: not run; waiting for the next save");
  return undefined;
}

function slideLine(slide: SlideRun): string {
  const catchUp = slide.catchUp.length > 0 ? `, after ${slide.catchUp.length} earlier step${slide.catchUp.length === 1 ? "" : "s"} it needs` : "";
  return `labrun: slide ${slide.slide} "${slide.title}" (${slide.file}) changed: running its ${slide.steps.length} step${slide.steps.length === 1 ? "" : "s"}${catchUp}`;
}

/**
 * `q` (and ^C) from the keyboard: in raw mode when stdin is a terminal, else a line `q`. Closing
 * gives the terminal its mode back and lets the process exit.
 */
function listenForQuit(onQuit: (q: Quit) => void, interruptCode: number): { close(): void } {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    stdin.setRawMode(true);
    const onData = (data: Buffer): void => {
      for (const byte of data) {
        if (byte === 0x71 || byte === 0x51) onQuit({ code: EXIT.ok, reason: "q" });
        else if (byte === 0x03) onQuit({ code: interruptCode, reason: "SIGINT" });
      }
    };
    stdin.on("data", onData);
    stdin.resume();
    return {
      close() {
        stdin.off("data", onData);
        stdin.setRawMode(false);
        stdin.pause();
      },
    };
  }
  const lines = createInterface({ input: stdin, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (line.trim().toLowerCase() === "q") onQuit({ code: EXIT.ok, reason: "q" });
  });
  return {
    close() {
      lines.close();
      stdin.destroy();
    },
  };
}
