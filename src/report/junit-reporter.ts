import { createRequire } from "node:module";
import { basename, extname } from "node:path";
import type { Builder, TestCase, TestSuite } from "junit-report-builder";
import type { AttemptResult, Reporter, RunSummary, StepResult } from "../run/result.js";
import { assertionDiff, commandLine, failedAssertions, failureMessage, plain, slideLabel } from "./format.js";
import { writeFileAtomic } from "./write-file.js";

// The package is CommonJS (`module.exports = builder`) but its types declare an ES default
// export, which TypeScript's NodeNext resolution reads as `.default`: require it, as Node loads it.
const junitBuilder = createRequire(import.meta.url)("junit-report-builder") as Builder;

export interface JunitReporterOptions {
  /** The deck's name: names the report and the suite of steps outside any chapter. */
  readonly name?: string;
}

/**
 * JUnit XML for CI test views: a testsuite per chapter, a testcase per step.
 * Failed and timed-out steps are failures; a step a signal stopped is an error ("interrupted by
 * SIGTERM"); skipped steps are skipped, their reason in system-out (junit-report-builder's
 * `<skipped/>` takes no message).
 *
 * With --retries, as Maven Surefire writes reruns (and Jenkins reads them): a step that passed on
 * a retry is a passing testcase with one `<flakyFailure>` per failed try; a step that failed every
 * try is a `<failure>` for the first and one `<rerunFailure>` per retry. Each has the try's
 * message and type, the diff of its expectation in `<stackTrace>`, its output in `<system-out>`.
 */
export class JunitReporter implements Reporter {
  constructor(
    private readonly file: string,
    private readonly opts: JunitReporterOptions = {},
  ) {}

  async onRunEnd(results: readonly StepResult[], _summary?: RunSummary): Promise<void> {
    await writeFileAtomic(this.file, buildJunitXml(results, this.opts));
  }
}

export function buildJunitXml(results: readonly StepResult[], opts: JunitReporterOptions = {}): string {
  const report = junitBuilder.newBuilder();
  if (opts.name) report.name(xmlText(opts.name));

  // Map keeps insertion order: suites come in the order their chapters first appear.
  const suites = new Map<string, { suite: TestSuite; seconds: number }>();
  for (const result of results) {
    const name = suiteName(result, opts);
    let entry = suites.get(name);
    if (!entry) {
      entry = { suite: report.testSuite().name(name), seconds: 0 };
      suites.set(name, entry);
    }
    entry.seconds += result.durationMs / 1000;
    addTestCase(entry.suite, result);
  }
  for (const { suite, seconds } of suites.values()) suite.time(roundSeconds(seconds));
  return report.build();
}

function addTestCase(suite: TestSuite, result: StepResult): void {
  const { step } = result;
  const testCase = suite
    .testCase()
    .className(xmlText(`${step.file}:${step.line}`))
    .name(xmlText(`${slideLabel(result)} — ${commandLine(step.text, 120)}`))
    .file(xmlText(step.file))
    .time(roundSeconds(result.durationMs / 1000));

  const tries = result.earlierAttempts ?? [];
  switch (result.status) {
    case "passed":
      if (result.flaky) appendTries(testCase, "flakyFailure", tries, result.warning ? warningText(result) : undefined);
      else if (result.warning) testCase.standardOutput(cdata(warningText(result)));
      break;
    case "skipped":
      testCase.skipped();
      if (result.reason) testCase.standardOutput(cdata(`skipped: ${result.reason}`));
      break;
    case "failed":
    case "timedOut": {
      const first = tries[0] ?? result;
      testCase.failure(xmlText(failureMessage(first)), failureType(first));
      const content = failureContent(first);
      if (content) testCase.stacktrace(cdata(content));
      if (tries.length > 0) appendTries(testCase, "rerunFailure", [...tries.slice(1), result]);
      break;
    }
    case "interrupted": {
      const content = failureContent(result);
      testCase.error(xmlText(failureMessage(result)), "interrupted", content ? cdata(content) : undefined);
      if (tries.length > 0) appendTries(testCase, "rerunFailure", tries);
      break;
    }
  }
}

function warningText(result: StepResult): string {
  return [`warning: ${result.warning}`, ...failedAssertions(result).map(assertionDiff)].join("\n");
}

function failureType(attempt: StepResult | AttemptResult): string {
  return attempt.status === "timedOut" ? "timeout" : "failure";
}

/**
 * Surefire's rerun elements, which junit-report-builder does not know: added with xmlbuilder
 * (which escapes attributes and text) to the testcase the builder made, after its own children,
 * then the testcase's `<system-out>`, in the order of Surefire's schema.
 */
function appendTries(testCase: TestCase, element: "flakyFailure" | "rerunFailure", tries: readonly (StepResult | AttemptResult)[], systemOut?: string): void {
  const build = testCase.build.bind(testCase);
  testCase.build = (parent) => {
    const node = build(parent);
    for (const attempt of tries) {
      const child = node.ele(element, { message: xmlText(failureMessage(attempt)), type: failureType(attempt) });
      const diffs = failedAssertions(attempt).map(assertionDiff).join("\n\n");
      if (diffs) child.ele("stackTrace").cdata(cdata(diffs));
      if (attempt.output.trim()) child.ele("system-out").cdata(cdata(attempt.output.replace(/\s+$/, "")));
    }
    if (systemOut) node.ele("system-out").cdata(cdata(systemOut));
    return node;
  };
}

/** The output, then the diff of each failed assertion. */
function failureContent(result: StepResult | AttemptResult): string {
  const parts: string[] = [];
  if (result.output.trim()) parts.push(result.output.replace(/\s+$/, ""));
  for (const assertion of failedAssertions(result)) parts.push(assertionDiff(assertion));
  return parts.join("\n\n");
}

function suiteName(result: StepResult, opts: JunitReporterOptions): string {
  const chapter = xmlText(result.step.chapter).trim();
  if (chapter) return chapter;
  if (opts.name) return xmlText(opts.name);
  const file = result.step.file;
  return basename(file, extname(file)) || "labrun";
}

/** ANSI codes and control characters have no place in XML (the builder escapes & < > and quotes). */
function xmlText(text: string): string {
  return plain(text);
}

/**
 * Text for a CDATA section. The builder splits only the first `]]>` of a section, so any
 * further one would end the section early: break them all up instead.
 */
function cdata(text: string): string {
  return plain(text).replace(/]]>/g, "]] >");
}

function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
