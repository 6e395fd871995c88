import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Step } from "../src/graph/step.js";
import type { StepResult } from "../src/run/result.js";
import { AsciicastReporter } from "../src/report/asciicast-reporter.js";
import { CiReporter } from "../src/report/ci-reporter.js";
import { GithubReporter, escapeData, escapeProperty } from "../src/report/github-reporter.js";
import { JsonReporter } from "../src/report/json-reporter.js";
import { JunitReporter } from "../src/report/junit-reporter.js";
import { StepOutputWindow, formatBytes, leftOutMarker } from "../src/report/step-output-window.js";
import { summarize } from "../src/run/summary.js";

function makeStep(overrides: Partial<Step> & Pick<Step, "id" | "text" | "line">): Step {
  return {
    kind: "bash",
    file: "slides/intro.md",
    column: 1,
    slide: 1,
    title: "",
    chapter: "",
    hidden: false,
    classes: [],
    dependsOn: [],
    defines: [],
    uses: [],
    ...overrides,
  };
}

const passed: StepResult = {
  step: makeStep({
    id: "intro/hello-world#1",
    text: "docker run hello-world",
    line: 12,
    slide: 2,
    title: "Hello world",
    chapter: "Getting started",
  }),
  status: "passed",
  exitCode: 0,
  durationMs: 12,
  output: "Hello from Docker!\nThis message shows that your installation appears to be working correctly.\n",
  assertions: [{ expected: "Hello from Docker!", actual: "Hello from Docker!", passed: true }],
};

const failed: StepResult = {
  step: makeStep({
    id: "intro/special#1",
    text: `echo "<b> & 'quotes'" | grep ${"x".repeat(90)}\necho second line`,
    line: 20,
    slide: 3,
    title: `Escaping <tags> & "quotes"`,
    chapter: "Getting started",
  }),
  status: "failed",
  exitCode: 0,
  durationMs: 1234,
  output: "\x1b[31mred <b> & 'quotes'\x1b[0m\nhullo ]]> and again ]]>\n",
  assertions: [
    {
      expected: "hello",
      actual: "hullo",
      passed: false,
      diff: "- hello\n+ hullo",
    },
  ],
};

const timedOut: StepResult = {
  step: makeStep({
    id: "compose/up#1",
    kind: "bash",
    text: "docker compose up",
    file: "slides/compose.md",
    line: 40,
    slide: 7,
    title: "Compose up",
    chapter: "Compose",
  }),
  status: "timedOut",
  exitCode: null,
  durationMs: 2000,
  output: Array.from({ length: 30 }, (_, i) => `worker_1 | line ${i + 1}`).join("\n") + "\n",
  assertions: [],
};

const skipped: StepResult = {
  step: makeStep({
    id: "compose/ps#1",
    text: "docker compose ps",
    file: "slides/compose.md",
    line: 48,
    slide: 8,
    title: "Compose ps",
    chapter: "Compose",
    dependsOn: ["compose/up#1"],
  }),
  status: "skipped",
  exitCode: null,
  durationMs: 0,
  output: "",
  assertions: [],
  reason: "depends on compose/up#1, which timed out",
};

const outside: StepResult = {
  step: makeStep({ id: "title/uname#1", text: "uname -a", file: "slides/title.md", line: 3 }),
  status: "passed",
  exitCode: 0,
  durationMs: 254,
  output: "Linux\n",
  assertions: [],
};

const results: readonly StepResult[] = [passed, failed, timedOut, skipped, outside];

class Collect extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "labrun-report-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Feeds a run's lifecycle to a reporter, as the runner does. */
async function replay(reporter: import("../src/run/result.js").Reporter, rs = results): Promise<void> {
  reporter.onRunStart?.(rs.map((r) => r.step));
  for (const r of rs) {
    reporter.onStepStart?.(r.step);
    reporter.onStepResult?.(r);
  }
  await reporter.onRunEnd?.(rs, summarize(rs));
}

