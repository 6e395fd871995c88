import type { ParsedDeck, RawStep } from "../parse/parse-deck.js";
import { analyzeShell, type ShellFacts } from "./shell.js";
import { COMMAND_KINDS, type Step } from "./step.js";

export interface StepGraph {
  readonly steps: readonly Step[];
  /** Shell facts of each command step, by id (bash and hide steps only). */
  readonly facts: ReadonlyMap<string, ShellFacts>;
}

/** Kinds whose dependency is the command they act on. */
const ON_COMMAND = new Set(["wait", "longwait", "key", "keys", "check", "expect", "copy"]);

/**
 * Dependencies, in one pass over the ordered steps: the most recent step that defines each variable
 * used, that changed the working directory, that copied (for paste), that switched panes (tmux),
 * and for wait/key/keys/check/copy the command they act on; for expect, the last command that is not
 * a `hide` helper (the slide quotes what the attendee saw, not a readiness wait).
 * Requires initShellParser() to have been awaited.
 */
export function buildGraph(parsed: ParsedDeck): StepGraph {
  const definer = new Map<string, string>();
  const facts = new Map<string, ShellFacts>();
  let cwd: string | undefined;
  let command: string | undefined;
  // An expected output quotes what the attendee saw: the last command, past `hide` helpers (readiness waits).
  let quotedCommand: string | undefined;
  let copy: string | undefined;
  let pane: string | undefined;

  const steps = parsed.steps.map((raw): Step => {
    const deps: string[] = [];
    let defines: readonly string[] = [];
    let uses: readonly string[] = [];
    if (COMMAND_KINDS.has(raw.kind)) {
      const f = analyzeShell(raw.text);
      facts.set(raw.id, f);
      defines = f.defines;
      uses = unique([...f.uses, ...f.optionalUses]);
      for (const v of uses) {
        const d = definer.get(v);
        if (d) deps.push(d);
      }
      if (cwd) deps.push(cwd);
      if (pane) deps.push(pane);
      for (const v of f.defines) definer.set(v, raw.id);
      if (f.changesCwd) cwd = raw.id;
      command = raw.id;
      if (raw.kind !== "hide") quotedCommand = raw.id;
    } else if (raw.kind === "expect") {
      const target = quotedCommand ?? command;
      if (target) deps.push(target);
    } else if (ON_COMMAND.has(raw.kind)) {
      if (command) deps.push(command);
      if (raw.kind === "copy") copy = raw.id;
    } else if (raw.kind === "paste") {
      if (copy) deps.push(copy);
      if (pane) deps.push(pane);
    } else if (raw.kind === "tmux") {
      if (pane) deps.push(pane);
      pane = raw.id;
    }
    return toStep(raw, unique(deps), defines, uses);
  });
  return { steps, facts };
}

function toStep(raw: RawStep, dependsOn: string[], defines: readonly string[], uses: readonly string[]): Step {
  return {
    id: raw.id,
    kind: raw.kind,
    text: raw.text,
    file: raw.file,
    line: raw.line,
    column: raw.column,
    slide: raw.slide.number,
    title: raw.slide.title,
    chapter: raw.slide.chapter,
    hidden: raw.hidden,
    classes: raw.slide.classes,
    ...(raw.lang ? { lang: raw.lang } : {}),
    ...(raw.expectation
      ? { strict: raw.expectation.strict, strictReason: raw.expectation.reason, ...(raw.expectation.fragment ? { fragment: true } : {}) }
      : {}),
    dependsOn,
    defines,
    uses,
  };
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
