import { mkdtempSync, readFileSync, rmSync, statSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { unified } from "unified";
import remarkParse from "remark-parse";
import { planDeck } from "../src/index.js";
import { generateDeck } from "./generate.js";
import { fmt, stats } from "./stats.js";

/**
 * `labrun plan` on a large generated deck (300 files, about 2 MB) against remark alone parsing
 * the same text: the target is plan within 1.5x of bare remark. Runs alternate so that machine
 * noise hits both alike; medians are compared.
 */
export async function benchPlan(rounds = 7): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "labrun-bench-"));
  // Each plan made, not read back from the plan cache.
  const cache = process.env.LABRUN_CACHE;
  process.env.LABRUN_CACHE = "off";
  try {
    const manifest = generateDeck(dir, new URL("../slides/dockercoins.md", import.meta.url).pathname);
    const files = readdirSync(join(dir, "slides")).map((f) => join(dir, "slides", f));
    const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
    const processor = unified().use(remarkParse);
    const remarkOnly = () => {
      for (const f of files) processor.parse(readFileSync(f, "utf8"));
    };
    let steps = 0;
    const plan = async () => {
      steps = (await planDeck(manifest)).graph.steps.length;
    };
    await plan(); // warm up both: JIT, the tree-sitter wasm
    remarkOnly();
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let t = performance.now();
      remarkOnly();
      a.push(performance.now() - t);
      t = performance.now();
      await plan();
      b.push(performance.now() - t);
    }
    const remark = stats(a);
    const planned = stats(b);
    console.log(`plan: ${files.length} files, ${(bytes / 1e6).toFixed(2)} MB, ${steps} steps, ${rounds} rounds (median [p25-p75])`);
    console.log(`  remark parse alone   ${fmt(remark.median)}  [${fmt(remark.p25)} - ${fmt(remark.p75)}]`);
    console.log(`  labrun plan          ${fmt(planned.median)}  [${fmt(planned.p25)} - ${fmt(planned.p75)}]`);
    console.log(`  ratio plan/remark    ${(planned.median / remark.median).toFixed(2)}x  (target: under 1.5x)`);
  } finally {
    if (cache === undefined) delete process.env.LABRUN_CACHE;
    else process.env.LABRUN_CACHE = cache;
    rmSync(dir, { recursive: true, force: true });
  }
}
