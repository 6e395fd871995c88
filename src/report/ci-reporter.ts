import type { Reporter, RunSummary, StepResult, StepStatus } from "../run/result.js";
import {
  assertionDiff,
  attemptLines,
  commandLine,
  failedAssertions,
  formatDuration,
  indent,
  tail,
  visible,
} from "./format.js";
import { failedCatchUp, ownSummary } from "./own-results.js";
import { Masker } from "../run/masker.js";

export interface CiReporterOptions {
  /** Colour the output; the caller decides (TTY, NO_COLOR, --color). */
  readonly color?: boolean;
  /** Ids of the steps a shard replays first: marked `(catch-up)`, and not counted in its summary. */
  readonly catchUp?: ReadonlySet<string>;
  /** The run's secrets (--mask values): masked in a failed step's output as a terminal shows it, too. */
  readonly mask?: readonly string[];
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2 } as const;
type Colour = keyof typeof CODES;

const STATUS: Record<StepStatus, { readonly mark: string; readonly word: string; readonly colour: Colour }> = {
  passed: { mark: "✓", word: "PASS", colour: "green" },
  failed: { mark: "✗", word: "FAIL", colour: "red" },
  timedOut: { mark: "⏱", word: "TIME", colour: "yellow" },
  skipped: { mark: "-", word: "SKIP", colour: "dim" },
  interrupted: { mark: "!", word: "STOP", colour: "red" },
};

/** How many lines of a failed step's output are shown. */
const OUTPUT_LINES = 20;

/**
 * Plain line-per-step output for `labrun run --ci`: readable in a CI log, with or without colour.
 *
 *     ✓ PASS    12ms  intro.md:14  docker run hello-world
 *     ✗ FAIL    1.2s  intro.md:20  curl localhost:8000
 *         curl: (7) Failed to connect
 *     - SKIP     0ms  intro.md:31  docker ps  (needs a failed step)
 *
 *     1 passed, 1 failed, 1 skipped, 0 timed out in 1.2s
 *
 * With --retries, a step that passed on a retry is `~ FLAKY`, and a step tried more than once
 * lists its tries; a failed step that was not tried again says why:
 *
 *     ~ FLAKY  2.1s  intro.md:40  kubectl get pods  (passed on attempt 2)
 *         attempt 1: expected output did not match
 *         attempt 2: passed
 *     ✗ FAIL   30ms  intro.md:52  kubectl apply -f web.yaml
 *         exit status 1
 *         not retried: changes the node (kubectl apply -f web.yaml)
 *
 * A run stopped by a signal marks the step it stopped `! STOP` and says so in the summary:
 *
 *     1 passed, 0 failed, 1 skipped, 0 timed out, 1 interrupted by SIGTERM in 3.4s
 */
