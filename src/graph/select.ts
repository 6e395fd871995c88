import type { PlannedDeck } from "./planned-deck.js";
import { DeckError } from "../problem.js";
import { applyProfile, type CatchUp } from "./catch-up.js";
import { DEFAULT_MUTATING, findTarget, planFrom, type FromPlan } from "./from.js";
import { expectedMs, splitShards, type ShardSpec } from "./shard.js";
import type { Step } from "./step.js";

export interface Selection {
  /** `--only`: step ids, slide numbers or slide titles. */
  readonly only?: readonly string[];
  /** `--catch-up [PROFILE]`: true for the deck's default profile. */
  readonly catchUp?: string | true;
  /** `--from SLIDE`: a slide number, a slide title, or a step id. */
  readonly from?: string;
  /** `--skip-extra`: skip the steps of `class: extra-details` slides (optional material). */
  readonly skipExtra?: boolean;
  /** `--shard I/N`: only the I-th of N contiguous parts, after the catch-up its first step needs. */
  readonly shard?: ShardSpec;
  /** `--durations REPORT.json`: step durations (ms, by step id) of an earlier run, to balance the shards. */
  readonly durations?: ReadonlyMap<string, number>;
}

/** Which part of the course a `--shard` run takes. */
export interface ShardPlan extends ShardSpec {
  /** This shard's own steps (the replayed ones are `from.catchUp`); empty when there are more shards than slides. */
  readonly steps: readonly Step[];
  /** Slides with steps, in the whole selection: what a shard with no steps can say it had too few of. */
  readonly slides: number;
  /** Expected time of each shard, catch-up included (ms): durations from the report, else estimates. */
  readonly expectedMs: readonly number[];
}

/** The steps a run will go through, and how: what the CLI, the UI and `plan` share. */
export interface SelectedSteps {
  readonly steps: readonly Step[];
  readonly catchUp?: CatchUp;
  readonly from?: FromPlan;
  readonly shard?: ShardPlan;
  /** Ids of the steps replayed before the --from target. */
  readonly replayed: ReadonlySet<string>;
  /** Steps not to run, with the reason: the catch-up profile's and --skip-extra's. */
  readonly skip: ReadonlyMap<string, string>;
}

export function selectSteps(planned: PlannedDeck, selection: Selection): SelectedSteps {
  const all = planned.graph.steps;
  const catchUp = selection.catchUp ? applyProfile(planned.deck, all, selection.catchUp === true ? undefined : selection.catchUp) : undefined;
  const skip = new Map(catchUp?.skip);
  if (selection.skipExtra) {
    for (const s of all) if (s.classes.includes("extra-details") && !skip.has(s.id)) skip.set(s.id, "extra-details slide (--skip-extra)");
  }
  let steps: readonly Step[] = only(planned, all, selection.only ?? []);
  let from: FromPlan | undefined;
  let shard: ShardPlan | undefined;
  if (selection.shard) {
    if (selection.from) throw new DeckError(planned.deck.source, "--shard and --from: one or the other");
    ({ from, shard } = planShard(planned, steps, selection.shard, skip, selection.durations));
    steps = from ? [...from.catchUp, ...from.rest] : [];
  } else if (selection.from) {
    const target = findTarget(steps, selection.from);
    if (typeof target === "string") throw new DeckError(planned.deck.source, `--from: ${target}`);
    const mutating = planned.deck.config.mutating ?? DEFAULT_MUTATING;
    from = planFrom(steps, planned.graph.facts, target, mutating);
    const catchUpSteps = from.catchUp.filter((s) => !skip.has(s.id));
    from = { ...from, catchUp: catchUpSteps };
    steps = [...catchUpSteps, ...from.rest];
  }
  return { steps, catchUp, from, ...(shard ? { shard } : {}), replayed: new Set(from?.catchUp.map((s) => s.id) ?? []), skip };
}

function only(planned: PlannedDeck, steps: readonly Step[], selectors: readonly string[]): readonly Step[] {
  if (selectors.length === 0) return steps;
  const picked = new Set<string>();
  for (const sel of selectors) {
    const matches = steps.filter((s) => s.id === sel || String(s.slide) === sel || s.title.toLowerCase() === sel.toLowerCase());
    if (matches.length === 0) throw new DeckError(planned.deck.source, `--only ${sel}: no step id, slide number or slide title matches`);
    for (const m of matches) picked.add(m.id);
  }
  return steps.filter((s) => picked.has(s.id));
}

/**
 * A shard is a --from run cut short: the catch-up its first step (and its other steps) need, then
 * its own steps up to where the next shard starts. The split counts each shard's catch-up in its time.
 */
function planShard(planned: PlannedDeck, steps: readonly Step[], spec: ShardSpec, skip: ReadonlyMap<string, string>, durations?: ReadonlyMap<string, number>): { from?: FromPlan; shard: ShardPlan } {
  const mutating = planned.deck.config.mutating ?? DEFAULT_MUTATING;
  const facts = planned.graph.facts;
  const weight = (s: Step) => (skip.has(s.id) ? 0 : expectedMs(s, durations));
  const catchUpOf = (first: number, end: number) => planFrom(steps.slice(0, end), facts, first, mutating).catchUp.filter((s) => !skip.has(s.id));
  // Estimated on what the shard's first step needs (the replay of what changed the cluster is most of it).
  const known = new Map<number, number>();
  const catchUpMs = (first: number) => {
    if (!known.has(first)) known.set(first, catchUpOf(first, first + 1).reduce((sum, s) => sum + weight(s), 0));
    return known.get(first)!;
  };
  const parts = splitShards(steps, spec.total, weight, catchUpMs);
  const own = parts[spec.index - 1]!;
  const slides = new Set(steps.map((s) => `${s.file}\0${s.slide}`)).size;
  const expected = parts.map((part) => (part.length === 0 ? 0 : (part[0] === steps[0] ? 0 : catchUpMs(steps.indexOf(part[0]!))) + part.reduce((sum, s) => sum + weight(s), 0)));
  const shard: ShardPlan = { ...spec, steps: own, slides, expectedMs: expected };
  if (own.length === 0) return { shard };
  const first = steps.indexOf(own[0]!);
  const end = first + own.length;
  const catchUp = catchUpOf(first, end);
  return { from: { target: own[0]!, catchUp, rest: own }, shard };
}
