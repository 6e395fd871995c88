/**
 * Precision and recall of labrun's expectations against hand labels of every candidate block of
 * the 2021 courses (test/expectations/labels-2021.json; see its "definition"). Each .md file is
 * planned on its own. The rules were tuned while reading k8s/; containers/ and swarm/ are
 * reported apart as a held-out check.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { planDeck } from "../src/index.js";
import type { Step } from "../src/graph/step.js";
import { candidatesIn, mdFiles, type Candidate } from "./expectations/candidates.js";
import { ROOT } from "./helpers.js";

const CORPUS = join(ROOT, "..", "shared", "corpus", "container.training-2021", "slides");
const LABELS = JSON.parse(readFileSync(join(ROOT, "test", "expectations", "labels-2021.json"), "utf8")) as {
  labels: { file: string; line: number; output: boolean; note: string }[];
};

interface Scored {
  readonly candidate: Candidate;
  readonly output: boolean;
  /** The expect steps labrun makes of the block. */
  readonly steps: readonly Step[];
}

interface Scores {
  readonly labelled: number;
  readonly outputs: number;
  readonly strict: number;
  readonly strictRight: number;
  readonly all: number;
  readonly allRight: number;
  readonly found: number;
}

function score(blocks: readonly Scored[]): Scores {
  const strict = blocks.filter((b) => b.steps.some((s) => s.strict));
  const any = blocks.filter((b) => b.steps.length > 0);
  return {
    labelled: blocks.length,
    outputs: blocks.filter((b) => b.output).length,
    strict: strict.length,
    strictRight: strict.filter((b) => b.output).length,
    all: any.length,
    allRight: any.filter((b) => b.output).length,
    found: blocks.filter((b) => b.output && b.steps.length > 0).length,
  };
}

const pct = (n: number, d: number) => (d === 0 ? 1 : n / d);
const show = (name: string, s: Scores) =>
  `${name}: ${s.labelled} blocks, ${s.outputs} real outputs; strict precision ${(100 * pct(s.strictRight, s.strict)).toFixed(1)}% ` +
  `(${s.strictRight}/${s.strict}), all expect steps ${(100 * pct(s.allRight, s.all)).toFixed(1)}% (${s.allRight}/${s.all}), ` +
  `recall ${(100 * pct(s.found, s.outputs)).toFixed(1)}% (${s.found}/${s.outputs})`;

describe.skipIf(!existsSync(CORPUS))("expectations on the 2021 courses, against hand labels", () => {
  let scored: Scored[] = [];
  let stray: Step[] = [];

  beforeAll(async () => {
    const label = new Map(LABELS.labels.map((l) => [`${l.file}:${l.line}`, l.output]));
    for (const path of mdFiles(CORPUS)) {
      const candidates = candidatesIn(CORPUS, path);
      if (!readFileSync(path, "utf8").trim()) continue;
      const planned = await planDeck(path);
      const expects = planned.graph.steps.filter((s) => s.kind === "expect");
      for (const c of candidates) {
        const output = label.get(`${c.file}:${c.line}`);
        if (output === undefined) throw new Error(`no label for ${c.file}:${c.line}: relabel (the candidates changed)`);
        scored.push({ candidate: c, output, steps: expects.filter((s) => s.line > c.line && s.line < c.endLine) });
      }
      const file = relative(CORPUS, path);
      stray.push(...expects.filter((s) => !candidates.some((c) => s.line > c.line && s.line < c.endLine)).map((s) => ({ ...s, file })));
    }
  }, 120_000);

  it("labels every candidate block and nothing else", () => {
    expect(scored.length).toBe(LABELS.labels.length);
  });

  it("strict expectations are right at least 90% of the time, and 80% of real outputs are found", () => {
    const all = score(scored);
    const tuned = score(scored.filter((b) => b.candidate.file.startsWith("k8s/")));
    const heldOut = score(scored.filter((b) => !b.candidate.file.startsWith("k8s/")));
    console.log([show("all", all), show("k8s/ (tuned on)", tuned), show("held out (containers/, swarm/, shared/...)", heldOut)].join("\n"));
    for (const b of scored.filter((b) => b.steps.some((s) => s.strict) && !b.output)) console.log(`  strict but not an output: ${b.candidate.file}:${b.candidate.line}`);
    for (const b of scored.filter((b) => !b.steps.some((s) => s.strict) && b.steps.length > 0 && !b.output)) console.log(`  loose, not an output: ${b.candidate.file}:${b.candidate.line}`);
    for (const b of scored.filter((b) => b.output && b.steps.length === 0)) console.log(`  missed: ${b.candidate.file}:${b.candidate.line}  «${b.candidate.prose.slice(-80)}»`);
    for (const s of stray) console.log(`  expect step outside the candidates: ${s.file}:${s.line}`);
    expect(pct(all.strictRight, all.strict)).toBeGreaterThanOrEqual(0.9);
    expect(pct(all.found, all.outputs)).toBeGreaterThanOrEqual(0.8);
    expect(stray).toEqual([]);
  });
});
