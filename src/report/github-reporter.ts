import type { Reporter, StepResult } from "../run/result.js";
import { assertionDiff, attemptLines, failedAssertions, failureMessage, slideLabel, tail, visible } from "./format.js";
import { Masker } from "../run/masker.js";

/** How many lines of output an annotation carries (GitHub shows annotations in a small box). */
const OUTPUT_LINES = 10;

/**
 * GitHub Actions annotations: one `::error file=…,line=…,title=…::message` per failed,
 * timed-out or interrupted step, so the failure shows on the deck's line in the pull request;
 * `::warning` for a loose expectation that did not match and for a flaky step (--retries).
 */
export class GithubReporter implements Reporter {
  private readonly masker: Masker;

  /** `mask`: the run's secrets (--mask values), masked in a failed step's output as a terminal shows it, too. */
  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    mask: readonly string[] = [],
  ) {
    this.masker = new Masker(mask);
  }

  onStepResult(result: StepResult): void {
    if (result.warning) this.out.write(warningAnnotation(result) + "\n");
    if (result.flaky) this.out.write(flakyAnnotation(result) + "\n");
    if (result.status !== "failed" && result.status !== "timedOut" && result.status !== "interrupted") return;
    this.out.write(annotation(result, (text) => this.masker.mask(text)) + "\n");
  }
}

/** `::warning` for a loose expectation that did not match: shown on the line, never failing the run. */
export function warningAnnotation(result: StepResult): string {
  const { step } = result;
  const title = `Expected output differs (loose): ${slideLabel(result)}`;
  const message = [result.warning ?? "", ...failedAssertions(result).map(assertionDiff)].join("\n");
  const properties = `file=${escapeProperty(step.file)},line=${step.line},title=${escapeProperty(title)}`;
  return `::warning ${properties}::${escapeData(message)}`;
}

/** `::warning` for a step that failed, then passed on a retry: what each try gave. */
export function flakyAnnotation(result: StepResult): string {
  const { step } = result;
  const title = `Flaky (passed on attempt ${result.attempts}): ${slideLabel(result)}`;
  const properties = `file=${escapeProperty(step.file)},line=${step.line},title=${escapeProperty(title)}`;
  return `::warning ${properties}::${escapeData(attemptLines(result).join("\n"))}`;
}

const TITLES: Partial<Record<StepResult["status"], string>> = { timedOut: "Timed out", interrupted: "Interrupted" };

export function annotation(result: StepResult, mask?: (line: string) => string): string {
  const { step } = result;
  const title = `${TITLES[result.status] ?? "Failed"}: ${slideLabel(result)}`;
  const message = [
    failureMessage(result),
    ...(result.earlierAttempts?.length ? [`tried ${result.attempts} times:`, ...attemptLines(result)] : []),
    ...(result.notRetried ? [`not retried: ${result.notRetried}`] : []),
    ...failedAssertions(result).map(assertionDiff),
    ...(result.output.trim() ? ["output:", ...tail(result.output, OUTPUT_LINES, undefined, mask)] : []),
  ].join("\n");
  const properties = `file=${escapeProperty(step.file)},line=${step.line},title=${escapeProperty(title)}`;
  return `::error ${properties}::${escapeData(message)}`;
}

/** Escaping of a workflow command's message; control characters (the deck's, a step's) are shown, never obeyed. */
export function escapeData(text: string): string {
  return visible(text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A"));
}

/** Escaping of a workflow command's property value: also `:` and `,`, which delimit properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}
