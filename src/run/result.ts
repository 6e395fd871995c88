import type { Step } from "../graph/step.js";

import type { StopSignal } from "./signals.js";

/** `interrupted`: the step was running when labrun got SIGINT, SIGTERM or SIGHUP, and was stopped. */
export type StepStatus = "passed" | "failed" | "skipped" | "timedOut" | "interrupted";

export interface Assertion {
  readonly expected: string;
  readonly actual: string;
  readonly passed: boolean;
  /** A readable diff of expected and actual, when it failed. */
  readonly diff?: string;
}

export interface StepResult {
  readonly step: Step;
  readonly status: StepStatus;
  readonly exitCode: number | null;
  readonly durationMs: number;
  /** What the command printed (ANSI stripped, masked). */
  readonly output: string;
  readonly assertions: readonly Assertion[];
  /** Why it was skipped or failed, in words. */
  readonly reason?: string;
  /** The step passed, with this warning: a loose expectation that did not match, a transcript's line-like wait that saw no such line. */
  readonly warning?: string;
  /** With --retries: how many times the step was tried (the result is the last try's; durationMs covers them all). */
  readonly attempts?: number;
  /** With --retries: it failed, then passed on a retry. */
  readonly flaky?: true;
  /** With --retries: the tries before the last one, oldest first (each failed or timed out). */
  readonly earlierAttempts?: readonly AttemptResult[];
  /** With --retries: why a step that failed was not tried again (`changes the node (kubectl apply -f x.yaml)`). */
  readonly notRetried?: string;
}

/** One try of a step that was tried more than once: what it printed and why it failed. */
export type AttemptResult = Pick<StepResult, "status" | "exitCode" | "durationMs" | "output" | "assertions" | "reason">;

export interface RunSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly timedOut: number;
  readonly interrupted: number;
  /** Steps that passed with a warning (loose expectations that did not match). */
  readonly warnings: number;
  /** Steps that failed, then passed on a retry (--retries); only when there are some. */
  readonly flaky?: number;
  readonly durationMs: number;
  /** The signal that stopped the run, when one did (its running step is interrupted, the rest skipped). */
  readonly signal?: StopSignal;
}

/** One lifecycle, many listeners: the runner never formats output itself. */
export interface Reporter {
  onRunStart?(steps: readonly Step[]): void;
  onStepStart?(step: Step): void;
  onStepResult?(result: StepResult): void;
  /** Raw terminal output of a session (masked), for recordings and live panes. */
  onOutput?(chunk: string, atMs: number): void;
  onRunEnd?(results: readonly StepResult[], summary: RunSummary): void | Promise<void>;
}