describe("summarize", () => {
  it("counts statuses and sums durations unless given one", () => {
    expect(summarize(results)).toEqual({ passed: 2, failed: 1, skipped: 1, timedOut: 1, interrupted: 0, warnings: 0, durationMs: 3500 });
    expect(summarize(results, 4000).durationMs).toBe(4000);
    expect(summarize([])).toEqual({ passed: 0, failed: 0, skipped: 0, timedOut: 0, interrupted: 0, warnings: 0, durationMs: 0 });
  });

  it("counts interrupted steps and carries the signal that stopped the run", () => {
    const stopped: StepResult = { ...failed, status: "interrupted", reason: "interrupted by SIGHUP" };
    expect(summarize([passed, stopped], 10, "SIGHUP")).toMatchObject({ passed: 1, failed: 0, interrupted: 1, signal: "SIGHUP" });
    expect(summarize([passed])).not.toHaveProperty("signal");
  });
});

describe("CiReporter", () => {
  it("prints a line per step, failure details and the summary line", async () => {
    const out = new Collect();
    await replay(new CiReporter(out));
    const lines = out.text.split("\n");

    expect(out.text).not.toContain("\x1b");
    expect(lines[0]).toBe("✓ PASS   12ms  slides/intro.md:12  docker run hello-world");

    const failLine = lines.find((l) => l.startsWith("✗ FAIL"));
    expect(failLine).toMatch(/^✗ FAIL {3}1\.2s {2}slides\/intro\.md:20 {2}echo "<b> & 'quotes'" \| grep x+… …$/);
    // 80 characters of command at most, then " …" for the second line
    expect(failLine?.split("  slides/intro.md:20  ")[1]).toHaveLength(82);
    expect(out.text).toContain("\n    red <b> & 'quotes'\n");
    expect(out.text).toContain("\n    - hello\n    + hullo\n");

    expect(out.text).toContain("⏱ TIME   2.0s  slides/compose.md:40  docker compose up");
    expect(out.text).toContain("    … 10 lines above not shown\n    worker_1 | line 11\n");
    expect(out.text).toContain("    worker_1 | line 30\n");
    expect(out.text).not.toContain("worker_1 | line 10\n");

    expect(out.text).toContain(
      "- SKIP    0ms  slides/compose.md:48  docker compose ps  (depends on compose/up#1, which timed out)",
    );
    expect(out.text.trimEnd().split("\n").at(-1)).toBe("2 passed, 1 failed, 1 skipped, 1 timed out in 3.5s");
  });

  it("shows a failed step's output as a bounded tail: a 20 MB output gives a few kB, saying what is not shown", () => {
    const many = Array.from({ length: 400_000 }, (_, i) => `line ${i} ${"x".repeat(44)}`).join("\n") + "\n";
    expect(many.length).toBeGreaterThan(20_000_000);
    const text = new CiReporter(new Collect()).formatResult({ ...failed, output: many });
    expect(text.length).toBeLessThan(6_000);
    expect(text).toContain("\n    … 399980 lines above not shown\n    line 399980 x");
    expect(text).toContain(`\n    line 399999 ${"x".repeat(44)}\n`);
    // One line of 20 MB: its end, marked as cut.
    const one = "y".repeat(20_000_000) + "END\n";
    const cut = new CiReporter(new Collect()).formatResult({ ...failed, output: one });
    expect(cut.length).toBeLessThan(6_000);
    expect(cut).toMatch(/\n {4}…y{3997}END(\n|$)/);
  });

  it("shows the deck's control characters in the step line, the reason, the diff and the annotations, never raw", () => {
    const trick: StepResult = {
      ...failed,
      step: { ...failed.step, text: "curl x | sh \x1b[2K\x1b[Gecho hi", title: "Setup\x1b[8m" },
      reason: "no 'ready\x1b[2K' after 2 s",
      notRetried: "changes the node (curl x | sh \x1b[2K)",
      assertions: [{ expected: "ok\x07", actual: "ok", passed: false, diff: "- ok\x07\n+ ok" }],
    };
    const text = new CiReporter(new Collect()).formatResult(trick);
    expect(text).toContain("slides/intro.md:20  curl x | sh \\e[2K\\e[Gecho hi\n");
    expect(text).toContain("    no 'ready\\e[2K' after 2 s\n");
    expect(text).toContain("    not retried: changes the node (curl x | sh \\e[2K)\n");
    expect(text).toContain("    - ok\\x07\n");
    const github = new Collect();
    new GithubReporter(github).onStepResult(trick);
    for (const out of [text, github.text]) expect(out.replace(/\n/g, "")).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(github.text).toContain("title=Failed%3A slide 3%3A Setup\\e[8m::no 'ready\\e[2K' after 2 s");
  });

  it("colours only when asked, keeping the summary words together", async () => {
    const out = new Collect();
    await replay(new CiReporter(out, { color: true }));
    expect(out.text).toContain("\x1b[32m✓ PASS\x1b[0m");
    const last = out.text.trimEnd().split("\n").at(-1) ?? "";
    expect(last).toMatch(/\d+ passed, \d+ failed, \d+ skipped, \d+ timed out in /);
    expect(stripVTControlCharacters(last)).toBe("2 passed, 1 failed, 1 skipped, 1 timed out in 3.5s");
  });

  it("marks other kinds of steps", () => {
    const wait: StepResult = { ...passed, step: { ...passed.step, kind: "wait", text: "Hello from" } };
    expect(new CiReporter(new Collect()).formatResult(wait)).toBe(
      "✓ PASS   12ms  slides/intro.md:12  [wait] Hello from",
    );
  });
});

