import type { Step } from "../graph/step.js";
import type { PlannedDeck } from "../index.js";
import { DeckError } from "../problem.js";
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

/** `--only`: step ids, slide numbers or slide titles (case-insensitive). No selector: every step. */
export function selectSteps(planned: PlannedDeck, only: readonly string[]): Step[] {
  const steps = planned.graph.steps;
  if (only.length === 0) return [...steps];
  const picked = new Set<string>();
  for (const sel of only) {
    const matches = steps.filter((s) => s.id === sel || String(s.slide) === sel || s.title.toLowerCase() === sel.toLowerCase());
    if (matches.length === 0) throw new DeckError(planned.deck.source, `--only ${sel}: no step id, slide number or slide title matches`);
    for (const m of matches) picked.add(m.id);
  }
  return steps.filter((s) => picked.has(s.id));
}
