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
    assertions: result.assertions.map(({ expected, actual, passed }) => ({ expected, actual, passed })),
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    ...(step.kind === "expect" ? { strict: step.strict ?? true, strictReason: step.strictReason ?? "" } : {}),
    ...(result.warning !== undefined ? { warning: result.warning } : {}),
  };
}
