/**
 * `--retries N`: a step that failed or timed out is tried again, when trying again cannot change
 * the node twice. Which steps may be retried, and how a retry prepares, is the runner's business
 * (it knows the commands and their shells); this is the loop and the record of the tries.
 */
import { COMMAND_KINDS, type Step } from "../graph/step.js";
import type { AttemptResult, StepResult } from "./result.js";

export interface RetryOptions {
  /** How many times a failed step may be tried again (0: never). */
  readonly retries: number;
  /**
   * Command steps that change the cluster or the node, with the command that does
   * (graph/from.ts `nodeChanges`, from the deck's mutating patterns): never run twice.
   */
  readonly nodeChanges: ReadonlyMap<string, string>;
  /** The pause before the first retry, then twice as long each time, at most RETRY_PAUSE_MAX_MS. Default 1 s. */
  readonly pauseMs?: number;
}

export const RETRY_PAUSE_MS = 1_000;
export const RETRY_PAUSE_MAX_MS = 10_000;

/** What the loop asks of the runner. */
export interface Tries {
  /** Runs the step once (`again` on a retry: the runner first prepares the shell); never throws. */
  run(again: boolean): Promise<StepResult>;
  /** Why this failed try is not tried again, or undefined to try again. */
  whyNot(result: StepResult): string | undefined;
  /** Waits before a retry; resolves with a reason when the run cannot go on (a signal, its time limit). */
  pause(ms: number): Promise<string | undefined>;
}

/**
 * Runs a step until it passes or has been tried `1 + retries` times. The result is the last
 * try's, with `attempts`, the earlier tries, `flaky` when a retry passed, and `notRetried` when a
 * failure could not be tried again; its duration covers every try and the pauses between them.
 */
export async function withRetries(options: Pick<RetryOptions, "retries" | "pauseMs">, tries: Tries): Promise<StepResult> {
  const start = Date.now();
  const earlier: StepResult[] = [];
  let result = await tries.run(false);
  let notRetried: string | undefined;
  while ((result.status === "failed" || result.status === "timedOut") && earlier.length < options.retries) {
    notRetried = tries.whyNot(result) ?? (await tries.pause(retryPause(earlier.length + 1, options.pauseMs)));
    if (notRetried !== undefined) break;
    earlier.push(result);
    result = await tries.run(true);
  }
  if (result.status === "skipped") return result;
  return {
    ...result,
    durationMs: Date.now() - start,
    attempts: earlier.length + 1,
    ...(earlier.length > 0 ? { earlierAttempts: earlier.map(attemptOf) } : {}),
    ...(earlier.length > 0 && result.status === "passed" ? { flaky: true as const } : {}),
    ...(notRetried !== undefined ? { notRetried } : {}),
  };
}

/**
 * Why a step that failed is not tried again (undefined: it is). A command is run again only when
 * it does not change the node; a wait, check or expectation judges again the command it acts on
 * (`target`) while that still runs, else after running it again, under the same rule (and, for a
 * command the steps between drove with keys, only for a wait, the step that watches it start:
 * its keys come after); an `open` requests again. Keys and pastes type into a program, a copy reads the screen as it is, a tmux
 * step changes the panes: none is retried.
 */
export function whyNotRetried(
  step: Step,
  target: { readonly id: string; readonly running: boolean; readonly driven: boolean } | undefined,
  options: { readonly nodeChanges: ReadonlyMap<string, string>; readonly replaced?: ReadonlyMap<string, string> },
): string | undefined {
  const runAgain = (id: string): string | undefined => {
    if (options.replaced?.has(id)) return "comes from the catch-up profile";
    const change = options.nodeChanges.get(id);
    return change === undefined ? undefined : `changes the node (${change})`;
  };
  if (COMMAND_KINDS.has(step.kind)) return runAgain(step.id);
  switch (step.kind) {
    case "wait":
    case "longwait":
    case "check":
    case "expect": {
      if (!target) return "no command before it ran";
      if (target.running) return undefined;
      if (target.driven && step.kind !== "wait" && step.kind !== "longwait") return "the command it checks was driven by keys, which are not typed again";
      const why = runAgain(target.id);
      return why && `the command it checks ${why}`;
    }
    case "open":
      return undefined;
    case "copy":
      return "it copies what the screen shows";
    case "tmux":
      return "it changes the panes";
    default:
      return "it types into a program";
  }
}

/** The pause before retry `n` (1-based): the base, doubled each time, capped. */
export function retryPause(n: number, baseMs = RETRY_PAUSE_MS): number {
  return Math.min(baseMs * 2 ** (n - 1), Math.max(baseMs, RETRY_PAUSE_MAX_MS));
}

function attemptOf(result: StepResult): AttemptResult {
  return {
    status: result.status,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    output: result.output,
    assertions: result.assertions,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
  };
}
