import type { Step } from "../graph/step.js";
import { Runner, type RunOptions, type RunOutcome } from "./runner.js";
import { closeAllSessionsSync } from "./session.js";

export type RunDeckOptions = RunOptions;

/**
 * Runs steps with every session closed however the process ends: SIGINT and SIGTERM stop the run
 * and kill what it started before labrun exits.
 */
export async function runDeck(steps: readonly Step[], options: RunDeckOptions): Promise<RunOutcome> {
  const onSignal = (signal: NodeJS.Signals) => {
    closeAllSessionsSync();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  const onExit = () => closeAllSessionsSync();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("SIGHUP", onSignal);
  process.once("exit", onExit);
  try {
    return await new Runner(options).run(steps);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onSignal);
    process.off("exit", onExit);
  }
}
