/**
 * The HTML report: one self-contained page built from a JSON report (a live run's, or one merged
 * from shards), chapter > slide > step. What the JSON report does not hold (the raw output with its
 * colours, the recording, each step's time in it, the slides' Markdown, the runner's diffs) comes in
 * the options when the caller has it; without it the page shows the plain output and no player.
 */
import { posix, relative, resolve, sep } from "node:path";
import type { AsciicastEvent, AsciicastHeader } from "../asciicast-reporter.js";
import type { JsonReport, JsonStep } from "../json-reporter.js";
import { formatDuration } from "../format.js";
import { AnsiHtml } from "./ansi-html.js";
import { inlineSafe, playerAssets, SCRIPT, STYLES } from "./assets.js";
import { escapeHtml, scriptJson } from "./escape.js";
import { slideHtml } from "./slide-html.js";
import { stepDiff } from "./step-diff.js";

/** A recording of the run, as an asciicast v2 file holds it. */
export interface HtmlRecording {
  readonly header: AsciicastHeader;
  readonly events: readonly AsciicastEvent[];
}

/** What a live run knows of a step beyond its JSON entry. */
export interface HtmlStepDetail {
  /** Seconds into the recording when the step started. */
  readonly startSeconds?: number;
  /** What the terminal got while the step ran (masked), escape sequences and all. */
  readonly terminal?: string;
  /** The runner's diff for each assertion (same order), when it failed. */
  readonly diffs?: readonly (string | undefined)[];
}

export interface HtmlReportOptions {
  /** The page's title (default: the report's deck title, else "labrun report"). */
  readonly title?: string;
  /** A forge URL the step's file is appended to (`https://github.com/o/r/blob/main/`): links go there, with `#L` and the line. */
  readonly sourceUrl?: string;
  /** Where the page is written: without sourceUrl, links to files are relative to it. */
  readonly reportDir?: string;
  /** Each slide's Markdown (masked), by slide number. */
  readonly slides?: ReadonlyMap<number, string>;
  readonly recording?: HtmlRecording;
  /** Aligned with `report.steps`. */
  readonly details?: readonly (HtmlStepDetail | undefined)[];
  /** Secrets (--mask): masked in each step's terminal as it shows, as well as in its raw output (already masked). */
  readonly mask?: readonly string[];
  /** Terminal size the raw output is played in (default: the recording's, else 120x40). */
  readonly cols?: number;
  readonly rows?: number;
}

/** Fields other parts of labrun may add to a JSON step (retries, shards): read only when present. */
interface OptionalStepFields {
  readonly attempts?: unknown;
  readonly flaky?: unknown;
  readonly catchUp?: unknown;
}
interface OptionalReportFields {
  readonly shard?: { readonly index?: unknown; readonly total?: unknown };
  readonly deck?: { readonly title?: unknown; readonly source?: unknown };
}

const ICON: Record<string, string> = { passed: "✓ passed", failed: "✗ failed", timedOut: "⏱ timed out", skipped: "– skipped", interrupted: "! interrupted" };
const BAD = new Set(["failed", "timedOut", "interrupted"]);