describe("JsonReporter", () => {
  it("writes the run with exactly the documented keys", async () => {
    const file = join(dir, "out", "report.json");
    await replay(new JsonReporter(file));
    const report: unknown = JSON.parse(await readFile(file, "utf8"));
    expect(await readdir(join(dir, "out"))).toEqual(["report.json"]);

    const doc = report as { steps: Record<string, unknown>[]; summary: Record<string, unknown> };
    expect(Object.keys(doc).sort()).toEqual(["steps", "summary"]);
    expect(doc.summary).toEqual({ passed: 2, failed: 1, skipped: 1, timedOut: 1, interrupted: 0, warnings: 0, durationMs: 3500 });
    expect(doc.steps).toHaveLength(5);

    const required = ["id", "kind", "text", "file", "line", "slide", "title", "chapter", "status", "exitCode", "durationMs", "output", "assertions"];
    for (const [i, step] of doc.steps.entries()) {
      const expected = results[i]?.reason === undefined ? required : [...required, "reason"];
      expect(Object.keys(step).sort()).toEqual([...expected].sort());
      for (const assertion of step.assertions as Record<string, unknown>[]) {
        expect(Object.keys(assertion).sort()).toEqual(["actual", "expected", "passed"]);
      }
    }
    expect(doc.steps[1]).toMatchObject({
      id: "intro/special#1",
      kind: "bash",
      status: "failed",
      exitCode: 0,
      durationMs: 1234,
      assertions: [{ expected: "hello", actual: "hullo", passed: false }],
    });
    expect(doc.steps[3]).toMatchObject({ status: "skipped", reason: "depends on compose/up#1, which timed out" });
  });
});

