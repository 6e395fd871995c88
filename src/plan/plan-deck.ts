/**
 * planDeck: load a deck, then parse it and build its step graph. The parser (remark) and the bash
 * grammar (WebAssembly, about 50 ms to compile) are imported only when the plan is made.
 */
import { loadDeck } from "../deck/load.js";
import type { PlannedDeck } from "../graph/planned-deck.js";

/** Load, parse and build the step graph of a deck. Never runs anything. Throws DeckError on unreadable input. */
export async function planDeck(source: string): Promise<PlannedDeck> {
  // The bash grammar compiles while the deck's files are read.
  const shell = loadShell();
  shell.catch(() => {});
  const deck = await loadDeck(source);
  const [{ parseDeck }, { buildGraph }] = await Promise.all([import("../parse/parse-deck.js"), import("../graph/build.js"), shell]);
  const parsed = parseDeck(deck);
  return { deck, parsed, graph: buildGraph(parsed) };
}

async function loadShell() {
  const shell = await import("../graph/shell.js");
  await shell.initShellParser();
  return shell;
}
