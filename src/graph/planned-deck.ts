import type { Deck } from "../deck/load.js";
import type { ParsedDeck } from "../parse/parse-deck.js";
import type { StepGraph } from "./build.js";

/** A deck loaded, parsed and turned into a step graph: what every stage above the graph works on. */
export interface PlannedDeck {
  readonly deck: Deck;
  readonly parsed: ParsedDeck;
  readonly graph: StepGraph;
}
