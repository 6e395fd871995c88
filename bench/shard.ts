import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { parseJsonReport, resultsOfReport } from "../src/report/json-report-read.js";
import type { JsonReport, JsonStep } from "../src/report/json-reporter.js";
import { buildJunitXml } from "../src/report/junit-reporter.js";
import { mergeReports, type ShardReport } from "../src/report/merge.js";
import { fmt, stats } from "./stats.js";

const run = promisify(execFile);
const ROOT = new URL("..", import.meta.url).pathname;
/** The built CLI (`npm run build`, dist/), as CI runs it: each process pays node's start-up, not tsx's. */
const labrun = (args: readonly string[]) => run(process.execPath, [join(ROOT, "dist/main.js"), ...args], { maxBuffer: 64 * 2 ** 20 });

/**
 * A course of 40 slides whose steps each take half a second: one unsharded run against four
 * shards side by side (four processes, as a CI matrix runs them). Rounds alternate so that
 * machine noise hits both alike; medians are compared. Target: the shards within 0.4x.
 */
async function sideBySide(dir: string, rounds = 3): Promise<void> {
  const slides = Array.from({ length: 40 }, (_, i) => `## Slide ${i + 1}\n\n.exercise[\n\n\`\`\`bash\nsleep 0.5; echo slide ${i + 1}\n\`\`\`\n\n]\n`);
  const deck = join(dir, "course.md");
  writeFileSync(deck, slides.join("\n---\n\n"));
  const whole: number[] = [];
  const sharded: number[] = [];
  // What the runs say they took (first step to last, in the JSON reports): the same work without process start-up.
  const wholeRun: number[] = [];
  const shardedRun: number[] = [];
  const took = (file: string) => (JSON.parse(readFileSync(file, "utf8")) as JsonReport).summary.durationMs;
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    await labrun(["run", deck, "--ci", "--reporter", "json", "--output", join(dir, "whole.json")]);
    whole.push(performance.now() - t);
    wholeRun.push(took(join(dir, "whole.json")));
    t = performance.now();
    await Promise.all([1, 2, 3, 4].map((i) => labrun(["run", deck, "--shard", `${i}/4`, "--reporter", "json", "--output", join(dir, `s${i}.json`)])));
    sharded.push(performance.now() - t);
    shardedRun.push(Math.max(...[1, 2, 3, 4].map((i) => took(join(dir, `s${i}.json`)))));
  }
  const merged = await labrun(["merge-reports", ...[1, 2, 3, 4].map((i) => join(dir, `s${i}.json`)), "--output", join(dir, "merged.json")]);
  const w = stats(whole);
  const s = stats(sharded);
  const wr = stats(wholeRun);
  const sr = stats(shardedRun);
  console.log(`shard: a course of 40 slides, one \`sleep 0.5\` step each, ${rounds} rounds (the built CLI, dist/)`);
  console.log(`  one unsharded run              ${fmt(w.median)}  [p25 ${fmt(w.p25)}, p75 ${fmt(w.p75)}]  (process start to exit)`);
  console.log(`  4 shards side by side          ${fmt(s.median)}  [p25 ${fmt(s.p25)}, p75 ${fmt(s.p75)}]  (first start to last exit)`);
  console.log(`  ratio                          ${(s.median / w.median).toFixed(2)}x  (target: under 0.4x)`);
  console.log(`  the same, as the runs report it (start-up left out): ${fmt(wr.median)} and ${fmt(sr.median)} (slowest shard), ${(sr.median / wr.median).toFixed(2)}x`);
  console.log(`  merged: ${merged.stdout.trim()}`);
}

/**
 * `merge-reports` of 5 shards of a 3,000-step report: reading and checking the JSON, merging,
 * and writing both the JSON and the JUnit report; in-process (median of 7) and as the CLI
 * (median of 3, node's start-up included). Target: under a second.
 */
async function merge(dir: string): Promise<void> {
  const total = 5;
  const perShard = 600;
  const output = Array.from({ length: 12 }, (_, i) => `line ${i} of what the command printed, with some width to it`).join("\n");
  const step = (n: number, extra: Partial<JsonStep> = {}): JsonStep => ({
    id: `course/slide-${Math.floor(n / 3)}/${n % 3}`,
    kind: "bash",
    text: `kubectl get pods -l app=step${n}`,
    file: `slides/part${Math.floor(n / 300)}.md`,
    line: 10 + (n % 300) * 7,
    slide: Math.floor(n / 3) + 1,
    title: `Slide ${Math.floor(n / 3) + 1}`,
    chapter: `Chapter ${Math.floor(n / 300) + 1}`,
    status: n % 97 === 0 ? "failed" : "passed",
    exitCode: n % 97 === 0 ? 1 : 0,
    durationMs: 500 + (n % 13),
    output,
    assertions: [],
    ...extra,
  });
  const files: string[] = [];
  for (let index = 1; index <= total; index++) {
    const first = (index - 1) * perShard;
    // Each shard replays some earlier steps first: present in its report, dropped by the merge.
    const catchUp = Array.from({ length: Math.min(first, 100) }, (_, i) => step(i * 3, { catchUp: true }));
    const own = Array.from({ length: perShard }, (_, i) => step(first + i));
    const report: JsonReport = {
      deck: { title: "A long course", source: "slides/course.yml" },
      shard: { index, total },
      steps: [...catchUp, ...own],
      summary: { passed: 0, failed: 0, skipped: 0, timedOut: 0, interrupted: 0, warnings: 0, durationMs: 0 },
    };
    const file = join(dir, `shard-${index}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2));
    files.push(file);
  }
  const inProcess: number[] = [];
  let steps = 0;
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    const inputs: ShardReport[] = files.map((file) => {
      const parsed = parseJsonReport(readFileSync(file, "utf8"));
      if ("error" in parsed) throw new Error(parsed.error);
      return { file, report: parsed.report };
    });
    const merged = mergeReports(inputs);
    if ("error" in merged) throw new Error(merged.error);
    writeFileSync(join(dir, "merged.json"), JSON.stringify(merged.report, null, 2));
    writeFileSync(join(dir, "merged.xml"), buildJunitXml(resultsOfReport(merged.report), { name: "A long course" }));
    inProcess.push(performance.now() - t);
    steps = merged.report.steps.length;
  }
  const cli: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    // Exit 1: the report holds failed steps.
    await labrun(["merge-reports", ...files, "--reporter", "junit", "--output", join(dir, "cli.xml")]).catch((e: { code?: number }) => {
      if (e.code !== 1) throw e;
    });
    cli.push(performance.now() - t);
  }
  const p = stats(inProcess);
  const c = stats(cli);
  console.log(`merge-reports: ${total} shards of a ${steps}-step report (plus their catch-up entries)`);
  console.log(`  read, check, merge, write JSON and JUnit   ${fmt(p.median)}  [p25 ${fmt(p.p25)}, p75 ${fmt(p.p75)}]  (target: under 1 s)`);
  console.log(`  labrun merge-reports --reporter junit      ${fmt(c.median)}  (the built CLI, node's start-up included)`);
}

export async function benchShard(): Promise<void> {
  // Each shard is a process of its own: measured as CI runs it, built (by `npm run bench`, esbuild), not through tsx.
  if (!existsSync(join(ROOT, "dist", "main.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  const dir = mkdtempSync(join(tmpdir(), "labrun-bench-shard-"));
  try {
    await merge(dir);
    await sideBySide(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
