/**
 * `labrun merge-reports`: the shards' JSON reports made one, as an unsharded run would have
 * written it. Pure: reports in, a report (or the one reason there is none) out.
 */
import type { RunSummary } from "../run/result.js";
import { summarize } from "../run/summary.js";
import { resultOfStep } from "./json-report-read.js";
import type { JsonReport, JsonStep } from "./json-reporter.js";

export interface ShardReport {
  /** Where it was read from: what errors name. */
  readonly file: string;
  readonly report: JsonReport;
}

export type MergeOutcome =
  | {
      readonly report: JsonReport;
      /** Shards whose catch-up failed, in words: their own steps never ran, which the merged report cannot hide. */
      readonly warnings: readonly string[];
    }
  | { readonly error: string };

export function mergeReports(inputs: readonly ShardReport[]): MergeOutcome {
  if (inputs.length === 0) return { error: "no reports to merge" };
  const first = inputs[0]!;
  // A report of an unsharded run is the one shard of one.
  const shardOf = (r: ShardReport) => r.report.shard ?? { index: 1, total: 1 };
  const total = shardOf(first).total;
  const deck = first.report.deck;
  const byIndex = new Map<number, ShardReport>();
  for (const input of inputs) {
    const { index, total: t } = shardOf(input);
    if (t !== total) return { error: `${input.file}: shard ${index}/${t}, but ${first.file} is shard ${shardOf(first).index}/${total}: reports of different runs` };
    const d = input.report.deck;
    if (deck && d && (d.title !== deck.title || d.source !== deck.source)) {
      return { error: `${input.file}: deck "${d.title}" (${d.source}), but ${first.file} ran "${deck.title}" (${deck.source})` };
    }
    if (index > total) return { error: `${input.file}: shard ${index}/${total} is not a shard of ${total}` };
    const twin = byIndex.get(index);
    if (twin) return { error: `shard ${index}/${total} given twice: ${twin.file} and ${input.file}` };
    byIndex.set(index, input);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    const given = [...byIndex.keys()].sort((a, b) => a - b).map((i) => `${i}/${total}`);
    return { error: `shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${total}`).join(", ")} missing (given: ${given.join(", ")})` };
  }

  const steps: JsonStep[] = [];
  const ranBy = new Map<string, number>();
  const warnings: string[] = [];
  let signal: JsonReport["signal"];
  // Shards are contiguous parts of the course: in shard order, their own steps are in deck order.
  for (let index = 1; index <= total; index++) {
    const { file, report } = byIndex.get(index)!;
    signal ??= report.signal;
    const failed = report.steps.find((s) => s.catchUp && (s.status === "failed" || s.status === "timedOut" || s.status === "interrupted"));
    if (failed) warnings.push(`${file}: shard ${index}/${total}: its catch-up failed at ${failed.file}:${failed.line}, so its own steps did not run`);
    for (const step of report.steps) {
      if (step.catchUp) continue;
      const other = ranBy.get(step.id);
      if (other !== undefined) return { error: `${file}: step ${step.id} (${step.file}:${step.line}) was run by shard ${other}/${total} too: shards of different splits` };
      ranBy.set(step.id, index);
      steps.push({ ...step, shard: index });
    }
  }
  return {
    report: {
      ...(deck ? { deck } : {}),
      shards: total,
      ...(signal ? { signal } : {}),
      steps,
      summary: summaryOf(steps),
    },
    warnings,
  };
}

/** Counts as an unsharded run gives them; the time is the steps' (the shards' wall clocks overlapped). */
function summaryOf(steps: readonly JsonStep[]): Omit<RunSummary, "signal"> {
  const { signal: _, ...summary } = summarize(steps.map(resultOfStep));
  return summary;
}
