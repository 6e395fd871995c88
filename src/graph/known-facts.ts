import type { ShellFacts } from "./shell-facts.js";

/**
 * Shell facts read from the plan cache (src/plan/plan-cache.ts), made by this same code: for
 * these texts analyzeShell needs no parser. Its own module, so that a plan read from the cache
 * loads neither the parser nor the walker.
 */
export const knownFacts = new Map<string, ShellFacts>();

/** Makes analyzeShell(text) answer `facts` for each pair, without the parser. */
export function rememberShellFacts(pairs: Iterable<readonly [string, ShellFacts]>): void {
  for (const [text, facts] of pairs) knownFacts.set(text, facts);
}
