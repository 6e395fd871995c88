// `run --shard I/N` and `merge-reports`: a course split across CI machines, merged back into the
// report one machine would have written. Real runs of fixtures/shard/course.md in real shells.
import { describe, it, expect, afterAll } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planDeck } from "../src/index.js";
import { selectSteps } from "../src/graph/select.js";
import { splitShards } from "../src/graph/shard.js";
import type { Step } from "../src/graph/step.js";
import type { JsonReport } from "../src/report/json-reporter.js";
import { mergeReports } from "../src/report/merge.js";
import { cli, fixture } from "./helpers.js";

const COURSE = fixture("shard", "course.md");
const dirs: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), "labrun-shard-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as JsonReport;
/** The slides each shard of N gets, and the lines of its catch-up. */
async function split(total: number, durations?: Map<string, number>) {
  const planned = await planDeck(COURSE);
  return Array.from({ length: total }, (_, i) => {
    const s = selectSteps(planned, { shard: { index: i + 1, total }, ...(durations ? { durations } : {}) });
    return { slides: [...new Set(s.shard!.steps.map((x) => x.slide))], catchUp: s.from?.catchUp.map((x) => x.line) ?? [] };
  });
}

describe("splitting a course", () => {
  const step = (slide: number, n: number): Step => ({ id: `s${slide}-${n}`, kind: "bash", text: "true", file: "d.md", line: slide * 10 + n, column: 1, slide, title: `${slide}`, chapter: "", hidden: false, classes: [], dependsOn: [], defines: [], uses: [] });

  it("cuts between slides, never inside one, and balances the parts' time", () => {
    // Slide 1: 4 steps, slides 2-5: 1 step each; every step 1s.
    const steps = [1, 1, 1, 1, 2, 3, 4, 5].map((slide, i) => step(slide, i));
    const parts = splitShards(steps, 2, () => 1000);
    expect(parts.map((p) => p.map((s) => s.slide))).toEqual([[1, 1, 1, 1], [2, 3, 4, 5]]);
    const three = splitShards(steps, 3, () => 1000);
    expect(three.map((p) => p.map((s) => s.slide))).toEqual([[1, 1, 1, 1], [2, 3], [4, 5]]);
  });

  it("counts each part's catch-up in its time", () => {
    const steps = [1, 2, 3, 4].map((slide) => step(slide, 0));
    // Starting anywhere after slide 1 costs 2 s of replay: fewer own slides for the second part.
    expect(splitShards(steps, 2, () => 1000, (first) => (first === 0 ? 0 : 2000)).map((p) => p.map((s) => s.slide))).toEqual([[1, 2, 3], [4]]);
  });

  it("gives every part slides when there are enough, even when a catch-up makes an empty part as short", () => {
    // Slide 1: 1 step; slide 2: 2 steps that need slide 1 (a part starting there replays it).
    const steps = [step(1, 0), step(2, 0), step(2, 1)];
    const parts = splitShards(steps, 2, () => 1000, (first) => (first === 0 ? 0 : 1000));
    expect(parts.map((p) => p.map((s) => s.slide))).toEqual([[1], [2, 2]]);
  });

  it("has empty parts, last, when there are more parts than slides", () => {
    const steps = [step(1, 0), step(2, 0)];
    expect(splitShards(steps, 4, () => 1000).map((p) => p.length)).toEqual([1, 1, 0, 0]);
  });

  it("on the course: waits weigh more than commands, manual steps nothing", async () => {
    // Slide 7 holds a wait (5 s): alone it is the longest slide, so the last parts are cut around it.
    expect((await split(3)).map((s) => s.slides)).toEqual([[1, 2, 3, 4], [5, 6], [7, 8]]);
  });

  it("--durations from an earlier report changes the split", async () => {
    const before = await split(3);
    const after = await split(3, new Map([["course/something-unrelated/2", 20_000]]));
    expect(after.map((s) => s.slides)).toEqual([[1, 2], [3], [4, 5, 6, 7, 8]]);
    expect(after).not.toEqual(before);
  });
});