describe("JunitReporter", () => {
  async function junitXml(): Promise<string> {
    const file = join(dir, "junit.xml");
    await replay(new JunitReporter(file, { name: "dockercoins" }));
    expect(await readdir(dir)).toEqual(["junit.xml"]);
    return readFile(file, "utf8");
  }

  const count = (text: string, pattern: RegExp): number => text.match(pattern)?.length ?? 0;

  it("has a testsuite per chapter, in order, and a testcase per step", async () => {
    const xml = await junitXml();
    expect(xml.startsWith("<?xml")).toBe(true);
    const suites = [...xml.matchAll(/<testsuite [^>]*name="([^"]*)"/g)].map((m) => m[1]);
    expect(suites).toEqual(["Getting started", "Compose", "dockercoins"]);
    expect(count(xml, /<testcase /g)).toBe(5);
    expect(count(xml, /<failure[ >/]/g)).toBe(2);
    expect(count(xml, /<skipped\/?>/g)).toBe(1);
    expect(xml).toMatch(/<testsuites [^>]*name="dockercoins"[^>]*tests="5" failures="2" errors="0" skipped="1"/);
  });

  it("names, times and explains the testcases", async () => {
    const xml = await junitXml();
    expect(xml).toContain(
      `<testcase classname="slides/intro.md:12" name="slide 2: Hello world — docker run hello-world" file="slides/intro.md" time="0.012"`,
    );
    expect(xml).toContain(`<failure message="timed out" type="timeout">`);
    expect(xml).toContain(`<failure message="expected output did not match" type="failure">`);
    expect(xml).toContain("worker_1 | line 30");
    expect(xml).toContain("- hello\n+ hullo");
    expect(xml).toContain("skipped: depends on compose/up#1, which timed out");
  });

  it("escapes special characters and strips ANSI codes", async () => {
    const xml = await junitXml();
    expect(xml).not.toContain("\x1b");
    expect(xml).not.toContain("[31m");
    // (">" needs no escaping in an attribute value)
    expect(xml).toContain(`name="slide 3: Escaping &lt;tags> &amp; &quot;quotes&quot; — echo &quot;&lt;b> &amp; 'quotes'&quot; | grep`);
    // Outside CDATA sections, no raw < or & in text.
    const outsideCdata = xml.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "");
    expect(outsideCdata).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;)/);
    expect(outsideCdata).not.toContain("<b>");
    expect(outsideCdata).not.toContain("]]>");
    // CDATA sections are balanced even with several ]]> in the output.
    expect(count(xml, /<!\[CDATA\[/g)).toBe(count(xml, /\]\]>/g));
  });

  it("reports an exit status", async () => {
    const file = join(dir, "exit.xml");
    const exited: StepResult = { ...failed, exitCode: 2, assertions: [] };
    await replay(new JunitReporter(file), [exited]);
    const xml = await readFile(file, "utf8");
    expect(xml).toContain(`<failure message="exit status 2" type="failure">`);
  });
});

describe("GithubReporter", () => {
  it("annotates failed and timed-out steps only", async () => {
    const out = new Collect();
    await replay(new GithubReporter(out));
    const lines = out.text.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^::error file=slides\/intro\.md,line=20,title=Failed%3A slide 3%3A Escaping <tags> & "quotes"::expected output did not match%0A- hello%0A\+ hullo%0Aoutput:%0Ared /,
    );
    expect(lines[0]).not.toContain("\x1b");
    expect(lines[1]).toMatch(/^::error file=slides\/compose\.md,line=40,title=Timed out%3A slide 7%3A Compose up::timed out%0A/);
  });

  it("annotates an interrupted step as an error naming the signal", () => {
    const out = new Collect();
    new GithubReporter(out).onStepResult({ ...failed, status: "interrupted", reason: "interrupted by SIGTERM", assertions: [], output: "" });
    expect(out.text).toBe("::error file=slides/intro.md,line=20,title=Interrupted%3A slide 3%3A Escaping <tags> & \"quotes\"::interrupted by SIGTERM\n");
  });

  it("escapes per the workflow-command rules", () => {
    expect(escapeData("100% done\r\nnext: a,b")).toBe("100%25 done%0D%0Anext: a,b");
    expect(escapeProperty("a:b,c%\n")).toBe("a%3Ab%2Cc%25%0A");
    const out = new Collect();
    const odd: StepResult = {
      ...failed,
      step: { ...failed.step, file: "decks/a,b:c.md", title: "Ship, then run: 100%" },
      reason: "50% of\r\nthe checks",
      assertions: [],
      output: "",
    };
    new GithubReporter(out).onStepResult(odd);
    expect(out.text).toBe(
      "::error file=decks/a%2Cb%3Ac.md,line=20,title=Failed%3A slide 3%3A Ship%2C then run%3A 100%25::50%25 of%0D%0Athe checks\n",
    );
  });
});

