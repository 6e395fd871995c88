/** The library API: everything the CLI does can be done from code. */
import { loadDeck, type Deck } from "./deck/load.js";
import { parseDeck, type ParsedDeck } from "./parse/parse-deck.js";
import { buildGraph, type StepGraph } from "./graph/build.js";
import { initShellParser } from "./graph/shell.js";
import type { Problem } from "./problem.js";
import type { PlannedDeck } from "./graph/planned-deck.js";

// The CLI imports these two from their own modules, which load the parser only when needed.
export { planDeck } from "./plan/plan-deck.js";
export { lintDeck, type PlanOptions } from "./lint/lint-deck.js";
export { loadDeck, parseDeck, buildGraph, initShellParser };
export type { Deck, ParsedDeck, StepGraph, Problem, PlannedDeck };
export type { Step, StepKind } from "./graph/step.js";
