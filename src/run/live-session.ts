import { stepSignature, type SlideRun } from "../graph/watch-plan.js";
import type { Step } from "../graph/step.js";
import { Runner, type RunOptions, type RunOutcome } from "./runner.js";
import type { StepResult } from "./result.js";
import { isStopSignal } from "./signals.js";
import { summarize } from "./summary.js";

export interface RoundEvents {
  /** A slide of the round is about to run (its catch-up first); the slide as it may be shown. */
  onSlide?(slide: SlideRun): void;
}

/**
 * One long-lived shell across rounds of steps (`labrun watch`): variables, cwd and what the steps
 * started carry over from one round to the next, and the session remembers which steps passed,
 * with what text, so that a later round does not replay them. Each round is a run for the
 * reporters (start, steps, end with its own summary); the first failure skips the rest of the round.
 */
export class LiveSession {
  private readonly runner: Runner;
  private readonly passed = new Map<string, string>();

  constructor(private readonly options: RunOptions = {}) {
    this.runner = new Runner(options);
  }

  /** Step id -> signature of the steps that passed in this session (the latest run of each). */
  get ran(): ReadonlyMap<string, string> {
    return this.passed;
  }

  /** Starts the shell now, so that the first round does not wait for it. */
  async start(): Promise<void> {
    await this.runner.activeSession();
  }

  async run(slides: readonly SlideRun[], events: RoundEvents = {}): Promise<RunOutcome> {
    const reporters = this.options.reporters ?? [];
    const view = this.runner.view;
    const started = Date.now();
    const sequence: Step[] = slides.flatMap((s) => [...s.catchUp, ...s.steps]);
    const shown = view.steps(sequence);
    for (const r of reporters) r.onRunStart?.(shown);
    const results: StepResult[] = [];
    let stopReason: string | undefined;
    let i = 0;
    for (const slide of slides) {
      events.onSlide?.({ ...slide, title: view.text(slide.title), file: view.text(slide.file) });
      for (const step of [...slide.catchUp, ...slide.steps]) {
        if (!stopReason && this.options.signal?.aborted) stopReason = "interrupted";
        for (const r of reporters) r.onStepStart?.(shown[i]!);
        const result = stopReason ? view.result(skipped(step, stopReason)) : await this.runner.runStep(step, sequence[i + 1]);
        results.push(result);
        if (result.status === "passed") this.passed.set(step.id, stepSignature(step));
        else if (!stopReason) this.passed.delete(step.id);
        for (const r of reporters) r.onStepResult?.(result);
        if (!stopReason && result.status === "interrupted") stopReason = "interrupted";
        if (!stopReason && (result.status === "failed" || result.status === "timedOut")) stopReason = `an earlier step failed (${step.file}:${step.line})`;
        i++;
      }
    }
    const reason: unknown = this.options.signal?.aborted ? this.options.signal.reason : undefined;
    const summary = summarize(results, Date.now() - started, isStopSignal(reason) ? reason : undefined);
    for (const r of reporters) await r.onRunEnd?.(results, summary);
    return { results, summary };
  }

  /** Ends the shell and everything it started. */
  close(): Promise<void> {
    return this.runner.close();
  }
}

function skipped(step: Step, reason: string): StepResult {
  return { step, status: "skipped", exitCode: null, durationMs: 0, output: "", assertions: [], reason };
}
