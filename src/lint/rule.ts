import type { ParsedDeck } from "../parse/parse-deck.js";
import type { StepGraph } from "../graph/build.js";
import type { Problem } from "../problem.js";

export interface LintContext {
  readonly parsed: ParsedDeck;
  readonly graph: StepGraph;
  /** Variables the environment provides: shell built-ins, the deck config's `env`, --env, catch-up profiles. */
  readonly knownVariables: ReadonlySet<string>;
  /** PATH, for lookups only (nothing runs); absent: nothing is installed. */
  readonly path?: string;
}

/** One rule: a documented id and a function from a deck to its problems. */
export interface LintRule {
  readonly id: string;
  readonly description: string;
  check(ctx: LintContext): Problem[];
}
