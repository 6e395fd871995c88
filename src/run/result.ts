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
  /** A loose expectation that did not match: the step passed, with this warning. */
  readonly warning?: string;
}

export interface RunSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly timedOut: number;
  readonly interrupted: number;
  /** Steps that passed with a warning (loose expectations that did not match). */
  readonly warnings: number;
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