describe("AsciicastReporter", () => {
  it("streams a v2 header and output events with increasing times", async () => {
    const file = join(dir, "casts", "run.cast");
    const reporter = new AsciicastReporter(file, { cols: 100, rows: 30, title: "dockercoins" });
    reporter.onRunStart?.([]);
    reporter.onOutput?.("$ docker run hello-world\r\n", 5000);
    reporter.onOutput?.("\x1b[32mHello\x1b[0m \"from\" Docker!\r\n", 5250);
    reporter.onOutput?.("late chunk\r\n", 5200);
    reporter.onOutput?.("ünïcødé ✓\r\n", 6500.5);
    await reporter.onRunEnd?.([], summarize([]));

    const [headerLine, ...eventLines] = (await readFile(file, "utf8")).trimEnd().split("\n");
    const header: unknown = JSON.parse(headerLine ?? "");
    expect(header).toEqual({
      version: 2,
      width: 100,
      height: 30,
      timestamp: expect.any(Number) as number,
      title: "dockercoins",
      env: { TERM: "xterm-256color", SHELL: "/bin/bash" },
    });
    expect(Math.abs((header as { timestamp: number }).timestamp - Date.now() / 1000)).toBeLessThan(60);

    const events = eventLines.map((line) => JSON.parse(line) as unknown);
    expect(events).toHaveLength(4);
    for (const event of events) {
      expect(Array.isArray(event)).toBe(true);
      expect(event).toEqual([expect.any(Number), "o", expect.any(String)]);
    }
    const times = (events as [number, string, string][]).map((e) => e[0]);
    expect(times).toEqual([0, 0.25, 0.25, 1.5005]);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] ?? 0);
    expect((events[1] as [number, string, string])[2]).toBe("\x1b[32mHello\x1b[0m \"from\" Docker!\r\n");
  });

  it("writes a valid empty recording when there was no output", async () => {
    const file = join(dir, "empty.cast");
    const reporter = new AsciicastReporter(file, { cols: 80, rows: 24 });
    await reporter.onRunEnd?.([], summarize([]));
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ version: 2, width: 80, height: 24 });
    expect(JSON.parse(lines[0] ?? "")).not.toHaveProperty("title");
  });

  it("reports a file it cannot write", async () => {
    // A directory where the file should be: the stream fails asynchronously.
    const reporter = new AsciicastReporter(dir, { cols: 80, rows: 24 });
    reporter.onRunStart([]);
    reporter.onOutput("$ ", 0);
    await expect(reporter.onRunEnd([], summarize([]))).rejects.toThrow(/EISDIR/);
  });
});