export async function renderHtmlReport(report: JsonReport, options: HtmlReportOptions = {}): Promise<string> {
  const extra = report as JsonReport & OptionalReportFields;
  const title = options.title ?? (typeof extra.deck?.title === "string" ? extra.deck.title : "labrun report");
  const cols = options.cols ?? options.recording?.header.width ?? 120;
  const rows = options.rows ?? options.recording?.header.height ?? 40;
  let recording = options.recording && options.recording.events.length > 0 ? options.recording : undefined;
  let stepHtml: string[] = [];
  const terminal = new AnsiHtml({ cols, rows, ...(options.mask ? { mask: options.mask } : {}) });
  try {
    const render = async (hasPlayer: boolean) => {
      const ctx: RenderContext = { ...options, cols, rows, hasPlayer, terminal };
      const html: string[] = [];
      for (const [i, step] of report.steps.entries()) html.push(await renderStep(step, i, options.details?.[i], ctx));
      return html;
    };
    stepHtml = await render(recording !== undefined);
    // A secret the terminal put together would show in the player, which replays the raw output: no player then.
    if (terminal.maskedOnScreen && recording) {
      recording = undefined;
      stepHtml = await render(false);
    }
  } finally {
    terminal.dispose();
  }
  const unplayable = terminal.maskedOnScreen && options.recording !== undefined;
  const body = renderChapters(report.steps, stepHtml, options.slides);
  const assets = recording ? await playerAssets() : undefined;
  const flaky = report.steps.filter((s) => isFlaky(s)).length;
  const shard = extra.shard && typeof extra.shard.index === "number" && typeof extra.shard.total === "number" ? ` · shard ${extra.shard.index}/${extra.shard.total}` : "";
  const markers = recording ? slideMarkers(report.steps, options.details) : [];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<title>${escapeHtml(title)} · labrun report</title>
<style>${inlineSafe(STYLES, "style")}</style>
${assets ? `<style>${assets.styles}</style>` : ""}
</head>
<body>
<header class="top">
<h1>${escapeHtml(title)}</h1>
<div class="totals">${totals(report, flaky)}<span>${escapeHtml(formatDuration(report.summary.durationMs))}${escapeHtml(shard)}</span>${report.signal ? `<span>stopped by ${escapeHtml(report.signal)}</span>` : ""}</div>
<div class="filters" role="radiogroup" aria-label="Show">
${filter("all", "All", true)}${filter("failures", "Failures")}${filter("flaky", "Flaky")}${filter("skipped", "Skipped")}
</div>
</header>
<div class="layout${recording ? "" : " no-player"}">
<main>
${body}
${emptyNotes(report.steps)}
</main>
${recording ? `<aside class="player-pane"><div id="player"></div><p class="hint">The run as recorded: ▶ beside a step plays from its start.</p></aside>` : ""}
</div>
<footer>${report.steps.length} steps · written by labrun${unplayable ? " · the recording is left out: a masked value showed on a step's screen, put together by the terminal" : ""}</footer>
${recording ? `<script type="application/json" id="labrun-cast">${scriptJson({ header: recording.header, events: recording.events, markers })}</script>` : ""}
${assets ? `<script>${assets.script}</script>` : ""}
<script>${inlineSafe(SCRIPT, "script")}</script>
</body>
</html>
`;
}

/** What a filter that hides every step says instead. */
function emptyNotes(steps: readonly JsonStep[]): string {
  const notes: string[] = [];
  if (!steps.some((s) => BAD.has(s.status))) notes.push(`<p class="empty none-failures">No failures.</p>`);
  if (!steps.some(isFlaky)) notes.push(`<p class="empty none-flaky">No flaky steps.</p>`);
  if (!steps.some((s) => s.status === "skipped")) notes.push(`<p class="empty none-skipped">No skipped steps.</p>`);
  return notes.join("");
}

function filter(id: string, label: string, checked = false): string {
  return `<label><input type="radio" name="filter" id="filter-${id}" value="${id}"${checked ? " checked" : ""}><span>${label}</span></label>`;
}

function totals(report: JsonReport, flaky: number): string {
  const s = report.summary;
  const parts: [string, number, string][] = [
    ["passed", s.passed, "passed"],
    ["failed", s.failed, "failed"],
    ["timedOut", s.timedOut, "timed out"],
    ["interrupted", s.interrupted, "interrupted"],
    ["skipped", s.skipped, "skipped"],
    ["warnings", s.warnings, "warnings"],
    ["flaky", flaky, "flaky"],
  ];
  return parts
    .filter(([key, n]) => n > 0 || key === "passed" || key === "failed")
    .map(([key, n, label]) => `<span class="n-${key}"><b>${n}</b> ${label}</span>`)
    .join("");
}

interface Group<T> {
  readonly key: string;
  readonly items: T[];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Group<T>[] {
  const groups: Group<T>[] = [];
  for (const item of items) {
    const k = key(item);
    const last = groups[groups.length - 1];
    if (last && last.key === k) last.items.push(item);
    else groups.push({ key: k, items: [item] });
  }
  return groups;
}

/** Chapters and slides in the order their steps ran (consecutive steps of one slide share it). */
function renderChapters(steps: readonly JsonStep[], stepHtml: readonly string[], slides: ReadonlyMap<number, string> | undefined): string {
  const indexed = steps.map((step, i) => ({ step, i }));
  return groupBy(indexed, ({ step }) => step.chapter)
    .map((chapter) => {
      const slideGroups = groupBy(chapter.items, ({ step }) => `${step.slide}`);
      const slideHtmlParts = slideGroups.map((group) => {
        const first = group.items[0]!.step;
        const markdown = slides?.get(first.slide);
        const bad = group.items.some(({ step }) => BAD.has(step.status));
        const md = markdown !== undefined && markdown.trim() !== "" ? `<details class="slide-md"${bad ? " open" : ""}><summary>the slide</summary><div class="md">${slideHtml(markdown)}</div></details>` : "";
        return `<section class="slide${groupClasses(group.items.map(({ step }) => step))}" id="slide-${first.slide}">
<h3><span class="num">${first.slide}</span>${escapeHtml(first.title || "(untitled)")}</h3>
${md}
${group.items.map(({ i }) => stepHtml[i]).join("\n")}
</section>`;
      });
      return `<section class="chapter${groupClasses(chapter.items.map(({ step }) => step))}">
<h2>${escapeHtml(chapter.key || "(no chapter)")}</h2>
${slideHtmlParts.join("\n")}
</section>`;
    })
    .join("\n");
}

/** What the filters need to know of a chapter or slide: whether it holds a failure, a flaky or a skipped step. */
function groupClasses(steps: readonly JsonStep[]): string {
  let classes = "";
  if (steps.some((s) => BAD.has(s.status))) classes += " has-bad";
  if (steps.some(isFlaky)) classes += " has-flaky";
  if (steps.some((s) => s.status === "skipped")) classes += " has-skipped";
  return classes;
}

function isFlaky(step: JsonStep): boolean {
  return (step as JsonStep & OptionalStepFields).flaky === true;
}

interface RenderContext extends HtmlReportOptions {
  readonly cols: number;
  readonly rows: number;
  readonly hasPlayer: boolean;
  readonly terminal: AnsiHtml;
}

async function renderStep(step: JsonStep, index: number, detail: HtmlStepDetail | undefined, ctx: RenderContext): Promise<string> {
  const extra = step as JsonStep & OptionalStepFields;
  const attempts = typeof extra.attempts === "number" ? extra.attempts : undefined;
  const flaky = extra.flaky === true;
  const catchUp = extra.catchUp === true;
  const bad = BAD.has(step.status);
  const classes = ["step", `s-${step.status}`, ...(bad ? ["bad"] : []), ...(flaky ? ["flaky"] : []), ...(catchUp ? ["catchup"] : [])];
  const t = ctx.hasPlayer && detail?.startSeconds !== undefined ? detail.startSeconds : undefined;
  const tags = [
    flaky ? `<span class="tag flaky" title="passed on attempt ${attempts ?? "?"}">flaky</span>` : "",
    !flaky && attempts !== undefined && attempts > 1 ? `<span class="tag flaky">${attempts} attempts</span>` : "",
    catchUp ? `<span class="tag catchup" title="replayed before this shard's own steps: not its result">catch-up</span>` : "",
    step.warning !== undefined ? `<span class="tag warn">warning</span>` : "",
  ].join("");
  const output = detail?.terminal !== undefined ? await ctx.terminal.render(detail.terminal) : escapeHtml(step.output.replace(/\n+$/, ""));
  const diffs = step.assertions
    .map((a, i) => (a.passed ? "" : diffHtml(detail?.diffs?.[i] ?? stepDiff(a.expected, a.actual))))
    .filter((d) => d !== "");
  const inner = [
    step.kind === "expect" ? `<div class="label">expected output${step.strict === false ? " (loose: only warns)" : ""}:</div>` : "",
    `<pre class="command">${escapeHtml(step.text)}</pre>`,
    step.reason !== undefined ? `<div class="reason">${escapeHtml(step.reason)}</div>` : "",
    step.warning !== undefined ? `<div class="warning">${escapeHtml(step.warning)}</div>` : "",
    ...diffs,
    output !== "" ? `<pre class="term">${output}</pre>` : "",
  ].join("");
  const link = fileLink(step, ctx);
  return `<div class="${classes.join(" ")}" id="step-${index + 1}" data-id="${escapeHtml(step.id)}"${t !== undefined ? ` data-t="${t}"` : ""}>
<div class="head"><span class="badge">${ICON[step.status] ?? escapeHtml(step.status)}</span><span class="kind">${escapeHtml(step.kind)}</span><code class="cmd1" title="${escapeHtml(step.text)}">${escapeHtml(firstLine(step.text))}</code>${tags}<span class="dur">${escapeHtml(formatDuration(step.durationMs))}</span>${link}${t !== undefined ? `<button class="seek" type="button" data-t="${t}" title="play the recording from this step">▶ ${clock(t)}</button>` : ""}</div>
<details${bad || step.warning !== undefined ? " open" : ""}><summary>details</summary>${inner}</details>
</div>`;
}

function firstLine(text: string): string {
  const lines = text.split("\n");
  return lines.length > 1 ? `${lines[0]} …` : text;
}

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function diffHtml(diff: string): string {
  const lines = diff.replace(/\n+$/, "").split("\n").map((line) => {
    const cls = line.startsWith("-") ? "del" : line.startsWith("+") ? "add" : "";
    return cls ? `<span class="${cls}">${escapeHtml(line)}</span>` : escapeHtml(line);
  });
  return `<pre class="diff">${lines.join("\n")}</pre>`;
}

/** `file:line`, linked to the forge when a source URL is given, else to the file relative to the report. */
function fileLink(step: JsonStep, ctx: RenderContext): string {
  const label = `${step.file}:${step.line}`;
  const path = step.file.split(sep).join(posix.sep);
  let href: string;
  if (ctx.sourceUrl !== undefined) {
    const base = ctx.sourceUrl.endsWith("/") ? ctx.sourceUrl : `${ctx.sourceUrl}/`;
    href = `${base}${encodePath(path.replace(/^(\.\/)+/, ""))}#L${step.line}`;
  } else {
    const target = ctx.reportDir !== undefined ? relative(ctx.reportDir, resolve(step.file)).split(sep).join(posix.sep) : path;
    href = `${encodePath(target)}#L${step.line}`;
  }
  return `<a class="loc" href="${escapeHtml(href)}">${escapeHtml(label)}</a>`;
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** One marker per slide on the player's timeline, at its first step, labelled with its title. */
function slideMarkers(steps: readonly JsonStep[], details: readonly (HtmlStepDetail | undefined)[] | undefined): [number, string][] {
  const markers: [number, string][] = [];
  let slide: number | undefined;
  for (const [i, step] of steps.entries()) {
    const t = details?.[i]?.startSeconds;
    if (t === undefined || step.slide === slide) continue;
    slide = step.slide;
    markers.push([t, `${step.slide}. ${step.title}`]);
  }
  return markers;
}
