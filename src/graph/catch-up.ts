import type { Deck } from "../deck/load.js";
import type { CatchUpProfile } from "../deck/config.js";
import { DeckError } from "../problem.js";
import { isResourceReason, waitsForCluster } from "./resources.js";
import { COMMAND_KINDS, type Step } from "./step.js";

/** What applying a catch-up profile changes in a run. */
export interface CatchUp {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
  /** Steps not run, with the reason shown in reports. */
  readonly skip: ReadonlyMap<string, string>;
  /** New text for command steps. */
  readonly replace: ReadonlyMap<string, string>;
}

type Selector = CatchUpProfile["skip"][number];

/** The profile `name`, or without a name the deck's default profile, or its only one. */
export function chooseProfile(deck: Deck, name: string | undefined): [string, CatchUpProfile] {
  const profiles = Object.entries(deck.config.catchUp);
  const where = deck.configFile ?? deck.source;
  if (profiles.length === 0) throw new DeckError(where, "--catch-up: this deck has no catch-up profile (add catchUp: to labrun.yml)");
  if (name) {
    const found = profiles.find(([n]) => n === name);
    if (!found) throw new DeckError(where, `--catch-up ${name}: no such profile (there is ${profiles.map(([n]) => n).join(", ")})`);
    return found;
  }
  const defaults = profiles.filter(([, p]) => p.default);
  if (defaults.length === 1) return defaults[0]!;
  if (profiles.length === 1) return profiles[0]!;
  throw new DeckError(where, `--catch-up: which profile? this deck has ${profiles.map(([n]) => n).join(", ")} and no single default`);
}

/**
 * Applies a profile to the deck's steps. A selector that matches no step is an error naming the
 * config line: a profile that silently does nothing is worse than none. Steps that act on a
 * skipped command (its wait, keys, expected output) are skipped with it, and so are hidden
 * commands whose every resource comes from skipped steps. Readiness is kept: a hidden
 * `kubectl wait` skipped only for its slide still runs when a step that runs creates what it
 * waits for (the author chose slides, and never saw it).
 */
export function applyProfile(deck: Deck, steps: readonly Step[], name: string | undefined): CatchUp {
  const [profileName, profile] = chooseProfile(deck, name);
  const skip = new Map<string, string>();
  const replace = new Map<string, string>();
  const select = (sel: Selector, list: "skip" | "replace", i: number): Step[] => {
    const matched = matchSelector(steps, sel);
    if (matched.length === 0) {
      const at = deck.configAt?.(["catchUp", profileName, list, i]);
      throw new DeckError(deck.configFile ?? deck.source, `catch-up profile '${profileName}': ${list} #${i + 1} (${describe(sel)}) matches no step`, at?.line, at?.column);
    }
    return matched;
  };
  const why = (sel: Selector) => `catch-up '${profileName}': ${sel.reason ?? `skipped (${describe(sel)})`}`;
  // skipped because of the slide or chapter they are on, not because they were named
  const bySlide = new Set<string>();
  const named = new Set<string>();
  profile.skip.forEach((sel, i) => {
    for (const s of select(sel, "skip", i)) {
      skip.set(s.id, why(sel));
      (sel.text || sel.steps ? named : bySlide).add(s.id);
    }
  });
  profile.replace.forEach((sel, i) => {
    if (sel.replace === undefined) {
      const at = deck.configAt?.(["catchUp", profileName, "replace", i]);
      throw new DeckError(deck.configFile ?? deck.source, `catch-up profile '${profileName}': replace #${i + 1} needs a 'replace:' text`, at?.line, at?.column);
    }
    for (const s of select(sel, "replace", i)) if (COMMAND_KINDS.has(s.kind)) replace.set(s.id, sel.replace);
  });
  for (const s of steps) {
    // readiness: a hidden wait on a skipped slide still runs when what it waits for is created
    if (bySlide.has(s.id) && !named.has(s.id) && s.hidden && COMMAND_KINDS.has(s.kind) && waitsForCluster(s.text)) {
      if ((s.dependencies ?? []).some((d) => isResourceReason(d.because) && !skip.has(d.id))) skip.delete(s.id);
    }
    if (skip.has(s.id)) continue;
    if (COMMAND_KINDS.has(s.kind)) {
      // a hidden step on what the profile skips (a wait for a deployment not created) goes with it
      const on = (s.dependencies ?? []).filter((d) => isResourceReason(d.because));
      if (s.hidden && on.length > 0 && on.every((d) => skip.has(d.id))) skip.set(s.id, skip.get(on[0]!.id)!);
      continue;
    }
    const target = s.dependsOn.find((d) => skip.has(d));
    if (target && ["wait", "longwait", "key", "keys", "check", "expect", "copy"].includes(s.kind)) skip.set(s.id, skip.get(target)!);
  }
  return { name: profileName, env: profile.env, skip, replace };
}

function describe(sel: Selector): string {
  return Object.entries(sel)
    .filter(([k]) => k !== "reason" && k !== "replace")
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(", ");
}

/** Every condition of a selector must hold: chapter and slide titles (case-insensitive), an id range, a regex on the text. */
export function matchSelector(steps: readonly Step[], sel: Selector): Step[] {
  const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
  let inRange: (s: Step, i: number) => boolean = () => true;
  if (sel.steps) {
    const [from, to = from] = sel.steps.split("..").map((x) => x.trim());
    const a = steps.findIndex((s) => s.id === from);
    const b = steps.findIndex((s) => s.id === to);
    inRange = (_s, i) => a >= 0 && b >= 0 && i >= a && i <= b;
  }
  const text = sel.text ? new RegExp(sel.text) : undefined;
  return steps.filter(
    (s, i) =>
      (!sel.chapter || same(s.chapter, sel.chapter)) && (!sel.slide || same(s.title, sel.slide)) && inRange(s, i) && (!text || text.test(s.text)),
  );
}