describe("StepOutputWindow", () => {
  /** A window keeping 10 characters of head and 20 of tail, and what it emitted. */
  function windowed() {
    const events: [number, string][] = [];
    const window = new StepOutputWindow((seconds, data) => events.push([seconds, data]), 10, 20);
    return { window, events, text: () => events.map((e) => e[1]).join("") };
  }

  it("lets a step's output through whole when it fits", () => {
    const { window, events } = windowed();
    window.add(0, "0123456789");
    window.add(1, "abcdefghij");
    window.add(2, "klmnopqrst");
    window.end();
    expect(events).toEqual([
      [0, "0123456789"],
      [1, "abcdefghij"],
      [2, "klmnopqrst"],
    ]);
  });

  it("keeps the head and the tail, with a marker at the time of the cut counting the bytes left out", () => {
    const { window, events } = windowed();
    window.add(0, "head-line\n"); // 10: the whole head
    window.add(1, "é".repeat(25)); // 50 bytes, all left out once more arrives
    window.add(2, "ü".repeat(25)); // held: its first 5, then 5 more, left out (20 bytes)
    window.add(3, "tail\n");
    window.end();
    expect(events).toEqual([
      [0, "head-line\n"],
      [1, leftOutMarker(70)],
      [2, "ü".repeat(15)],
      [3, "tail\n"],
    ]);
    expect(leftOutMarker(70)).toBe("\r\n\x1b[0m[labrun: 70 bytes of output left out]\r\n");
    // The next step starts a new head.
    window.add(4, "next");
    window.end();
    expect(events.at(-1)).toEqual([4, "next"]);
  });

  it("cuts after a line break when there is one near, never inside an escape sequence or a surrogate pair", () => {
    const head = windowed();
    head.window.add(0, "ab\ncdefghijklmnop");
    expect(head.events).toEqual([[0, "ab\n"]]);

    const escape = windowed();
    escape.window.add(0, "abcdefg\x1b[31mred");
    expect(escape.events).toEqual([[0, "abcdefg"]]);

    const emoji = windowed();
    emoji.window.add(0, "123456789😀xyz");
    expect(emoji.events).toEqual([[0, "123456789"]]);

    // The tail starts after a line break, else at the start of the escape sequence it would split.
    const tail = windowed();
    tail.window.add(0, "0123456789");
    tail.window.add(1, "x".repeat(38) + "\x1b[1;32m" + "y".repeat(17));
    tail.window.end();
    expect(tail.text()).toBe("0123456789" + leftOutMarker(38) + "\x1b[1;32m" + "y".repeat(17));
    const lines = windowed();
    lines.window.add(0, "0123456789");
    lines.window.add(1, "x".repeat(30) + "ab\ncd\n" + "y".repeat(14));
    lines.window.end();
    expect(lines.text()).toBe("0123456789" + leftOutMarker(33) + "cd\n" + "y".repeat(14));
  });

  it("holds no more than twice the tail however much arrives", () => {
    let held = 0;
    const window = new StepOutputWindow(() => held++, 10, 20);
    for (let i = 0; i < 10_000; i++) window.add(i, "0123456789abcdef\r\n");
    const pending = (window as unknown as { heldLength: number }).heldLength;
    expect(pending).toBeLessThanOrEqual(40);
    window.end();
    expect(held).toBeLessThan(5);
  });

  it("says sizes in words", () => {
    expect(formatBytes(999)).toBe("999 bytes");
    expect(formatBytes(1_500)).toBe("1.5 kB");
    expect(formatBytes(199_800_000)).toBe("199.8 MB");
    expect(formatBytes(2_500_000_000)).toBe("2.50 GB");
  });
});

describe("atomic writes", () => {
  it("leave no temp file behind when the rename fails, and the path as it was", async () => {
    const { AtomicFile, writeFileAtomic, writeFileAtomicSync } = await import("../src/fs/atomic-write.js");
    const { mkdirSync } = await import("node:fs");
    const dir = await mkdtemp(join(tmpdir(), "labrun-atomic-"));
    try {
      const target = join(dir, "taken");
      mkdirSync(join(target, "inside"), { recursive: true }); // a non-empty folder: no file can be renamed over it
      await expect(writeFileAtomic(target, "x")).rejects.toThrow();
      expect(() => writeFileAtomicSync(target, "x")).toThrow();
      const file = new AtomicFile(target);
      file.write("some text\n");
      expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toHaveLength(1);
      expect(() => file.commit()).toThrow();
      expect(await readdir(dir)).toEqual(["taken"]);

      const ok = join(dir, "ok.txt");
      const whole = new AtomicFile(ok);
      whole.write("one\n");
      whole.write("two\n");
      expect((await readdir(dir)).includes("ok.txt")).toBe(false); // nothing at the path until it is complete
      whole.commit();
      expect(await readFile(ok, "utf8")).toBe("one\ntwo\n");
      expect((await readdir(dir)).sort()).toEqual(["ok.txt", "taken"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("say why a state folder cannot hold saved progress", async () => {
    const { stateDirProblem } = await import("../src/ui/progress-store.js");
    const { writeFileSync } = await import("node:fs");
    const dir = await mkdtemp(join(tmpdir(), "labrun-state-"));
    try {
      const file = join(dir, "a-file");
      writeFileSync(file, "");
      expect(stateDirProblem(dir)).toBeUndefined();
      expect(stateDirProblem(join(dir, "not", "yet"))).toBeUndefined(); // created on the first save
      expect(stateDirProblem(file)).toBe("not a folder");
      expect(stateDirProblem(join(file, "below"))).toBe(`not a folder (${file} is a file)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
