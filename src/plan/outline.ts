import type { Step } from "../graph/step.js";
import type { SelectedSteps, ShardPlan } from "../graph/select.js";
import { formatDuration } from "../format-duration.js";
import type { PlannedDeck } from "../graph/planned-deck.js";
import { visible } from "../visible.js";

/** `labrun plan --json`: exactly one JSON document. */
export function planJson(steps: readonly Step[], selected?: SelectedSteps): string {
  const out = steps.map((s) => {
    const skipped = selected?.skip.get(s.id);
    const replaced = selected?.catchUp?.replace.get(s.id);
    return {
      id: s.id,
      kind: s.kind,
      text: s.text,
      file: s.file,
      line: s.line,
      slide: s.slide,
      title: s.title,
      chapter: s.chapter,
      hidden: s.hidden,
      ...(s.lang ? { lang: s.lang } : {}),
      ...(s.kind === "expect" ? { strict: s.strict ?? true, strictReason: s.strictReason ?? "", ...(s.fragment ? { fragment: true } : {}) } : {}),
      ...(s.failsWith !== undefined ? { failsWith: s.failsWith } : {}),
      ...(s.lineLike ? { lineLike: true } : {}),
      dependsOn: s.dependsOn,
      dependencies: s.dependencies ?? s.dependsOn.map((id) => ({ id, because: "unknown" })),
      defines: s.defines,
      uses: s.uses,
      ...(s.resources ? { resources: s.resources } : {}),
      ...(selected?.replayed.has(s.id) ? { replayed: true } : {}),
      ...(skipped ? { skipped } : {}),
      ...(replaced !== undefined ? { replacedBy: replaced } : {}),
    };
  });
  const shard = selected?.shard;
  return JSON.stringify({ ...(shard ? { shard: { index: shard.index, total: shard.total, expectedMs: Math.round(shard.expectedMs[shard.index - 1] ?? 0) } } : {}), steps: out }, null, 2);
}

/** `shard 2/3: slides 14-27 (about 1m20s; the shards: 1m10s, 1m20s, 1m15s)`, catch-up included. */
function shardHeading(shard: ShardPlan): string {
  const head = `shard ${shard.index}/${shard.total}`;
  const all = shard.expectedMs.map((ms) => formatDuration(ms)).join(", ");
  if (shard.steps.length === 0) return `${head}: no steps (the course has ${shard.slides} slides with steps; expected time of the shards: ${all})`;
  const first = shard.steps[0]!.slide;
  const last = shard.steps.at(-1)!.slide;
  return `${head}: ${first === last ? `slide ${first}` : `slides ${first}-${last}`} (about ${formatDuration(shard.expectedMs[shard.index - 1] ?? 0)}, catch-up included; the shards: ${all})`;
}

const MARK: Partial<Record<Step["kind"], string>> = { manual: "(shown, not run)" };

/** `(expected output, strict: why)` or `(expected output, loose: why)`. */
function expectMark(s: Step): string {
  const strict = s.strict ?? true;
  return `(expected output, ${strict ? "strict" : "loose"}${s.strictReason ? `: ${s.strictReason}` : ""})`;
}

/** `labrun plan`: chapter > slide > steps, hidden and manual steps marked, each with file:line; control characters shown, never obeyed. */
export function planOutline(planned: PlannedDeck, selected?: SelectedSteps): string {
  const steps = selected?.steps ?? planned.graph.steps;
  const lines: string[] = [];
  const slides = new Set(steps.map((s) => s.slide));
  lines.push(`${planned.deck.title}: ${steps.length} steps on ${slides.size} slides (${planned.parsed.slides.length} slides in all)`);
  if (selected?.shard) lines.push(shardHeading(selected.shard));
  if (selected?.catchUp) lines.push(`catch-up profile '${selected.catchUp.name}': ${Object.entries(selected.catchUp.env).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  let chapter: string | undefined;
  let slide: number | undefined;
  let replaying = false;
  for (const s of steps) {
    const replayed = selected?.replayed.has(s.id) ?? false;
    if (replayed && !replaying) lines.push("", `Replayed first, to reach slide ${selected!.from!.target.slide} "${selected!.from!.target.title}":`);
    if (!replayed && selected?.from && s.id === selected.from.target.id) {
      lines.push("", `From slide ${s.slide} "${s.title}" on:`);
      chapter = slide = undefined;
    }
    replaying = replayed;
    if (s.chapter !== chapter) {
      chapter = s.chapter;
      lines.push("", `# ${chapter || "(no chapter)"}`);
    }
    if (s.slide !== slide) {
      slide = s.slide;
      lines.push(`  [${s.slide}] ${s.title || "(untitled)"}`);
    }
    const tag = `${s.hidden ? "hidden " : ""}${s.kind}`.padEnd(15);
    const replaced = selected?.catchUp?.replace.get(s.id);
    const [first = "", ...rest] = (replaced ?? s.text).split("\n");
    const skipped = selected?.skip.get(s.id);
    const mark = skipped ? `  (skipped: ${skipped})` : replaced !== undefined ? "  (replaced by the catch-up profile)" : s.kind === "expect" ? `  ${expectMark(s)}` : s.failsWith !== undefined ? `  (must fail, as the slide shows: ${s.failsWith})` : s.lineLike ? "  (lines like the slide's: numbers, times and ids may differ)" : MARK[s.kind] ? `  ${MARK[s.kind]}` : "";
    lines.push(`      ${tag} ${s.file}:${s.line}  ${first}${mark}`);
    for (const more of rest) lines.push(`      ${" ".repeat(15)} ${" ".repeat(`${s.file}:${s.line}`.length)}  ${more}`);
  }
  return visible(lines.join("\n"));
}