export class CiReporter implements Reporter {
  private readonly color: boolean;
  private readonly catchUp: ReadonlySet<string>;
  private readonly masker: Masker;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    opts: CiReporterOptions = {},
  ) {
    this.color = opts.color ?? false;
    this.catchUp = opts.catchUp ?? new Set();
    this.masker = new Masker(opts.mask ?? []);
  }

  onStepResult(result: StepResult): void {
    this.out.write(this.formatResult(result) + "\n");
  }

  onRunEnd(results: readonly StepResult[], summary: RunSummary): void {
    if (this.catchUp.size === 0) {
      this.out.write("\n" + this.formatSummary(summary) + "\n");
      return;
    }
    // A shard: its own steps are its results; the replay is said after them, in red when it failed.
    const own = ownSummary(results, summary, this.catchUp);
    const replayed = results.filter((r) => this.catchUp.has(r.step.id)).length;
    const failed = failedCatchUp(results, this.catchUp);
    const after = failed
      ? this.paint("red", `catch-up failed at ${failed.step.file}:${failed.step.line}: the shard's own steps did not run`)
      : this.paint("dim", `after ${replayed} catch-up step${replayed === 1 ? "" : "s"}`);
    this.out.write("\n" + this.formatSummary(own) + ` (${after})\n`);
  }

  /** The line of a finished step, and for a failure the output and diffs under it. */
  formatResult(result: StepResult): string {
    const { step } = result;
    const status = STATUS[result.status];
    const head = this.paint(status.colour, `${status.mark} ${status.word}`);
    const where = visible(`${step.file}:${step.line}`);
    const what = step.kind === "bash" ? commandLine(step.text) : `[${step.kind}] ${commandLine(step.text)}`;
    let line = `${head} ${formatDuration(result.durationMs).padStart(6)}  ${where}  ${what}`;
    if (this.catchUp.has(step.id)) line += this.paint("dim", "  (catch-up)");
    if (result.status === "skipped" && result.reason) line += this.paint("dim", `  (${visible(result.reason)})`);
    if (result.flaky) return [this.flakyLine(result, where, what), ...attemptLines(result).map((l) => indent(l))].join("\n");
    if (result.attempts !== undefined && result.attempts > 1 && result.status !== "passed") line += `  (${result.attempts} attempts)`;
    if (result.warning) return [this.warningLine(result, where, what), ...this.failureDetails(result, result.warning)].join("\n");
    if (result.status === "passed" || result.status === "skipped") return line;
    return [line, ...this.failureDetails(result)].join("\n");
  }

  /**
   * `N passed, N failed, N skipped, N timed out in 1.2s` (`, N interrupted by SIGTERM` before
   * ` in` when a signal stopped the run), in one colour so CI parsers see the words together.
   */
  formatSummary(summary: RunSummary): string {
    const notes = [...(summary.flaky ? [`${summary.flaky} flaky`] : []), ...(summary.warnings > 0 ? [`${summary.warnings} with a warning`] : [])];
    const warnings = notes.length > 0 ? ` (${notes.join(", ")})` : "";
    const interrupted = summary.signal ? `, ${summary.interrupted} interrupted by ${summary.signal}` : summary.interrupted > 0 ? `, ${summary.interrupted} interrupted` : "";
    const text =
      `${summary.passed} passed${warnings}, ${summary.failed} failed, ${summary.skipped} skipped, ` +
      `${summary.timedOut} timed out${interrupted} in ${formatDuration(summary.durationMs)}`;
    const bad = summary.failed + summary.timedOut + summary.interrupted > 0 || summary.signal !== undefined;
    return this.paint(bad ? "red" : "green", text);
  }

  /** A passed step whose loose expectation did not match: `⚠ WARN`, in yellow. */
  private warningLine(result: StepResult, where: string, what: string): string {
    const tag = this.catchUp.has(result.step.id) ? this.paint("dim", "  (catch-up)") : "";
    return `${this.paint("yellow", "⚠ WARN")} ${formatDuration(result.durationMs).padStart(6)}  ${where}  ${what}${tag}`;
  }

  /** A step that failed, then passed on a retry: `~ FLAKY`, in yellow, with the attempt that passed. */
  private flakyLine(result: StepResult, where: string, what: string): string {
    return `${this.paint("yellow", "~ FLAKY")} ${formatDuration(result.durationMs).padStart(5)}  ${where}  ${what}  (passed on attempt ${result.attempts})`;
  }

  private failureDetails(result: StepResult, reason = result.reason): string[] {
    const details: string[] = [];
    const attempts = attemptLines(result);
    if (attempts.length > 0) details.push(indent(attempts.join("\n")));
    else if (reason) details.push(indent(visible(reason)));
    if (result.notRetried) details.push(indent(visible(`not retried: ${result.notRetried}`)));
    const output = tail(result.output, OUTPUT_LINES, undefined, (text) => this.masker.mask(text));
    if (output.length > 0) details.push(this.paint("dim", indent(output.join("\n"))));
    for (const assertion of failedAssertions(result)) details.push(this.paintDiff(indent(assertionDiff(assertion))));
    return details.filter((detail) => detail !== "");
  }

  /** Colours `+` lines green and `-` lines red. */
  private paintDiff(diff: string): string {
    return diff
      .split("\n")
      .map((line) => {
        const sign = line.trimStart()[0];
        return sign === "+" ? this.paint("green", line) : sign === "-" ? this.paint("red", line) : line;
      })
      .join("\n");
  }

  /** Colours each line on its own: CI log viewers reset styles at line ends. */
  private paint(colour: Colour, text: string): string {
    if (!this.color) return text;
    return text
      .split("\n")
      .map((line) => (line === "" ? line : `\x1b[${CODES[colour]}m${line}\x1b[0m`))
      .join("\n");
  }
}
