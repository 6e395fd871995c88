/** The library API: everything the CLI does can be done from code. */
import { loadDeck, type Deck } from "./deck/load.js";
import { parseDeck, type ParsedDeck } from "./parse/parse-deck.js";
import { buildGraph, type StepGraph } from "./graph/build.js";
import { initShellParser } from "./graph/shell.js";
import { lint, SHELL_VARIABLES } from "./lint/lint.js";
import type { Problem } from "./problem.js";
import type { PlannedDeck } from "./graph/planned-deck.js";

export interface PlanOptions {
  /** Extra variables the environment provides (--env, catch-up profile). */
  readonly env?: readonly string[];
  /** PATH for lint's lookups (default: this process's); nothing is ever run. */
  readonly path?: string;
}

/** Load, parse and build the step graph of a deck. Never runs anything. Throws DeckError on unreadable input. */
export async function planDeck(source: string): Promise<PlannedDeck> {
  // The bash grammar compiles while the deck's files are read.
  const parser = initShellParser();
  parser.catch(() => {});
  const deck = await loadDeck(source);
  await parser;
  const parsed = parseDeck(deck);
  return { deck, parsed, graph: buildGraph(parsed) };
}

export function lintDeck(planned: PlannedDeck, options: PlanOptions = {}): Problem[] {
  const profileVars = Object.values(planned.deck.config.catchUp).flatMap((p) => Object.keys(p.env));
  const knownVariables = new Set([...SHELL_VARIABLES, ...planned.deck.config.env, ...profileVars, ...(options.env ?? [])]);
  return lint({ parsed: planned.parsed, graph: planned.graph, knownVariables, path: options.path ?? process.env.PATH ?? "" });
}

export { loadDeck, parseDeck, buildGraph, initShellParser };
export type { Deck, ParsedDeck, StepGraph, Problem, PlannedDeck };
export type { Step, StepKind } from "./graph/step.js";
