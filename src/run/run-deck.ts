import type { Step } from "../graph/step.js";
import { Runner, type RunOptions, type RunOutcome } from "./runner.js";
import { closeAllSessionsSync } from "./session.js";
import { isStopSignal, releaseTerminalAfterHangup, STOP_SIGNALS, type StopSignal } from "./signals.js";

export type RunDeckOptions = RunOptions;

export interface RunDeckOutcome extends RunOutcome {
  /** The signal labrun got during the run, if it got one: it exits with STOP_SIGNALS[signal]. */
  readonly signal?: StopSignal;
}

/** After the first signal, how long the run may take to stop its step and write its reports. */
const FINISH_LIMIT_MS = 15_000;

/**
 * Runs steps with every session closed however the process ends. The first SIGINT, SIGTERM or
 * SIGHUP stops the running step (reported `interrupted`, the rest skipped) and lets every
 * reporter finish; a second one, or a finish that takes longer than FINISH_LIMIT_MS, kills what
 * the run started and exits at once (130, 143, 129).
 */
export async function runDeck(steps: readonly Step[], options: RunDeckOptions): Promise<RunDeckOutcome> {
  const controller = new AbortController();
  let stopping: StopSignal | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  const exitNow = (signal: StopSignal) => {
    closeAllSessionsSync();
    if (signal === "SIGHUP") releaseTerminalAfterHangup();
    process.exit(STOP_SIGNALS[signal]);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (!isStopSignal(signal)) return;
    if (stopping) return exitNow(stopping);
    stopping = signal;
    const first = signal;
    watchdog = setTimeout(() => exitNow(first), FINISH_LIMIT_MS);
    watchdog.unref();
    controller.abort(signal);
  };
  const onExit = () => closeAllSessionsSync();
  for (const signal of Object.keys(STOP_SIGNALS)) process.on(signal, onSignal);
  process.once("exit", onExit);
  try {
    const signal = options.signal ? AbortSignal.any([controller.signal, options.signal]) : controller.signal;
    const outcome = await new Runner({ ...options, signal }).run(steps);
    return { ...outcome, ...(stopping ? { signal: stopping } : {}) };
  } finally {
    clearTimeout(watchdog);
    for (const signal of Object.keys(STOP_SIGNALS)) process.off(signal, onSignal);
    process.off("exit", onExit);
  }
}
