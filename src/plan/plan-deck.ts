/**
 * planDeck: load a deck, then parse it and build its step graph, or read what that made from the
 * plan cache (src/plan/plan-cache.ts). The parser (remark) and the bash grammar (WebAssembly, about
 * 50 ms to compile) are imported and loaded only when the plan is made, not when it is read.
 */
import { loadDeck } from "../deck/load.js";
import type { PlannedDeck } from "../graph/planned-deck.js";
import type { ShellFacts } from "../graph/shell-facts.js";
import { rememberShellFacts } from "../graph/known-facts.js";
import { looseShellText } from "../lint/loose-shell.js";
import { planCache } from "./plan-cache.js";

export interface PlanDeckOptions {
  /** `--transcripts`: transcript mode, whatever the deck's configuration says. */
  readonly transcripts?: boolean;
}

/** Load, parse and build the step graph of a deck. Never runs anything. Throws DeckError on unreadable input. */
export async function planDeck(source: string, options: PlanDeckOptions = {}): Promise<PlannedDeck> {
  const cache = planCache();
  // With no cache the bash grammar compiles while the deck's files are read; with one, only on a
  // miss (loading it alongside, not awaited, makes a hit slower: the process waits for it at exit).
  const early = cache ? undefined : loadShell();
  early?.catch(() => {});
  const loaded = await loadDeck(source);
  // The configuration is part of the cache's key: a plan made in transcript mode is an entry of its own.
  const deck = options.transcripts && !loaded.config.transcripts ? { ...loaded, config: { ...loaded.config, transcripts: true } } : loaded;
  const key = cache?.key(source, deck);
  const cached = key === undefined ? undefined : cache?.read(key, deck);
  if (cached) {
    rememberShellFacts(cached.shellFacts);
    return { deck, parsed: cached.parsed, graph: cached.graph };
  }
  const [{ parseDeck }, { buildGraph }, { analyzeShell }] = await Promise.all([
    import("../parse/parse-deck.js"),
    import("../graph/build.js"),
    early ?? loadShell(),
  ]);
  const parsed = parseDeck(deck);
  const graph = buildGraph(parsed);
  if (cache && key !== undefined) {
    cache.write(key, () => {
      // What lint asks the parser besides the steps' facts (those are in the graph): the loose blocks'.
      const shellFacts = new Map<string, ShellFacts>();
      for (const block of parsed.looseBlocks) {
        const text = looseShellText(block);
        if (!shellFacts.has(text)) shellFacts.set(text, analyzeShell(text));
      }
      return { parsed, graph, shellFacts: [...shellFacts] };
    });
  }
  return { deck, parsed, graph };
}

async function loadShell() {
  const shell = await import("../graph/shell.js");
  await shell.initShellParser();
  return shell;
}
