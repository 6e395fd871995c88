/**
 * The one choke point for secrets: what leaves a run (steps, results, their texts, expectations,
 * reasons, warnings, earlier tries of a retried step) goes through a MaskedView first, so that no reporter, UI or saved state
 * (added now or later) can show a masked value, whether it came from the output, the deck's
 * command text, an expected output or an error message.
 */
import type { Dependency, Step } from "../graph/step.js";
import { Masker, maskRows } from "./masker.js";
import type { Assertion, AttemptResult, StepResult } from "./result.js";

export class MaskedView {
  private readonly masker: Masker;
  /** Masked step -> the real one, so that callers handing back a shown step run the real text. */
  private readonly real = new WeakMap<Step, Step>();
  private readonly shown = new WeakMap<Step, Step>();

  constructor(secrets: readonly string[]) {
    this.masker = new Masker(secrets);
  }

  /** Whether there is anything to mask. */
  get active(): boolean {
    return this.masker.active;
  }

  /** Screen rows as they may be shown, `wrapped[i]` when row i continues row i-1. */
  rows(rows: readonly string[], wrapped: readonly boolean[]): string[] {
    return maskRows(this.masker, rows, wrapped);
  }

  /** Text as it may be shown. */
  text(text: string): string {
    return this.masker.mask(text);
  }

  /** The step as it may be shown (the same object when it holds no secret). */
  step(step: Step): Step {
    if (!this.masker.active || this.real.has(step)) return step;
    const known = this.shown.get(step);
    if (known) return known;
    const m = (text: string): string => this.masker.mask(text);
    const masked: Step = {
      ...step,
      id: m(step.id),
      text: m(step.text),
      file: m(step.file),
      title: m(step.title),
      chapter: m(step.chapter),
      dependsOn: step.dependsOn.map(m),
      ...(step.strictReason !== undefined ? { strictReason: m(step.strictReason) } : {}),
      ...(step.dependencies ? { dependencies: step.dependencies.map((d): Dependency => ({ id: m(d.id), because: m(d.because) })) } : {}),
    };
    const result = sameStep(step, masked) ? step : masked;
    this.shown.set(step, result);
    if (result !== step) this.real.set(result, step);
    return result;
  }

  steps(steps: readonly Step[]): readonly Step[] {
    return this.masker.active ? steps.map((s) => this.step(s)) : steps;
  }

  /** The real step behind a shown one (itself when it was never masked). */
  unmasked(step: Step): Step {
    return this.real.get(step) ?? step;
  }

  /** The result as it may be shown: its step, output, assertions, reason and warning masked. */
  result(result: StepResult): StepResult {
    if (!this.masker.active) return result;
    const m = (text: string): string => this.masker.mask(text);
    const assertions = (list: readonly Assertion[]): Assertion[] =>
      list.map((a): Assertion => ({ ...a, expected: m(a.expected), actual: m(a.actual), ...(a.diff !== undefined ? { diff: m(a.diff) } : {}) }));
    return {
      ...result,
      step: this.step(result.step),
      output: m(result.output),
      assertions: assertions(result.assertions),
      ...(result.reason !== undefined ? { reason: m(result.reason) } : {}),
      ...(result.warning !== undefined ? { warning: m(result.warning) } : {}),
      ...(result.notRetried !== undefined ? { notRetried: m(result.notRetried) } : {}),
      ...(result.earlierAttempts
        ? {
            earlierAttempts: result.earlierAttempts.map((a): AttemptResult => ({
              ...a,
              output: m(a.output),
              assertions: assertions(a.assertions),
              ...(a.reason !== undefined ? { reason: m(a.reason) } : {}),
            })),
          }
        : {}),
    };
  }
}

function sameStep(a: Step, b: Step): boolean {
  return (
    a.id === b.id &&
    a.text === b.text &&
    a.file === b.file &&
    a.title === b.title &&
    a.chapter === b.chapter &&
    a.strictReason === b.strictReason &&
    a.dependsOn.every((id, i) => id === b.dependsOn[i]) &&
    (a.dependencies ?? []).every((d, i) => d.id === b.dependencies![i]!.id && d.because === b.dependencies![i]!.because)
  );
}
