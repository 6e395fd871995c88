import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Step } from "../src/graph/step.js";
import { buildJunitXml } from "../src/report/junit-reporter.js";
import type { StepResult } from "../src/run/result.js";
import { retryPause, whyNotRetried } from "../src/run/retry.js";
import { chromiumMissing, HeadlessChromium } from "./browser.js";
import { cli, fixture } from "./helpers.js";
import { findAll, parseXml, type XmlElement } from "./xml.js";

interface JsonAttempt {
  status: string;
  durationMs: number;
  output: string;
  reason?: string;
}
interface JsonStep {
  id: string;
  kind: string;
  text: string;
  line: number;
  status: string;
  exitCode: number | null;
  reason?: string;
  durationMs: number;
  output: string;
  attempts?: number;
  flaky?: boolean;
  earlierAttempts?: JsonAttempt[];
  notRetried?: string;
  catchUp?: true;
  shard?: number;
}
interface JsonReport {
  shards?: number;
  steps: JsonStep[];
  summary: Record<string, number>;
}

const SECRET = "s3cr3t-token-value";
const works: string[] = [];
let work: string;

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "labrun-retries-"));
  works.push(dir);
  return dir;
}

beforeEach(() => {
  work = workDir();
});
afterEach(() => {
  for (const dir of works.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function run(deck: string, extra: string[], opts: { env?: Record<string, string>; dir?: string } = {}) {
  const dir = opts.dir ?? work;
  const report = join(dir, "report.json");
  const junit = join(dir, "junit.xml");
  const r = await cli(["run", fixture("retries", deck), "--ci", "--env", `WORK=${dir}`, "--reporter", "json", "--output", report, "--junit", junit, ...extra], { env: opts.env });
  const json = existsSync(report) ? (JSON.parse(readFileSync(report, "utf8")) as JsonReport) : undefined;
  const xml = existsSync(junit) ? readFileSync(junit, "utf8") : "";
  return { ...r, json: json!, xml, files: (existsSync(report) ? readFileSync(report, "utf8") : "") + xml };
}

const byLine = (json: JsonReport, line: number): JsonStep => json.steps.find((s) => s.line === line)!;
const testcase = (root: XmlElement, line: number): XmlElement => findAll(root, "testcase").find((t) => t.attributes.classname!.endsWith(`:${line}`))!;

// Each test runs labrun (the flaky deck takes about 7 s of steps, and 2 CPUs are shared): a minute or two under load.
describe("run --retries N", { timeout: 180_000 }, () => {
  it("reports a step that fails once then passes as flaky, with 2 attempts, in the JSON report, JUnit, the CI lines and GitHub annotations", async () => {
    const r = await run("flaky.md", ["--retries", "1", "--step-timeout", "2", "--env", `TOKEN=${SECRET}`, "--mask", "TOKEN"], { env: { GITHUB_ACTIONS: "true" } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // grep on a pipe that says no, then yes; an expectation whose command says Pending, then Running;
    // a wait for a line printed after the step's timeout; a wait on a command that ended without it.
    const flakyLines = [12, 35, 48, 71];
    for (const line of flakyLines) {
      const step = byLine(r.json, line);
      expect(step, `line ${line}`).toMatchObject({ status: "passed", attempts: 2, flaky: true });
      expect(step.earlierAttempts, `line ${line}`).toHaveLength(1);
    }
    expect(r.json.steps.filter((s) => s.flaky).map((s) => s.line)).toEqual(flakyLines);
    for (const step of r.json.steps.filter((s) => !flakyLines.includes(s.line))) expect(step, step.id).toMatchObject({ status: "passed", attempts: 1 });
    expect(r.json.summary).toMatchObject({ passed: r.json.steps.length, failed: 0, timedOut: 0, flaky: 4 });

    expect(byLine(r.json, 12).earlierAttempts![0]).toMatchObject({ status: "failed", reason: "exit status 1" });
    // The expectation's retry ran `cat` again: the first try saw what the first run printed, masked.
    expect(byLine(r.json, 35).earlierAttempts![0]).toMatchObject({ status: "failed", output: expect.stringMatching(/^Pending \*{4}$/m) });
    expect(byLine(r.json, 35).output).toMatch(/^Running$/m);
    // A wait on a command still running waits further, with a timeout of its own: the keys after it stop that same command.
    expect(byLine(r.json, 48).earlierAttempts![0]).toMatchObject({ status: "timedOut", reason: "'READY' did not appear within 2 s" });
    expect(byLine(r.json, 48).earlierAttempts![0]!.durationMs).toBeGreaterThanOrEqual(1900);
    expect(byLine(r.json, 52).output).toBe("after-the-wait\n");
    // A wait on a command that had ended (and only reads) started it again.
    expect(byLine(r.json, 71).output).toContain("listening");

    const junit = parseXml(r.xml);
    expect(findAll(junit, "failure")).toHaveLength(0);
    expect(findAll(junit, "testsuite")[0]!.attributes.failures).toBe("0");
    for (const line of flakyLines) expect(findAll(testcase(junit, line), "flakyFailure"), `line ${line}`).toHaveLength(1);
    expect(findAll(junit, "flakyFailure")).toHaveLength(4);
    const [expectation] = findAll(testcase(junit, 35), "flakyFailure");
    expect(expectation!.attributes).toEqual({ message: "expected output did not match", type: "failure" });
    expect(findAll(expectation!, "system-out")[0]!.text).toMatch(/^Pending \*{4}$/m);
    expect(findAll(expectation!, "stackTrace")[0]!.text).toContain("- Running");
    expect(findAll(testcase(junit, 48), "flakyFailure")[0]!.attributes).toEqual({ message: "timed out: 'READY' did not appear within 2 s", type: "timeout" });

    expect(r.stdout).toMatch(/^~ FLAKY +[\d.]+m?s {2}\S*flaky\.md:12 {2}grep -q yes \$WORK\/answers {2}\(passed on attempt 2\)\n {4}attempt 1: exit status 1\n {4}attempt 2: passed$/m);
    expect(r.stdout).toMatch(/^~ FLAKY .*flaky\.md:35 {2}\[expect\] Running {2}\(passed on attempt 2\)$/m);
    expect(r.stdout).toMatch(/^12 passed \(4 flaky\), 0 failed, 0 skipped, 0 timed out in /m);
    expect(r.stdout).toMatch(/^::warning file=\S*flaky\.md,line=12,title=Flaky \(passed on attempt 2\)%3A slide 1%3A A command that only reads::attempt 1: exit status 1%0Aattempt 2: passed$/m);
    expect(r.stdout).not.toMatch(/^::error/m);
    expect(r.stdout + r.stderr + r.files).not.toContain(SECRET);
  });

  it("does not run a step that changes the node twice; a step that fails every try reports each, with its own timeout", async () => {
    const r = await run("not-retried.md", ["--retries", "1", "--keep-going", "--step-timeout", "1"]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const mkdir = byLine(r.json, 6);
    expect(mkdir).toMatchObject({ status: "failed", attempts: 1, notRetried: expect.stringMatching(/^changes the node \(mkdir \$WORK\/missing\/deeper\)$/) });
    expect(mkdir.earlierAttempts).toBeUndefined();
    expect(r.stdout).toMatch(/^✗ FAIL .*not-retried\.md:6 {2}mkdir \$WORK\/missing\/deeper\n {4}exit status 1\n {4}not retried: changes the node \(mkdir \$WORK\/missing\/deeper\)$/m);
    // An expectation on a command that changes the node: the same output would give the same verdict, and the command is not run again.
    expect(byLine(r.json, 25)).toMatchObject({ status: "failed", attempts: 1, notRetried: "the command it checks changes the node (tee $WORK/hello.txt)" });
    expect(byLine(r.json, 18)).toMatchObject({ status: "passed", attempts: 1 });

    const test = byLine(r.json, 35);
    expect(test).toMatchObject({ status: "failed", attempts: 2, earlierAttempts: [expect.objectContaining({ status: "failed", reason: "exit status 1" })] });
    expect(test.flaky).toBeUndefined();
    expect(r.stdout).toMatch(/^✗ FAIL .*not-retried\.md:35 {2}test -e \$WORK\/never {2}\(2 attempts\)\n {4}attempt 1: exit status 1\n {4}attempt 2: exit status 1$/m);

    const sleep = byLine(r.json, 39);
    expect(sleep).toMatchObject({ status: "timedOut", attempts: 2, earlierAttempts: [expect.objectContaining({ status: "timedOut" })] });
    const first = sleep.earlierAttempts![0]!.durationMs;
    expect(first).toBeGreaterThanOrEqual(950);
    expect(first).toBeLessThan(10_000);
    // Two tries of a second each, and the pause between them.
    expect(sleep.durationMs).toBeGreaterThanOrEqual(2 * 950 + 1000);
    expect(r.json.summary).toMatchObject({ passed: 1, failed: 3, timedOut: 1 });
    expect(r.json.summary.flaky).toBeUndefined();

    const junit = parseXml(r.xml);
    expect(findAll(testcase(junit, 6), "rerunFailure")).toHaveLength(0);
    expect(findAll(testcase(junit, 35), "failure").map((f) => f.attributes)).toEqual([{ message: "exit status 1", type: "failure" }]);
    expect(findAll(testcase(junit, 35), "rerunFailure").map((f) => f.attributes)).toEqual([{ message: "exit status 1", type: "failure" }]);
    expect(findAll(testcase(junit, 39), "rerunFailure").map((f) => f.attributes.type)).toEqual(["timeout"]);
    expect(findAll(junit, "flakyFailure")).toHaveLength(0);
  });

  it("--retries 0 is the run without it: no retry, no attempts in the report", async () => {
    const other = workDir();
    const [zero, none] = await Promise.all([run("flaky.md", ["--retries", "0"]), run("flaky.md", [], { dir: other })]);
    for (const r of [zero, none]) {
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(byLine(r.json, 12)).toMatchObject({ status: "failed", exitCode: 1 });
      expect(r.stdout).not.toContain("FLAKY");
      expect(r.files).not.toMatch(/"(attempts|flaky|notRetried|earlierAttempts)":|flakyFailure|rerunFailure/);
    }
    const shape = (r: { json: JsonReport }) => r.json.steps.map((s) => [s.id, s.status, s.exitCode, Object.keys(s).sort().join()]);
    expect(shape(zero)).toEqual(shape(none));
  });

  it("says a bad number of retries is a usage error, in one line, exit 2", async () => {
    const deck = fixture("retries", "flaky.md");
    const results = await Promise.all([["-1"], ["x"], ["1.5"], [""], []].map((value) => cli(["run", deck, "--ci", "--retries", ...value])));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/--retries/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(results[1]!.stderr).toMatch(/--retries x: expected a whole number/);
  });
});

// What the page-side function below reads of the DOM (the DOM's types are not part of this project's).
interface PageElement {
  getClientRects(): { readonly length: number };
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
  readonly textContent: string | null;
}
declare const document: {
  querySelectorAll(selector: string): Iterable<PageElement>;
  querySelector(selector: string): PageElement | null;
};

const noChromium = chromiumMissing();
if (noChromium) console.warn(`flaky step HTML test skipped: ${noChromium}`);

// A real run of a step that fails once then passes, through every report a maintainer reads, and
// through merge-reports (of that run, and of the deck run in two shards).
describe.skipIf(noChromium !== undefined)("a flaky step in the HTML report and through merge-reports", { timeout: 180_000 }, () => {
  const deck = fixture("retries", "fails-once.md");
  const FLAKY_LINE = 28;
  let chromium: HeadlessChromium;
  beforeAll(async () => {
    chromium = await HeadlessChromium.launch();
  }, 60_000);
  afterAll(async () => chromium?.close());

  /** The steps the page marks flaky (badge and class), the totals line, and what the "Flaky" filter leaves shown. */
  async function flakyOnPage(file: string) {
    const { page, blocked, errors } = await chromium.open(file);
    try {
      const marks = await page.evaluate(() => ({
        badges: [...document.querySelectorAll(".step .tag.flaky")].map((e) => ({ id: e.closest(".step")?.getAttribute("data-id"), text: e.textContent, title: e.getAttribute("title") })),
        flakySteps: [...document.querySelectorAll(".step.flaky")].map((e) => e.getAttribute("data-id")),
        totals: document.querySelector(".totals")?.textContent ?? "",
      }));
      await page.click("label:has(#filter-flaky)");
      const shown = await page.evaluate(() => [...document.querySelectorAll(".step")].filter((e) => e.getClientRects().length > 0).map((e) => e.getAttribute("data-id")));
      return { ...marks, shown, blocked, errors };
    } finally {
      await page.close();
    }
  }

  /** merge-reports of `files` to JSON, JUnit and HTML. */
  async function merge(dir: string, name: string, files: string[]) {
    const json = join(dir, `${name}.json`);
    const xml = join(dir, `${name}.xml`);
    const html = join(dir, `${name}.html`);
    const runs = await Promise.all(([["json", json], ["junit", xml], ["html", html]] as const).map(([reporter, output]) => cli(["merge-reports", ...files, "--reporter", reporter, "--output", output])));
    for (const r of runs) expect(r.code, r.stdout + r.stderr).toBe(0);
    return { json: JSON.parse(readFileSync(json, "utf8")) as JsonReport, junit: parseXml(readFileSync(xml, "utf8")), html };
  }

  function expectFlakyKept(merged: { json: JsonReport; junit: XmlElement }, flakyId: string) {
    const flaky = merged.json.steps.find((s) => s.id === flakyId)!;
    expect(flaky).toMatchObject({ line: FLAKY_LINE, status: "passed", attempts: 2, flaky: true });
    expect(flaky.earlierAttempts).toEqual([expect.objectContaining({ status: "failed", exitCode: 1, reason: "exit status 1" })]);
    for (const other of merged.json.steps.filter((s) => s.id !== flakyId)) expect(other, other.id).toMatchObject({ status: "passed", attempts: 1 });
    expect(merged.json.steps.filter((s) => s.flaky)).toHaveLength(1);
    expect(merged.json.summary).toMatchObject({ passed: 5, failed: 0, flaky: 1 });
    expect(findAll(merged.junit, "failure")).toHaveLength(0);
    expect(findAll(merged.junit, "flakyFailure")).toHaveLength(1);
    expect(findAll(testcase(merged.junit, FLAKY_LINE), "flakyFailure").map((f) => f.attributes)).toEqual([{ message: "exit status 1", type: "failure" }]);
  }

  it("marks the step flaky in the run's HTML report, and merge-reports keeps attempts, flaky and JUnit flakyFailure", async () => {
    const report = join(work, "report.json");
    const html = join(work, "report.html");
    const r = await cli(["run", deck, "--ci", "--retries", "1", "--env", `WORK=${work}`, "--reporter", "json", "--output", report, "--reporter", "html", "--output", html]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^~ FLAKY .*fails-once\.md:28 {2}test -e \$WORK\/marker .* {2}\(passed on attempt 2\)$/m);
    const json = JSON.parse(readFileSync(report, "utf8")) as JsonReport;
    const flakyId = byLine(json, FLAKY_LINE).id;
    expect(byLine(json, FLAKY_LINE)).toMatchObject({ status: "passed", attempts: 2, flaky: true });
    expect(readFileSync(join(work, "marker"), "utf8")).toBe("hello\n");

    const page = await flakyOnPage(html);
    expect(page.badges).toEqual([{ id: flakyId, text: "flaky", title: "passed on attempt 2" }]);
    expect(page.flakySteps).toEqual([flakyId]);
    expect(page.totals).toMatch(/5 passed.*1 flaky/);
    expect(page.shown).toEqual([flakyId]);
    expect(page.blocked).toEqual([]);
    expect(page.errors).toEqual([]);

    // The run's report alone, as one shard of one.
    const one = await merge(work, "merged-one", [report]);
    expect(one.json.shards).toBe(1);
    expectFlakyKept(one, flakyId);
    expect((await flakyOnPage(one.html)).shown).toEqual([flakyId]);

    // The deck in two shards (each on a machine, a folder, of its own): the flaky step is shard 2's, after its catch-up.
    const machines = [workDir(), workDir()];
    const shards = await Promise.all(
      [1, 2].map(async (i) => {
        const dir = machines[i - 1]!;
        const file = join(dir, `shard-${i}.json`);
        const run = await cli(["run", deck, "--ci", "--retries", "1", "--shard", `${i}/2`, "--env", `WORK=${dir}`, "--reporter", "json", "--output", file]);
        expect(run.code, run.stdout + run.stderr).toBe(0);
        return file;
      }),
    );
    const shard2 = JSON.parse(readFileSync(shards[1]!, "utf8")) as JsonReport;
    expect(shard2.steps.filter((s) => s.catchUp).map((s) => s.line)).toEqual([6]);
    expect(readFileSync(join(machines[1]!, "marker"), "utf8")).toBe("hello\n");
    const two = await merge(work, "merged-two", shards);
    expect(two.json.shards).toBe(2);
    expect(two.json.steps.map((s) => [s.line, s.shard])).toEqual([[6, 1], [10, 1], [14, 1], [FLAKY_LINE, 2], [32, 2]]);
    expectFlakyKept(two, flakyId);
    expect((await flakyOnPage(two.html)).badges).toEqual([{ id: flakyId, text: "flaky", title: "passed on attempt 2" }]);
  });
});

function step(kind: Step["kind"], id = `deck/slide/${kind}`): Step {
  return { id, kind, text: "x", file: "deck.md", line: 1, column: 1, slide: 1, title: "", chapter: "", hidden: false, classes: [], dependsOn: [], defines: [], uses: [] };
}

describe("which steps a retry may run again", () => {
  const nodeChanges = new Map([["deck/slide/apply", "kubectl apply -f web.yaml"]]);
  const reading = { id: "deck/slide/get", running: false, driven: false };

  it("runs a command again only when it does not change the node", () => {
    expect(whyNotRetried(step("bash", "deck/slide/get"), undefined, { nodeChanges })).toBeUndefined();
    expect(whyNotRetried(step("hide", "deck/slide/apply"), undefined, { nodeChanges })).toBe("changes the node (kubectl apply -f web.yaml)");
    expect(whyNotRetried(step("bash", "deck/slide/get"), undefined, { nodeChanges, replaced: new Map([["deck/slide/get", "true"]]) })).toBe("comes from the catch-up profile");
  });

  it("judges a check again: waiting further on a command still running, else after running it again if it only reads", () => {
    for (const kind of ["wait", "longwait", "check", "expect"] as const) {
      expect(whyNotRetried(step(kind), reading, { nodeChanges }), kind).toBeUndefined();
      expect(whyNotRetried(step(kind), { id: "deck/slide/apply", running: true, driven: true }, { nodeChanges }), kind).toBeUndefined();
      expect(whyNotRetried(step(kind), { id: "deck/slide/apply", running: false, driven: false }, { nodeChanges }), kind).toBe("the command it checks changes the node (kubectl apply -f web.yaml)");
      expect(whyNotRetried(step(kind), undefined, { nodeChanges }), kind).toBe("no command before it ran");
    }
    // A command that keys drove (vim, a pager) is not started again for an expectation: its keys would not follow.
    expect(whyNotRetried(step("expect"), { ...reading, driven: true }, { nodeChanges })).toMatch(/driven by keys/);
    expect(whyNotRetried(step("wait"), { ...reading, driven: true }, { nodeChanges })).toBeUndefined();
    expect(whyNotRetried(step("open"), undefined, { nodeChanges })).toBeUndefined();
  });

  it("never retries keys, pastes, copies or tmux steps", () => {
    for (const kind of ["key", "keys", "paste", "copy", "tmux"] as const) expect(whyNotRetried(step(kind), reading, { nodeChanges }), kind).toMatch(/^it /);
  });

  it("pauses longer before each retry, up to 10 s", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryPause(n))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(retryPause(3, 10)).toBe(40);
  });
});

describe("JUnit reruns", () => {
  const tricky = `<b>&amp; "quoted" ]]> done\x1b[31m red\x1b[0m`;
  const base: StepResult = { step: step("bash"), status: "passed", exitCode: 0, durationMs: 1500, output: "ok\n", assertions: [] };

  it("writes flakyFailure and rerunFailure elements escaped, in Surefire's order", () => {
    const flaky: StepResult = {
      ...base,
      attempts: 3,
      flaky: true,
      earlierAttempts: [
        { status: "failed", exitCode: 1, durationMs: 10, output: tricky, assertions: [], reason: `exit "1" <&>` },
        { status: "timedOut", exitCode: null, durationMs: 20, output: "", assertions: [{ expected: "a", actual: "b", passed: false, diff: "- a\n+ b ]]>" }] },
      ],
    };
    const failed: StepResult = { ...base, step: step("bash", "deck/slide/2"), status: "failed", exitCode: 2, output: "last\n", attempts: 2, earlierAttempts: [{ status: "failed", exitCode: 1, durationMs: 5, output: "first\n", assertions: [] }] };
    const xml = buildJunitXml([flaky, failed]);
    const [passing, failing] = findAll(parseXml(xml), "testcase");
    expect(passing!.children.map((c) => c.name)).toEqual(["flakyFailure", "flakyFailure"]);
    const [one, two] = passing!.children;
    expect(one!.attributes).toEqual({ message: `exit "1" <&>`, type: "failure" });
    expect(findAll(one!, "system-out")[0]!.text).toBe(`<b>&amp; "quoted" ]] > done red`);
    expect(two!.attributes).toEqual({ message: "timed out", type: "timeout" });
    expect(findAll(two!, "stackTrace")[0]!.text).toBe("- a\n+ b ]] >");
    expect(failing!.children.map((c) => `${c.name} ${c.attributes.message}`)).toEqual(["failure exit status 1", "rerunFailure exit status 2"]);
    expect(failing!.children[0]!.text).toBe("first");
    expect(findAll(failing!.children[1]!, "system-out")[0]!.text).toBe("last");
    expect(xml).toMatch(/<testsuite [^>]*tests="2" failures="1" errors="0"/);
  });
});
