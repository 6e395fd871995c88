import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import type { Step } from "../graph/step.js";
import type { ShellFacts } from "../graph/shell.js";
import { stepsInNestedShells } from "./nested-shell.js";

export interface MissingProgram {
  readonly program: string;
  /** The first step that calls it. */
  readonly step: Step;
}

/**
 * The programs the steps call (from the shell parse) that are not on PATH. A program whose name
 * an earlier step mentions (`apt-get install -y jq`, `curl -o /usr/local/bin/kubectl`) is assumed
 * to be installed by the deck itself. Steps typed into a nested shell (a container's) are not
 * this machine's business.
 */
export function missingPrograms(steps: readonly Step[], facts: ReadonlyMap<string, ShellFacts>, path = process.env.PATH ?? ""): MissingProgram[] {
  const dirs = path.split(delimiter).filter(Boolean);
  const found = new Map<string, boolean>();
  const mentioned = new Set<string>();
  const missing: MissingProgram[] = [];
  const nested = stepsInNestedShells(steps);
  for (const step of steps) {
    const f = facts.get(step.id);
    if (!f || nested.has(step.id)) continue;
    for (const program of f.programs) {
      if (mentioned.has(program) || missing.some((m) => m.program === program)) continue;
      if (!found.has(program)) found.set(program, dirs.some((d) => isExecutable(join(d, program))));
      if (!found.get(program)) missing.push({ program, step });
    }
    for (const words of f.commands) for (const w of words) for (const part of w.split("/")) mentioned.add(part);
  }
  return missing;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
