import { createRequire } from "node:module";
import { basename, extname } from "node:path";
import type { Builder, TestSuite } from "junit-report-builder";
import type { Reporter, RunSummary, StepResult } from "../run/result.js";
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

  switch (result.status) {
    case "passed":
      if (result.warning) testCase.standardOutput(cdata([`warning: ${result.warning}`, ...failedAssertions(result).map(assertionDiff)].join("\n")));
      break;
    case "skipped":
      testCase.skipped();
      if (result.reason) testCase.standardOutput(cdata(`skipped: ${result.reason}`));
      break;
    case "failed":
    case "timedOut": {
      testCase.failure(xmlText(failureMessage(result)), result.status === "timedOut" ? "timeout" : "failure");
      const content = failureContent(result);
      if (content) testCase.stacktrace(cdata(content));
      break;
    }
    case "interrupted": {
      const content = failureContent(result);
      testCase.error(xmlText(failureMessage(result)), "interrupted", content ? cdata(content) : undefined);
      break;
    }
  }
}

/** The output, then the diff of each failed assertion. */
function failureContent(result: StepResult): string {
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
