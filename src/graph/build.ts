import type { ParsedDeck, RawStep } from "../parse/parse-deck.js";
import { analyzeShell, type ShellFacts } from "./shell.js";
import { describeResource, ResourceDefiners, resourceFacts, type ResourceFacts } from "./resources.js";
import { COMMAND_KINDS, type Dependency, type Step } from "./step.js";

export interface StepGraph {
  readonly steps: readonly Step[];
  /** Shell facts of each command step, by id (bash and hide steps only). */
  readonly facts: ReadonlyMap<string, ShellFacts>;
}

/** Kinds whose dependency is the command they act on. */
const ON_COMMAND = new Set(["wait", "longwait", "key", "keys", "check", "expect", "copy"]);

/**
 * Dependencies, in one pass over the ordered steps: the most recent step that defines each variable
 * used, that defines each shell function or alias called, that defines each cluster resource or image used, that changed the working directory, that
 * copied (for paste), that switched panes (tmux), and for wait/key/keys/check/copy the command they
 * act on; for expect, the last command that is not a `hide` helper (the slide quotes what the
 * attendee saw, not a readiness wait). Each dependency keeps its reason (`dependencies`).
 * Requires initShellParser() to have been awaited.
 */
export function buildGraph(parsed: ParsedDeck): StepGraph {
  const definer = new Map<string, string>();
  // Functions and aliases share bash's command namespace: the latest definition of a name wins.
  const callable = new Map<string, { id: string; what: "function" | "alias" }>();
  const resources = new ResourceDefiners();
  const facts = new Map<string, ShellFacts>();
  let cwd: string | undefined;
  let command: string | undefined;
  // An expected output quotes what the attendee saw: the last command, past `hide` helpers (readiness waits).
  let quotedCommand: string | undefined;
  let copy: string | undefined;
  let pane: string | undefined;

  const steps = parsed.steps.map((raw): Step => {
    const deps: Dependency[] = [];
    const need = (id: string | undefined, because: string) => {
      if (id !== undefined && id !== raw.id) deps.push({ id, because });
    };
    let defines: readonly string[] = [];
    let uses: readonly string[] = [];
    let owned: ResourceFacts | undefined;
    if (COMMAND_KINDS.has(raw.kind)) {
      const f = analyzeShell(raw.text);
      facts.set(raw.id, f);
      defines = f.defines;
      uses = unique([...f.uses, ...f.optionalUses]);
      for (const v of uses) need(definer.get(v), `variable ${v}`);
      for (const name of unique(f.commands.map((words) => words[0] ?? ""))) {
        const def = callable.get(name);
        if (def) need(def.id, `${def.what} ${name}`);
      }
      need(cwd, "cwd");
      need(pane, "pane");
      owned = resourceFacts(f.commands);
      for (const r of owned.uses) need(resources.definer(r), describeResource(r));
      for (const v of f.defines) definer.set(v, raw.id);
      for (const name of f.functions) callable.set(name, { id: raw.id, what: "function" });
      for (const name of f.aliases) callable.set(name, { id: raw.id, what: "alias" });
      for (const r of owned.defines) resources.define(r, raw.id);
      if (f.changesCwd) cwd = raw.id;
      command = raw.id;
      if (raw.kind !== "hide") quotedCommand = raw.id;
    } else if (raw.kind === "expect") {
      need(quotedCommand ?? command, "command");
    } else if (ON_COMMAND.has(raw.kind)) {
      need(command, "command");
      if (raw.kind === "copy") copy = raw.id;
    } else if (raw.kind === "paste") {
      need(copy, "clipboard");
      need(pane, "pane");
    } else if (raw.kind === "tmux") {
      need(pane, "pane");
      pane = raw.id;
    }
    return toStep(raw, deps, defines, uses, owned);
  });
  return { steps, facts };
}

function toStep(raw: RawStep, deps: readonly Dependency[], defines: readonly string[], uses: readonly string[], resources: ResourceFacts | undefined): Step {
  const seen = new Set<string>();
  const dependencies = deps.filter((d) => !seen.has(`${d.id} ${d.because}`) && seen.add(`${d.id} ${d.because}`));
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
    ...(raw.failsWith !== undefined ? { failsWith: raw.failsWith } : {}),
    ...(raw.lineLike ? { lineLike: true } : {}),
    dependsOn: unique(dependencies.map((d) => d.id)),
    defines,
    uses,
    dependencies,
    ...(resources && (resources.defines.length > 0 || resources.uses.length > 0) ? { resources } : {}),
  };
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
