import type { StepKind } from "../graph/step.js";
import type { Reporter, RunSummary, StepResult, StepStatus } from "../run/result.js";
import type { StopSignal } from "../run/signals.js";
import { writeFileAtomic } from "./write-file.js";

/** The shape of the JSON report: other tools read it, so its keys stay as they are. */
export interface JsonReport {
  /** The signal that stopped the run (SIGINT, SIGTERM, SIGHUP), only when one did. */
  readonly signal?: StopSignal;
  readonly steps: readonly JsonStep[];
  readonly summary: Omit<RunSummary, "signal">;
}

export interface JsonStep {
  readonly id: string;
  readonly kind: StepKind;
  readonly text: string;
  readonly file: string;
  readonly line: number;
  /** Where the step is in the course: its slide (1-based across the deck), the slide's title, its chapter. */
  readonly slide: number;
  readonly title: string;
  readonly chapter: string;
  readonly status: StepStatus;
  readonly exitCode: number | null;
  readonly durationMs: number;
  readonly output: string;
  readonly assertions: readonly JsonAssertion[];
  /** Only when the runner gave one. */
  readonly reason?: string;
  /** Expect steps: a loose expectation only warns. */
  readonly strict?: boolean;
  readonly strictReason?: string;
  /** A loose expectation that did not match (the step passed). */
  readonly warning?: string;
  /** With --retries: how many times the step was tried (the fields above are the last try's). */
  readonly attempts?: number;
  /** With --retries: it failed, then passed on a retry. */
  readonly flaky?: true;
  /** With --retries: the tries before the last one, oldest first. */
  readonly earlierAttempts?: readonly JsonAttempt[];
  /** With --retries: why a failed step was not tried again. */
  readonly notRetried?: string;
}

/** One earlier try of a retried step. */
export interface JsonAttempt {
  readonly status: StepStatus;
  readonly exitCode: number | null;
  readonly durationMs: number;
  readonly output: string;
  readonly assertions: readonly JsonAssertion[];
  readonly reason?: string;
}

export interface JsonAssertion {
  readonly expected: string;
  readonly actual: string;
  readonly passed: boolean;
}

/** Writes the whole run as one JSON file when it ends. */
export class JsonReporter implements Reporter {
  constructor(private readonly file: string) {}

  async onRunEnd(results: readonly StepResult[], summary: RunSummary): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(toJsonReport(results, summary), null, 2) + "\n");
  }
}

export function toJsonReport(results: readonly StepResult[], summary: RunSummary): JsonReport {
  return {
    ...(summary.signal ? { signal: summary.signal } : {}),
    steps: results.map(toJsonStep),
    summary: {
      passed: summary.passed,
      failed: summary.failed,
      skipped: summary.skipped,
      timedOut: summary.timedOut,
      interrupted: summary.interrupted,
      warnings: summary.warnings,
      ...(summary.flaky ? { flaky: summary.flaky } : {}),
      durationMs: summary.durationMs,
    },
  };
}

function toJsonStep(result: StepResult): JsonStep {
  const { step } = result;
  return {
    id: step.id,
    kind: step.kind,
    text: step.text,
    file: step.file,
    line: step.line,
    slide: step.slide,
    title: step.title,
    chapter: step.chapter,
    status: result.status,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    output: result.output,
    assertions: result.assertions.map(toJsonAssertion),
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    ...(step.kind === "expect" ? { strict: step.strict ?? true, strictReason: step.strictReason ?? "" } : {}),
    ...(result.warning !== undefined ? { warning: result.warning } : {}),
    ...(result.attempts !== undefined ? { attempts: result.attempts } : {}),
    ...(result.flaky ? { flaky: true as const } : {}),
    ...(result.earlierAttempts
      ? {
          earlierAttempts: result.earlierAttempts.map((a) => ({
            status: a.status,
            exitCode: a.exitCode,
            durationMs: a.durationMs,
            output: a.output,
            assertions: a.assertions.map(toJsonAssertion),
            ...(a.reason !== undefined ? { reason: a.reason } : {}),
          })),
        }
      : {}),
    ...(result.notRetried !== undefined ? { notRetried: result.notRetried } : {}),
  };
}

function toJsonAssertion({ expected, actual, passed }: JsonAssertion): JsonAssertion {
  return { expected, actual, passed };
}
