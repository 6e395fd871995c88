/** Reading JSON reports back (for `merge-reports` and `--durations`): validated, never trusted. */
import { z } from "zod";
import { STEP_KINDS } from "../graph/step.js";
import type { StepResult } from "../run/result.js";
import type { JsonReport, JsonStep } from "./json-reporter.js";

const Status = z.enum(["passed", "failed", "skipped", "timedOut", "interrupted"]);

// Loose objects: fields a newer labrun adds (attempts, flaky, ...) pass through a merge untouched.
const JsonStepSchema = z.looseObject({
  id: z.string(),
  kind: z.enum(STEP_KINDS),
  text: z.string(),
  file: z.string(),
  line: z.number(),
  slide: z.number(),
  title: z.string(),
  chapter: z.string(),
  status: Status,
  exitCode: z.number().nullable(),
  durationMs: z.number(),
  output: z.string(),
  assertions: z.array(z.looseObject({ expected: z.string(), actual: z.string(), passed: z.boolean() })),
  reason: z.string().optional(),
  strict: z.boolean().optional(),
  strictReason: z.string().optional(),
  warning: z.string().optional(),
  catchUp: z.literal(true).optional(),
  shard: z.number().optional(),
});

const JsonReportSchema = z.looseObject({
  deck: z.object({ title: z.string(), source: z.string() }).optional(),
  shard: z.object({ index: z.number().int().positive(), total: z.number().int().positive() }).optional(),
  shards: z.number().optional(),
  note: z.string().optional(),
  signal: z.enum(["SIGINT", "SIGTERM", "SIGHUP"]).optional(),
  steps: z.array(JsonStepSchema),
  summary: z.looseObject({
    passed: z.number(),
    failed: z.number(),
    skipped: z.number(),
    timedOut: z.number(),
    interrupted: z.number(),
    warnings: z.number(),
    durationMs: z.number(),
  }),
});

/** A JSON report's text, checked: the report, or why it is not one (one line, with where). */
export function parseJsonReport(text: string): { report: JsonReport } | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON (${(e as Error).message.split("\n")[0]})` };
  }
  const parsed = JsonReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join(".") : "the report";
    return { error: `not a labrun JSON report (${where}: ${issue.message})` };
  }
  return { report: parsed.data as JsonReport };
}

/** Each step's duration (ms, by id) in a report: what `--durations` balances shards with. Replays are not counted. */
export function reportDurations(report: JsonReport): Map<string, number> {
  return new Map(report.steps.filter((s) => !s.catchUp && s.status !== "skipped").map((s) => [s.id, s.durationMs]));
}

/**
 * A report's steps as results again, for the reporters that build from results (JUnit): the
 * neutral record and a live run share one path. The step has what a report keeps of it.
 */
export function resultsOfReport(report: JsonReport): StepResult[] {
  return report.steps.map(resultOfStep);
}

export function resultOfStep(s: JsonStep): StepResult {
  const { id, kind, text, file, line, slide, title, chapter, strict, strictReason, status, exitCode, durationMs, output, assertions, reason, warning, catchUp: _c, shard: _s, ...more } = s;
  const step = { id, kind, text, file, line, column: 1, slide, title, chapter, hidden: false, classes: [], dependsOn: [], defines: [], uses: [], ...(strict !== undefined ? { strict } : {}), ...(strictReason !== undefined ? { strictReason } : {}) };
  return { ...more, step, status, exitCode, durationMs, output, assertions, ...(reason !== undefined ? { reason } : {}), ...(warning !== undefined ? { warning } : {}) };
}
