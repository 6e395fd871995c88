/**
 * What `labrun watch` runs after a save, as a value: the slides whose steps changed, each with
 * the minimal catch-up (as --from computes it) less what the live session already ran.
 */
import { DEFAULT_MUTATING, planFrom } from "./from.js";
import type { ShellFacts } from "./shell.js";
import { ACTS_ON_COMMAND, type Step } from "./step.js";

/** A slide's identity across edits: its steps' id without the rank (`file/slide`). */
export function slideKey(step: Step): string {
  return step.id.slice(0, step.id.lastIndexOf("/"));
}

/** What a step does, for telling whether an edit changed it (its id says where it is). */
export function stepSignature(step: Step): string {
  return `${step.kind}\0${step.text}`;
}

/** One changed slide to run: first its catch-up, then its own steps. */
export interface SlideRun {
  readonly key: string;
  /** The slide's number, title and file, as its steps carry them. */
  readonly slide: number;
  readonly title: string;
  readonly file: string;
  /** Earlier steps it needs that the session has not run (or ran with another text, or not successfully), in deck order. */
  readonly catchUp: readonly Step[];
  readonly steps: readonly Step[];
}

/** The keys of the slides, in deck order, whose steps (ids, kinds, texts) differ from the previous plan's, new slides included. */
export function changedSlides(previous: readonly Step[], next: readonly Step[]): string[] {
  const before = slideSignatures(previous);
  return [...slideSignatures(next)].filter(([key, signature]) => before.get(key) !== signature).map(([key]) => key);
}

function slideSignatures(steps: readonly Step[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of steps) {
    const key = slideKey(s);
    out.set(key, `${out.get(key) ?? ""}${s.id}\0${stepSignature(s)}\n`);
  }
  return out;
}

/**
 * The round a save asks for: each changed slide, in deck order, after the earlier steps it needs
 * (planFrom on the deck up to the slide's end) that `ran` does not hold with the same signature.
 * A slide run in the round counts as run for the slides after it. A wait, key, keys, check or
 * expectation in a catch-up goes only with the command it acts on.
 */
export function planRound(
  steps: readonly Step[],
  facts: ReadonlyMap<string, ShellFacts>,
  changed: readonly string[],
  ran: ReadonlyMap<string, string>,
  mutating: readonly string[] = DEFAULT_MUTATING,
): SlideRun[] {
  const done = new Map(ran);
  const round: SlideRun[] = [];
  for (const key of changed) {
    const first = steps.findIndex((s) => slideKey(s) === key);
    if (first < 0) continue;
    let end = first;
    while (end < steps.length && slideKey(steps[end]!) === key) end++;
    const own = steps.slice(first, end);
    const needed = planFrom(steps.slice(0, end), facts, first, mutating).catchUp.filter((s) => done.get(s.id) !== stepSignature(s));
    const kept = new Set(needed.map((s) => s.id));
    const catchUp = needed.filter((s) => !ACTS_ON_COMMAND.has(s.kind) || kept.has(commandOf(s) ?? ""));
    for (const s of [...catchUp, ...own]) done.set(s.id, stepSignature(s));
    const head = own[0]!;
    round.push({ key, slide: head.slide, title: head.title, file: head.file, catchUp, steps: own });
  }
  return round;
}

/** The command a wait, key, keys, check or expectation acts on. */
function commandOf(step: Step): string | undefined {
  return step.dependencies?.find((d) => d.because === "command")?.id ?? step.dependsOn[0];
}
