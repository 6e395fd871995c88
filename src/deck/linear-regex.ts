/**
 * Regular expressions a deck's configuration gives for what labrun matches on the screen while a
 * run goes on (`prompts:`): compiled by re2js, a port of RE2, whose matching takes time linear in
 * the text whatever the pattern (`(a+)+$`, `a*a*a*b` included), where JavaScript's backtracking
 * engine can take exponential time. RE2's syntax has no lookaround and no backreferences.
 */
import { RE2JS } from "re2js";

export interface LinearRegex {
  /** Whether the pattern matches somewhere in the text. */
  test(text: string): boolean;
}

/** Why the pattern cannot be matched in linear time (not RE2 syntax), or undefined. */
export function linearRegexProblem(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    const why = e instanceof Error ? e.message.replace(/^error parsing regexp: /, "") : String(e);
    return `not a regular expression labrun can match in linear time (RE2 syntax: no lookaround, no backreferences): ${why}`;
  }
}

/** Compiles a pattern linearRegexProblem accepts. */
export function linearRegex(pattern: string): LinearRegex {
  const compiled = RE2JS.compile(pattern);
  return { test: (text) => compiled.matcher(text).find() };
}
