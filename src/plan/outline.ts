import type { Step } from "../graph/step.js";
import type { PlannedDeck } from "../index.js";

/** `labrun plan --json`: exactly one JSON document. */
export function planJson(steps: readonly Step[]): string {
  const out = steps.map((s) => ({
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
    dependsOn: s.dependsOn,
    defines: s.defines,
    uses: s.uses,
  }));
  return JSON.stringify({ steps: out }, null, 2);
}

const MARK: Partial<Record<Step["kind"], string>> = { manual: "(shown, not run)", expect: "(expected output)" };

/** `labrun plan`: chapter > slide > steps, hidden and manual steps marked, each with file:line. */
export function planOutline(planned: PlannedDeck, steps: readonly Step[] = planned.graph.steps): string {
  const lines: string[] = [];
  const { deck } = planned;
  const slides = new Set(steps.map((s) => s.slide));
  lines.push(`${deck.title}: ${steps.length} steps on ${slides.size} slides (${planned.parsed.slides.length} slides in all)`);
  let chapter: string | undefined;
  let slide: number | undefined;
  for (const s of steps) {
    if (s.chapter !== chapter) {
      chapter = s.chapter;
      lines.push("", `# ${chapter || "(no chapter)"}`);
    }
    if (s.slide !== slide) {
      slide = s.slide;
      lines.push(`  [${s.slide}] ${s.title || "(untitled)"}`);
    }
    const tag = `${s.hidden ? "hidden " : ""}${s.kind}`.padEnd(15);
    const [first = "", ...rest] = s.text.split("\n");
    const mark = MARK[s.kind] ? `  ${MARK[s.kind]}` : "";
    lines.push(`      ${tag} ${s.file}:${s.line}  ${first}${mark}`);
    for (const more of rest) lines.push(`      ${" ".repeat(15)} ${" ".repeat(`${s.file}:${s.line}`.length)}  ${more}`);
  }
  return lines.join("\n");
}
