import type { RunSummary, StepResult } from "./result.js";
import type { StopSignal } from "./signals.js";

/**
 * Counts the statuses of a run's results. The duration is the one given (wall-clock time,
 * when the runner measured it) or else the sum of the steps' durations; `signal`, the one that
 * stopped the run, if one did.
 */
export function summarize(results: readonly StepResult[], durationMs?: number, signal?: StopSignal): RunSummary {
  const counts = { passed: 0, failed: 0, skipped: 0, timedOut: 0, interrupted: 0 };
  let total = 0;
  let warnings = 0;
  let flaky = 0;
  for (const result of results) {
    counts[result.status] += 1;
    if (result.warning) warnings += 1;
    if (result.flaky) flaky += 1;
    total += result.durationMs;
  }
  return { ...counts, warnings, ...(flaky > 0 ? { flaky } : {}), durationMs: durationMs ?? total, ...(signal ? { signal } : {}) };
}
