import type { Step } from "../graph/step.js";
import type { ShellFacts } from "../graph/shell.js";
import { onPath } from "../path-lookup.js";
import { stepsInNestedShells } from "./nested-shell.js";

export interface MissingProgram {
  readonly program: string;
  /** The first step that calls it. */
  readonly step: Step;
}

/**
 * The programs the steps call (from the shell parse) that are not on PATH. A program whose name
 * an earlier step mentions (`apt-get install -y jq`, `curl -o /usr/local/bin/kubectl`) is assumed
 * to be installed by the deck itself; a function or alias an earlier step defines (`greet() {...}`,
 * `alias k=kubectl`) is the deck's own, never a missing program. Steps typed into a nested shell
 * (a container's) are not this machine's business, nor a transcript's command shown not found. `path` is PATH, or a lookup (a remote host's).
 */
export function missingPrograms(steps: readonly Step[], facts: ReadonlyMap<string, ShellFacts>, path: string | ((program: string) => boolean) = process.env.PATH ?? ""): MissingProgram[] {
  const exists = typeof path === "string" ? (program: string) => onPath(program, path) : path;
  const found = new Map<string, boolean>();
  const mentioned = new Set<string>();
  const defined = new Set<string>();
  const missing: MissingProgram[] = [];
  const nested = stepsInNestedShells(steps);
  for (const step of steps) {
    const f = facts.get(step.id);
    // A transcript that shows `figlet: command not found` runs it to see it missing.
    if (!f || nested.has(step.id) || step.failsWith?.endsWith("not found")) continue;
    for (const name of [...f.functions, ...f.aliases]) defined.add(name);
    for (const program of f.programs) {
      if (mentioned.has(program) || defined.has(program) || missing.some((m) => m.program === program)) continue;
      if (!found.has(program)) found.set(program, exists(program));
      if (!found.get(program)) missing.push({ program, step });
    }
    for (const words of f.commands) for (const w of words) for (const part of w.split("/")) mentioned.add(part);
  }
  return missing;
}
