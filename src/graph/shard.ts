import type { StepKind, Step } from "./step.js";

/** `--shard I/N`: the I-th of N parts (1-based). */
export interface ShardSpec {
  readonly index: number;
  readonly total: number;
}

/**
 * What a step is expected to take when no earlier report says, in ms: a wait or longwait
 * watches a cluster converge, a command is quick, keys are typed at once, a manual step is shown,
 * never run.
 */
const ESTIMATE_MS: Record<StepKind, number> = {
  bash: 1_000,
  hide: 1_000,
  wait: 5_000,
  longwait: 30_000,
  check: 1_000,
  expect: 200,
  open: 1_000,
  key: 100,
  keys: 100,
  copy: 0,
  paste: 100,
  tmux: 200,
  manual: 0,
};

export function estimateMs(step: Step): number {
  return ESTIMATE_MS[step.kind];
}

/** A step's expected time: its duration in an earlier report (by step id), else the estimate. */
export function expectedMs(step: Step, durations?: ReadonlyMap<string, number>): number {
  return durations?.get(step.id) ?? estimateMs(step);
}

/**
 * Splits steps into `total` contiguous parts, never inside a slide, balanced by expected time.
 * `cost(start)` is what a part starting at slide group `start` pays before its own steps (its
 * catch-up); a part's time is that plus its steps' weights. The split first minimises the longest
 * part (the wall-clock time of the matrix), then, among those, the sum of squares (every part as
 * even as it can be). Parts are empty only when there are fewer slides than parts; empty parts
 * come last.
 */
export function splitShards(steps: readonly Step[], total: number, weight: (step: Step) => number, cost: (firstStep: number) => number = () => 0): Step[][] {
  const groups = slideGroups(steps);
  const g = groups.length;
  const prefix = [0];
  for (const group of groups) prefix.push(prefix.at(-1)! + group.reduce((sum, i) => sum + weight(steps[i]!), 0));
  const catchUp = groups.map((group, k) => (k === 0 ? 0 : cost(group[0]!)));
  const partTime = (from: number, to: number) => (from === to ? 0 : catchUp[from]! + prefix[to]! - prefix[from]!);

  const longest = partition(g, total, partTime, (a, b) => Math.max(a, b), (t) => t);
  // Floating point: a part as long as the optimum, give or take rounding, is allowed.
  const limit = longest * (1 + 1e-9) + 1e-9;
  // An empty part costs more than any split with one part fewer empty: every shard gets slides when there are enough.
  const empty = (prefix[g]! + catchUp.reduce((a, b) => a + b, 0) + 1) ** 2 * (total + 1);
  const cuts = partitionCuts(g, total, partTime, (t, isEmpty) => (isEmpty ? empty : t > limit ? Infinity : t * t));
  const parts: Step[][] = [];
  for (let k = 0; k < total; k++) parts.push(groups.slice(cuts[k], cuts[k + 1]).flatMap((group) => group.map((i) => steps[i]!)));
  return parts;
}

/** Indexes of the steps of each slide, in order (consecutive steps on one slide stay together). */
function slideGroups(steps: readonly Step[]): number[][] {
  const groups: number[][] = [];
  steps.forEach((s, i) => {
    if (i > 0 && steps[i - 1]!.slide === s.slide && steps[i - 1]!.file === s.file) groups.at(-1)!.push(i);
    else groups.push([i]);
  });
  return groups;
}

/** The best value of splitting g groups into n parts, combining part values with `combine`. */
function partition(g: number, n: number, partTime: (a: number, b: number) => number, combine: (a: number, b: number) => number, value: (t: number) => number): number {
  let best = Array.from({ length: g + 1 }, (_, j) => value(partTime(0, j)));
  for (let k = 2; k <= n; k++) {
    const next = new Array<number>(g + 1).fill(Infinity);
    for (let j = 0; j <= g; j++) for (let i = j; i >= 0; i--) next[j] = Math.min(next[j]!, combine(best[i]!, value(partTime(i, j))));
    best = next;
  }
  return best[g]!;
}

/**
 * Where the parts start (group indexes, plus g at the end), minimising the sum of `value` over
 * parts. Ties go to the shorter last part, so that empty parts come last.
 */
function partitionCuts(g: number, n: number, partTime: (a: number, b: number) => number, value: (t: number, empty: boolean) => number): number[] {
  let best = Array.from({ length: g + 1 }, (_, j) => value(partTime(0, j), j === 0));
  const from: number[][] = [];
  for (let k = 2; k <= n; k++) {
    const next = new Array<number>(g + 1).fill(Infinity);
    const choice = new Array<number>(g + 1).fill(0);
    for (let j = 0; j <= g; j++) {
      for (let i = j; i >= 0; i--) {
        const v = best[i]! + value(partTime(i, j), i === j);
        if (v < next[j]!) {
          next[j] = v;
          choice[j] = i;
        }
      }
    }
    from.push(choice);
    best = next;
  }
  const cuts = [g];
  for (let k = n - 2, j = g; k >= 0; k--) {
    j = from[k]![j]!;
    cuts.unshift(j);
  }
  cuts.unshift(0);
  return cuts;
}
