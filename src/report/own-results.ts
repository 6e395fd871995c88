import type { RunSummary, StepResult } from "../run/result.js";
import { summarize } from "../run/summary.js";

/**
 * A shard's own results: the steps it replayed first (its catch-up) are not its results, so its
 * summary counts the others. The run's wall-clock time and signal stay the run's.
 */
export function ownSummary(results: readonly StepResult[], summary: RunSummary, catchUp: ReadonlySet<string>): RunSummary {
  if (catchUp.size === 0) return summary;
  return summarize(
    results.filter((r) => !catchUp.has(r.step.id)),
    summary.durationMs,
    summary.signal,
  );
}

/** The first replayed step that failed or timed out: the shard's own steps after it did not run. */
export function failedCatchUp(results: readonly StepResult[], catchUp: ReadonlySet<string>): StepResult | undefined {
  return results.find((r) => catchUp.has(r.step.id) && (r.status === "failed" || r.status === "timedOut" || r.status === "interrupted"));
}
