/** A step's execution raced against the run's abort signal (SIGINT, SIGTERM, SIGHUP: run-deck.ts). */
import type { StepResult, StepStatus } from "./result.js";
import { isStopSignal } from "./signals.js";
import { withTimeout } from "./with-timeout.js";

type Verdict = Partial<StepResult> & { status: StepStatus };

/** After a step was stopped for an interrupt, how long it may take to return what it saw. */
const INTERRUPTED_STEP_GRACE_MS = 1_000;

/**
 * The step's own verdict, unless `signal` aborts first: then `stop` stops what runs (^C, then
 * its process group killed) and the step is `interrupted`, with what it printed so far.
 */
export async function interruptible(execution: Promise<Verdict>, signal: AbortSignal | undefined, stop: () => Promise<void>): Promise<Verdict> {
  if (!signal) return execution;
  let onAbort = (): void => {};
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => resolve("aborted");
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const first = await Promise.race([execution, aborted]);
    if (first !== "aborted") return first;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  await stop();
  const seen = await withTimeout(execution.catch(() => undefined), INTERRUPTED_STEP_GRACE_MS);
  const reason: unknown = signal.reason;
  return {
    ...(seen?.output !== undefined ? { output: seen.output } : {}),
    ...(seen?.exitCode !== undefined ? { exitCode: seen.exitCode } : {}),
    status: "interrupted",
    reason: isStopSignal(reason) ? `interrupted by ${reason}` : "interrupted",
  };
}
