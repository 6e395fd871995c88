import type { PlannedDeck } from "./planned-deck.js";
import { DeckError } from "../problem.js";
import { applyProfile, type CatchUp } from "./catch-up.js";
import { DEFAULT_MUTATING, findTarget, planFrom, type FromPlan } from "./from.js";
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
}

/** The steps a run will go through, and how: what the CLI, the UI and `plan` share. */
export interface SelectedSteps {
  readonly steps: readonly Step[];
  readonly catchUp?: CatchUp;
  readonly from?: FromPlan;
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
  if (selection.from) {
    const target = findTarget(steps, selection.from);
    if (typeof target === "string") throw new DeckError(planned.deck.source, `--from: ${target}`);
    const mutating = planned.deck.config.mutating ?? DEFAULT_MUTATING;
    from = planFrom(steps, planned.graph.facts, target, mutating);
    const catchUpSteps = from.catchUp.filter((s) => !skip.has(s.id));
    from = { ...from, catchUp: catchUpSteps };
    steps = [...catchUpSteps, ...from.rest];
  }
  return { steps, catchUp, from, replayed: new Set(from?.catchUp.map((s) => s.id) ?? []), skip };
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
