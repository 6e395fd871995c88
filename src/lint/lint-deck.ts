import type { PlannedDeck } from "../graph/planned-deck.js";
import type { Problem } from "../problem.js";
import { lint, SHELL_VARIABLES } from "./lint.js";

export interface PlanOptions {
  /** Extra variables the environment provides (--env, catch-up profile). */
  readonly env?: readonly string[];
  /** PATH for lint's lookups (default: this process's); nothing is ever run. */
  readonly path?: string;
}

export function lintDeck(planned: PlannedDeck, options: PlanOptions = {}): Problem[] {
  const profileVars = Object.values(planned.deck.config.catchUp).flatMap((p) => Object.keys(p.env));
  const knownVariables = new Set([...SHELL_VARIABLES, ...planned.deck.config.env, ...profileVars, ...(options.env ?? [])]);
  return lint({ parsed: planned.parsed, graph: planned.graph, knownVariables, path: options.path ?? process.env.PATH ?? "" });
}
