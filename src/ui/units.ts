import type { Step } from "../graph/step.js";

/**
 * What the attendee acts on: one listed step, plus the steps that go with it when hidden steps are
 * not listed. Hidden steps and expectations belong to the listed step before them on the same
 * slide (a `wait` drives the command just started, an expectation checks it); hidden steps at the
 * top of a slide belong to the slide's first listed step.
 */
export interface Unit {
  /** Index (in the step list) of the unit's first step. */
  readonly first: number;
  /** Index of its last step. */
  readonly last: number;
  /** Index of the step that names it in the list. */
  readonly lead: number;
}

const cache = new WeakMap<readonly Step[], { shown?: readonly Unit[]; folded?: readonly Unit[] }>();

/** Hidden steps and expectations ride along with the listed step before them. */
export function isAttached(step: Step): boolean {
  return step.hidden || step.kind === "expect";
}

export function unitsOf(steps: readonly Step[], showHidden: boolean): readonly Unit[] {
  const entry = cache.get(steps) ?? {};
  cache.set(steps, entry);
  const key = showHidden ? "shown" : "folded";
  entry[key] ??= showHidden ? steps.map((_, i) => ({ first: i, last: i, lead: i })) : foldUnits(steps);
  return entry[key];
}

function foldUnits(steps: readonly Step[]): Unit[] {
  const units: Unit[] = [];
  let open: { first: number; lead: number; slide: number } | undefined;
  /** Attached steps met before any listed step of their slide. */
  let leading: { first: number; slide: number } | undefined;
  const close = (last: number) => {
    if (open) units.push({ first: open.first, last, lead: open.lead });
    open = undefined;
  };
  const closeLeading = (last: number) => {
    if (leading) units.push({ first: leading.first, last, lead: leading.first });
    leading = undefined;
  };
  steps.forEach((step, i) => {
    if (open && open.slide !== step.slide) close(i - 1);
    if (leading && leading.slide !== step.slide) closeLeading(i - 1);
    if (isAttached(step)) {
      if (!open) leading ??= { first: i, slide: step.slide };
      return;
    }
    close(i - 1);
    open = { first: leading?.first ?? i, lead: i, slide: step.slide };
    leading = undefined;
  });
  close(steps.length - 1);
  closeLeading(steps.length - 1);
  return units.sort((a, b) => a.first - b.first);
}

/** The unit holding step `index`; past the end, undefined. */
export function unitIndexAt(units: readonly Unit[], index: number): number | undefined {
  let lo = 0;
  let hi = units.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const u = units[mid]!;
    if (index < u.first) hi = mid - 1;
    else if (index > u.last) lo = mid + 1;
    else return mid;
  }
  return undefined;
}

/**
 * Where the attendee can stand: a unit, or a slide with nothing to run (a slide to read). In deck
 * order; a slide to read sits before the first step that follows it (`before`).
 */
export type Stop =
  | { readonly kind: "unit"; readonly unit: Unit; readonly slide: number }
  | { readonly kind: "read"; readonly slide: number; readonly before: number };

type SlideList = readonly { readonly number: number }[];
const stopCache = new WeakMap<readonly Step[], WeakMap<SlideList, { shown?: readonly Stop[]; folded?: readonly Stop[] }>>();

export function stopsOf(steps: readonly Step[], slides: SlideList, showHidden: boolean): readonly Stop[] {
  const bySlides = stopCache.get(steps) ?? new WeakMap<SlideList, { shown?: readonly Stop[]; folded?: readonly Stop[] }>();
  stopCache.set(steps, bySlides);
  const entry = bySlides.get(slides) ?? {};
  bySlides.set(slides, entry);
  const key = showHidden ? "shown" : "folded";
  entry[key] ??= buildStops(steps, slides.map((s) => s.number), unitsOf(steps, showHidden));
  return entry[key];
}

function buildStops(steps: readonly Step[], slideNumbers: readonly number[], units: readonly Unit[]): Stop[] {
  const stops: Stop[] = [];
  let u = 0;
  for (const slide of [...slideNumbers].sort((a, b) => a - b)) {
    // Units of earlier slides not in the list (should not happen) keep their place.
    for (; u < units.length && steps[units[u]!.lead]!.slide < slide; u++) stops.push({ kind: "unit", unit: units[u]!, slide: steps[units[u]!.lead]!.slide });
    const first = u;
    for (; u < units.length && steps[units[u]!.lead]!.slide === slide; u++) stops.push({ kind: "unit", unit: units[u]!, slide });
    if (u === first) stops.push({ kind: "read", slide, before: u < units.length ? units[u]!.first : steps.length });
  }
  for (; u < units.length; u++) stops.push({ kind: "unit", unit: units[u]!, slide: steps[units[u]!.lead]!.slide });
  return stops;
}

/** The stop at a position (`current` step, or a slide being read); stops.length past the end. */
export function stopIndexAt(stops: readonly Stop[], current: number, reading: number | undefined): number {
  const at = stops.findIndex((s) => (reading !== undefined ? s.kind === "read" && s.slide === reading : s.kind === "unit" && current >= s.unit.first && current <= s.unit.last));
  return at < 0 ? stops.length : at;
}