describe("a shard's catch-up", () => {
  it("is the minimal one: after the slide defining a variable and a shell function, both, and nothing unrelated", async () => {
    // Slide 3 (unrelated, made long) gets a shard of its own; the next shard starts at slide 4, which uses both.
    const shards = await split(3, new Map([["course/something-unrelated/2", 20_000]]));
    expect(shards[2]!.slides[0]).toBe(4);
    // mkdir+cd (line 9: the cwd), COLOUR (22), shout() (26); not slide 3's echo and uname (39, 43).
    expect(shards[2]!.catchUp).toEqual([9, 22, 26]);
    // The function alone when only it is needed (slide 8's `shout done`), the cwd alone for slides 5-6.
    expect((await split(3)).map((s) => s.catchUp)).toEqual([[], [9], [9, 26]]);
  });

  it("plan --shard shows the shard, its replay, then its own steps", async () => {
    const r = await cli(["plan", COURSE, "--shard", "3/3"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^shard 3\/3: slides 7-8 \(about [\d.]+s, catch-up included; the shards: .*\)$/m);
    expect(r.stdout).toContain('Replayed first, to reach slide 7 "Waiting for something":');
    expect(r.stdout).not.toContain("uname -s");
  }, 120_000);
});

describe("sharded runs, merged", () => {
  it("1 to 5 shards give, merged, the steps and statuses of an unsharded run (a failing step too)", async () => {
    const dir = tmp();
    const whole = join(dir, "whole.json");
    const unsharded = await cli(["run", COURSE, "--ci", "--keep-going", "--env", `WORK=${tmp()}`, "--reporter", "json", "--output", whole]);
    expect(unsharded.code, unsharded.stderr).toBe(1);
    const expected = read(whole);
    const verdicts = (r: JsonReport) => r.steps.map((s) => [s.id, s.status]);
    expect(verdicts(expected).filter(([, status]) => status === "failed")).toEqual([["course/later/1", "failed"]]);

    for (let total = 1; total <= 5; total++) {
      const work = tmp();
      const files = Array.from({ length: total }, (_, i) => join(dir, `shard-${i + 1}-of-${total}.json`));
      // Side by side, as a CI matrix runs them.
      const runs = await Promise.all(files.map((file, i) => cli(["run", COURSE, "--shard", `${i + 1}/${total}`, "--keep-going", "--env", `WORK=${work}`, "--reporter", "json", "--output", file])));
      for (const [i, run] of runs.entries()) {
        expect(existsSync(files[i]!), `shard ${i + 1}/${total}: ${run.code}\n${run.stdout}${run.stderr}`).toBe(true);
        const report = read(files[i]!);
        expect(report.shard).toEqual({ index: i + 1, total });
        expect(report.deck).toEqual({ title: "course", source: COURSE });
        // A shard's summary counts its own steps only; its catch-up is marked, and said in --ci output.
        const own = report.steps.filter((s) => !s.catchUp);
        expect(report.summary.passed + report.summary.failed + report.summary.skipped).toBe(own.length);
        const replayed = report.steps.filter((s) => s.catchUp);
        expect(run.stdout.split("\n").filter((l) => l.endsWith("(catch-up)"))).toHaveLength(replayed.length);
        expect(run.code, run.stdout + run.stderr).toBe(own.some((s) => s.status === "failed") ? 1 : 0);
      }
      const out = join(dir, `merged-${total}.json`);
      const merge = await cli(["merge-reports", ...files.reverse(), "--output", out]);
      expect(merge.code, merge.stderr).toBe(1);
      expect(merge.stdout).toBe(`${out}: "course" from ${total} shard${total === 1 ? "" : "s"}: 13 steps, 11 passed, 1 failed, 1 skipped, 0 timed out\n`);
      const merged = read(out);
      expect(verdicts(merged), `${total} shards`).toEqual(verdicts(expected));
      const { durationMs: _a, ...counts } = merged.summary;
      const { durationMs: _b, ...unshardedCounts } = expected.summary;
      expect(counts).toEqual(unshardedCounts);
      expect(new Set(merged.steps.map((s) => s.shard))).toEqual(new Set(Array.from({ length: total }, (_, i) => i + 1)));
      expect(merged.steps.some((s) => s.catchUp)).toBe(false);
    }

    // JUnit from the merged data: the JUnit reporter's own output, one testcase per step.
    const files = [1, 2, 3].map((i) => join(dir, `shard-${i}-of-3.json`));
    const xml = join(dir, "merged.xml");
    const junit = await cli(["merge-reports", ...files, "--reporter", "junit", "--output", xml]);
    expect(junit.code, junit.stderr).toBe(1);
    const text = readFileSync(xml, "utf8");
    expect(text).toContain('<testsuites name="course" tests="13" failures="1" errors="0" skipped="1">');
    expect(text).toContain('<testsuite name="Later"');
    expect(text).toContain("failing on purpose");

    // HTML from the merged data: every step once, in deck order, with the deck's slides and forge links.
    const html = join(dir, "merged.html");
    const page = await cli(["merge-reports", ...files, "--reporter", "html", "--output", html, "--source-url", "https://forge.example/o/r/blob/main/"]);
    expect(page.code, page.stderr).toBe(1);
    const doc = readFileSync(html, "utf8");
    expect(doc.match(/class="step s-[a-z]+/g)?.map((c) => c.slice("class=\"step s-".length))).toEqual(verdicts(expected).map(([, status]) => status));
    expect(doc).toContain("https://forge.example/o/r/blob/main/fixtures/shard/course.md#L");
    expect(doc).toContain("failing on purpose");

    // A missing shard, a duplicated one: each named, one line, exit 2.
    const missing = await cli(["merge-reports", files[0]!, files[2]!, "--output", join(dir, "x.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe("labrun: merge-reports: shard 2/3 missing (given: 1/3, 3/3)\n");
    const twice = await cli(["merge-reports", ...files, files[1]!, "--output", join(dir, "x.json")]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe(`labrun: merge-reports: shard 2/3 given twice: ${files[1]} and ${files[1]}\n`);
    const otherRun = await cli(["merge-reports", files[0]!, join(dir, "shard-2-of-4.json"), "--output", join(dir, "x.json")]);
    expect(otherRun.stderr).toBe(`labrun: merge-reports: ${join(dir, "shard-2-of-4.json")}: shard 2/4, but ${files[0]} is shard 1/3: reports of different runs\n`);

    // --durations reads a real report (the merged one) and changes the split.
    const plain = await cli(["plan", COURSE, "--shard", "3/3", "--json"]);
    const report = read(join(dir, "merged-1.json"));
    const slow = { ...report, steps: report.steps.map((s) => (s.id === "course/something-unrelated/2" ? { ...s, durationMs: 60_000 } : s)) };
    writeFileSync(join(dir, "slow.json"), JSON.stringify(slow));
    const balanced = await cli(["plan", COURSE, "--shard", "3/3", "--json", "--durations", join(dir, "slow.json")]);
    const firstSlide = (r: { stdout: string }) => (JSON.parse(r.stdout) as { steps: { slide: number; replayed?: boolean }[] }).steps.find((s) => !s.replayed)!.slide;
    expect([firstSlide(plain), firstSlide(balanced)]).toEqual([7, 4]);
  }, 600_000);

  it("a shard with no steps (more shards than slides) passes, with a report that says so", async () => {
    const dir = tmp();
    const file = join(dir, "empty.json");
    const r = await cli(["run", COURSE, "--shard", "10/10", "--env", `WORK=${dir}`, "--reporter", "json", "--output", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("labrun: shard 10/10: no steps: the course has 8 slides with steps, for 10 shards\n");
    const report = read(file);
    expect(report).toMatchObject({ shard: { index: 10, total: 10 }, note: "no steps: the course has 8 slides with steps, for 10 shards", steps: [], summary: { passed: 0, failed: 0 } });
  }, 120_000);

  it("bad --shard values are one-line usage errors, exit 2", async () => {
    const results = await Promise.all(["0/3", "4/3", "x"].map((v) => cli(["run", COURSE, "--shard", v])));
    for (const [i, v] of ["0/3", "4/3", "x"].entries()) {
      expect(results[i]!.code).toBe(2);
      expect(results[i]!.stderr).toBe(`labrun: --shard ${v}: expected I/N, the I-th of N shards, 1 ≤ I ≤ N (such as 2/3) (see 'labrun --help')\n`);
    }
  }, 120_000);
});

describe("mergeReports", () => {
  const step = (id: string, extra: object = {}) => ({ id, kind: "bash" as const, text: id, file: "d.md", line: 1, slide: 1, title: "t", chapter: "", status: "passed" as const, exitCode: 0, durationMs: 5, output: "", assertions: [], ...extra });
  const summary = { passed: 0, failed: 0, skipped: 0, timedOut: 0, interrupted: 0, warnings: 0, durationMs: 0 };
  const deck = { title: "D", source: "d.md" };
  const shard = (index: number, steps: JsonReport["steps"], more: Partial<JsonReport> = {}) => ({ file: `s${index}.json`, report: { deck, shard: { index, total: 2 }, steps, summary, ...more } });

  it("refuses shards of another deck, and a step run by two shards", () => {
    expect(mergeReports([shard(1, [step("a")]), shard(2, [step("b")], { deck: { title: "E", source: "e.md" } })])).toEqual({ error: 's2.json: deck "E" (e.md), but s1.json ran "D" (d.md)' });
    expect(mergeReports([shard(1, [step("a")]), shard(2, [step("a")])])).toEqual({ error: "s2.json: step a (d.md:1) was run by shard 1/2 too: shards of different splits" });
  });

  it("says when a shard's catch-up failed: its own steps never ran", () => {
    const merged = mergeReports([shard(1, [step("a")]), shard(2, [step("a", { catchUp: true, status: "failed" }), step("b", { status: "skipped" })])]);
    expect(merged).toMatchObject({ warnings: ["s2.json: shard 2/2: its catch-up failed at d.md:1, so its own steps did not run"], report: { summary: { passed: 1, skipped: 1 } } });
  });
});
