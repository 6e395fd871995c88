import type { StepKind } from "../graph/step.js";
import type { Reporter, RunSummary, StepResult, StepStatus } from "../run/result.js";
import type { StopSignal } from "../run/signals.js";
import { ownSummary } from "./own-results.js";
import { writeFileAtomic } from "./write-file.js";

/** The shape of the JSON report: other tools read it, so its keys stay as they are. */
export interface JsonReport {
  /** The deck that ran: `merge-reports` checks that shards come from one deck. */
  readonly deck?: JsonDeck;
  /** `--shard I/N`: this report holds that part of the course (its catch-up steps marked `catchUp`). */
  readonly shard?: JsonShard;
  /** A merged report: how many shards it was merged from. */
  readonly shards?: number;
  /** Why the report has no steps, when a shard or the deck had none. */
  readonly note?: string;
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
  /** Replayed before a shard's own steps to bring the node to the state they assume: not a result of this shard. */
  readonly catchUp?: true;
  /** In a merged report: the shard (1-based) that ran the step. */
  readonly shard?: number;
}

/** One earlier try of a retried step: the step's own verdict fields, as that try left them. */
export type JsonAttempt = Pick<JsonStep, "status" | "exitCode" | "durationMs" | "output" | "assertions" | "reason">;

export interface JsonDeck {
  readonly title: string;
  readonly source: string;
}

export interface JsonShard {
  readonly index: number;
  readonly total: number;
}

/** What a run knows about itself besides its results. */
export interface JsonReportContext {
  readonly deck?: JsonDeck;
  readonly shard?: JsonShard;
  /** Ids of the steps replayed first (a shard's catch-up): marked, and left out of the summary. */
  readonly catchUp?: ReadonlySet<string>;
  readonly note?: string;
}

export interface JsonAssertion {
  readonly expected: string;
  readonly actual: string;
  readonly passed: boolean;
}

/** Writes the whole run as one JSON file when it ends. */
export class JsonReporter implements Reporter {
  constructor(
    private readonly file: string,
    private readonly context: JsonReportContext = {},
  ) {}

  async onRunEnd(results: readonly StepResult[], summary: RunSummary): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(toJsonReport(results, summary, this.context), null, 2) + "\n");
  }
}

export function toJsonReport(results: readonly StepResult[], fullSummary: RunSummary, context: JsonReportContext = {}): JsonReport {
  const catchUp = context.catchUp ?? new Set<string>();
  const summary = ownSummary(results, fullSummary, catchUp);
  return {
    ...(context.deck ? { deck: context.deck } : {}),
    ...(context.shard ? { shard: { index: context.shard.index, total: context.shard.total } } : {}),
    ...(context.note ? { note: context.note } : {}),
    ...(summary.signal ? { signal: summary.signal } : {}),
    steps: results.map((r) => (catchUp.has(r.step.id) ? { ...toJsonStep(r), catchUp: true as const } : toJsonStep(r))),
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
