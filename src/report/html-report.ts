/**
 * `--reporter html`: the run as one self-contained HTML page. The reporter builds the JSON report's
 * data, as the JSON reporter does, and records what that leaves out (each step's raw output, the
 * session as an asciicast, each step's time in it, the runner's diffs); `renderHtmlReport` turns
 * a JSON report into the page, for a live run and for `merge-reports` alike.
 */
import { dirname, resolve } from "node:path";
import type { Step } from "../graph/step.js";
import type { PlannedDeck } from "../graph/planned-deck.js";
import type { Reporter, RunSummary, StepResult } from "../run/result.js";
import type { AsciicastEvent, AsciicastHeader } from "./asciicast-reporter.js";
import { toJsonReport, type JsonReportContext } from "./json-reporter.js";
import { StepOutputWindow } from "./step-output-window.js";
import { writeFileAtomic } from "./write-file.js";
import { renderHtmlReport, type HtmlStepDetail } from "./html/render.js";

export { renderHtmlReport, type HtmlReportOptions, type HtmlRecording, type HtmlStepDetail } from "./html/render.js";

export interface HtmlReporterOptions {
  readonly cols: number;
  readonly rows: number;
  /** The deck's title (masked). */
  readonly title?: string;
  readonly sourceUrl?: string;
  /** Each slide's Markdown (masked), by slide number: see slideMarkdown. */
  readonly slides?: ReadonlyMap<number, string>;
  /** What the run knows of itself (deck, shard, catch-up steps), as the JSON report has it. */
  readonly context?: JsonReportContext;
  /** The run's secrets (--mask values): masked on each step's screen as the terminal shows it, too. */
  readonly mask?: readonly string[];
}

/** A step's raw output in the page: its beginning and its end, as the recording bounds it but smaller (the page is read, not replayed). */
const PAGE_HEAD_KEPT = 64 * 1024;
const PAGE_TAIL_KEPT = 256 * 1024;

interface CurrentStep {
  readonly startSeconds: number;
  readonly chunks: string[];
  readonly window: StepOutputWindow;
}

export class HtmlReporter implements Reporter {
  private startedAt: number | undefined;
  private lastSeconds = 0;
  private readonly events: AsciicastEvent[] = [];
  /** The recording, bounded per step as the asciicast reporter bounds it. */
  private readonly cast = new StepOutputWindow((seconds, data) => this.events.push([seconds, "o", data]));
  private current: CurrentStep | undefined;
  private readonly details: HtmlStepDetail[] = [];

  constructor(
    private readonly file: string,
    private readonly options: HtmlReporterOptions,
  ) {}

  onRunStart(_steps?: readonly Step[]): void {
    this.startedAt ??= Date.now();
  }

  onStepStart(_step?: Step): void {
    this.cast.end();
    const chunks: string[] = [];
    this.current = { startSeconds: this.now(), chunks, window: new StepOutputWindow((_s, data) => chunks.push(data), PAGE_HEAD_KEPT, PAGE_TAIL_KEPT) };
  }

  onOutput(chunk: string, _atMs?: number): void {
    if (chunk === "") return;
    const seconds = this.now();
    this.cast.add(seconds, chunk);
    this.current?.window.add(seconds, chunk);
  }

  onStepResult(result: StepResult): void {
    const current = this.current;
    this.current = undefined;
    current?.window.end();
    const terminal = current?.chunks.join("");
    this.details.push({
      ...(current ? { startSeconds: current.startSeconds } : {}),
      ...(terminal ? { terminal } : {}),
      diffs: result.assertions.map((a) => a.diff),
    });
  }

  async onRunEnd(results: readonly StepResult[], summary: RunSummary): Promise<void> {
    this.cast.end();
    const header: AsciicastHeader = {
      version: 2,
      width: this.options.cols,
      height: this.options.rows,
      timestamp: Math.floor((this.startedAt ?? Date.now()) / 1000),
      ...(this.options.title !== undefined ? { title: this.options.title } : {}),
      env: { TERM: "xterm-256color", SHELL: "/bin/bash" },
    };
    const html = await renderHtmlReport(toJsonReport(results, summary, this.options.context), {
      ...(this.options.title !== undefined ? { title: this.options.title } : {}),
      ...(this.options.sourceUrl !== undefined ? { sourceUrl: this.options.sourceUrl } : {}),
      ...(this.options.slides ? { slides: this.options.slides } : {}),
      reportDir: dirname(resolve(this.file)),
      recording: { header, events: this.events },
      // Results and details line up: one result per step started (a run's results are never reordered).
      details: results.length === this.details.length ? this.details : [],
      cols: this.options.cols,
      rows: this.options.rows,
      ...(this.options.mask ? { mask: this.options.mask } : {}),
    });
    await writeFileAtomic(this.file, html);
  }

  /** Seconds since the run started, never going back (players need times in order). */
  private now(): number {
    this.startedAt ??= Date.now();
    const seconds = Math.max(this.lastSeconds, Math.round(Date.now() - this.startedAt) / 1000);
    this.lastSeconds = seconds;
    return seconds;
  }
}

/** Each slide's Markdown by number, passed through `mask` (a secret written in a slide stays hidden). */
export function slideMarkdown(planned: PlannedDeck, mask: (text: string) => string = (t) => t): Map<number, string> {
  return new Map(planned.parsed.slides.map((slide) => [slide.number, mask(slide.markdown)]));
}
