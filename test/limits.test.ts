import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "./helpers.js";

/**
 * Decks past the parser's limits, through the real CLI: one line naming file:line:col, exit 2 for
 * plan and run (--force too), the rule id in lint, no stack trace, and nothing of the deck ran (its
 * first slide would touch a file).
 */
const FIRST_SLIDE = "# Limits\n\n## Runs first\n\n.exercise[\n```bash\ntouch $WORK/ran\n```\n]\n\n---\n\n## Too much\n\n";
// The slide past the limit starts on line 15.
const CASES: readonly { name: string; body: string; rule: string; at: string; message: RegExp }[] = [
  { name: "quotes", body: "> ".repeat(10_000) + "x\n", rule: "nesting-too-deep", at: "15:65", message: /nesting deeper than 32 levels/ },
  { name: "list", body: "- ".repeat(10_000) + "x\n", rule: "nesting-too-deep", at: "15:65", message: /nesting deeper than 32 levels/ },
  { name: "indented", body: Array.from({ length: 2_000 }, (_, i) => "  ".repeat(i) + "- x\n").join(""), rule: "nesting-too-deep", at: "47:65", message: /nesting deeper than 32 levels/ },
  { name: "quoted-list", body: "> 1. ".repeat(5_000) + "x\n", rule: "nesting-too-deep", at: "15:81", message: /nesting deeper than 32 levels/ },
  { name: "emphasis", body: "*".repeat(8_000) + "x" + "*".repeat(8_000) + "\n", rule: "markers-too-many", at: "15:1001", message: /more than 1000 emphasis, link and code markers/ },
  { name: "brackets", body: "text [".repeat(10_000) + "\n", rule: "markers-too-many", at: "15:6006", message: /more than 1000 emphasis, link and code markers/ },
  { name: "links", body: Array.from({ length: 3_000 }, () => "[a](b *c_\n").join(""), rule: "markers-too-many", at: "265:1", message: /in one paragraph/ },
];

let dir: string;
let work: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "labrun-limits-"));
  work = join(dir, "work");
  mkdirSync(work);
  for (const c of CASES) writeFileSync(join(dir, `${c.name}.md`), FIRST_SLIDE + c.body);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STACK = /^\s+at |RangeError|internal error/m;

describe("a slide past the parser's limits", () => {
  for (const c of CASES) {
    describe(c.name, () => {
      const file = () => join(dir, `${c.name}.md`);
      const line = () => new RegExp(`^${file().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:${c.at}: error: (.+) \\(${c.rule}\\)$`, "m");

      it("plan: the one line, exit 2, no plan", async () => {
        const r = await cli(["plan", file()]);
        expect(r.code).toBe(2);
        expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(r.stderr).toMatch(line());
        expect(line().exec(r.stderr)![1]).toMatch(c.message);
        expect(r.stderr).not.toMatch(STACK);
        expect(r.stdout).toBe("");
      });

      it("run --ci --force: exit 2, nothing ran", async () => {
        const r = await cli(["run", file(), "--ci", "--force", "--env", `WORK=${work}`]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(line());
        expect(r.stderr).toMatch(/1 structural error: nothing was run$/m);
        expect(r.stderr).not.toMatch(STACK);
        expect(readdirSync(work)).toEqual([]);
      });

      it("lint: the rule id at its place, exit 1", async () => {
        const r = await cli(["lint", file(), "--env", "WORK"]);
        expect(r.code).toBe(1);
        expect(r.stdout + r.stderr).toMatch(line());
        expect(r.stdout + r.stderr).not.toMatch(STACK);
      });
    });
  }

  it("lint --help lists both rules", async () => {
    const help = (await cli(["lint", "--help"])).stdout;
    expect(help).toContain("nesting-too-deep");
    expect(help).toContain("markers-too-many");
  });

  it("a deck of 50 MB is refused by default, before it is parsed: plan and run --ci, one line, nothing ran", async () => {
    const big = join(dir, "big");
    mkdirSync(big);
    const slide = "## A slide\n\nSome text, `code` and a [link](x).\n\n---\n\n";
    const file = slide.repeat(Math.ceil(4_000_000 / slide.length));
    // The first file starts with the slide whose step touches $WORK/ran.
    for (let i = 0; i < 13; i++) writeFileSync(join(big, `part${String(i).padStart(2, "0")}.md`), i === 0 ? FIRST_SLIDE + file : file);
    const message = /^labrun: \S+part04\.md: .*over its size limit \(16 MB in all; limits\.deckSize in labrun\.yml raises it\)$/;
    const plan = await cli(["plan", big]);
    expect(plan.code).toBe(2);
    expect(plan.stderr.trim()).not.toContain("\n");
    expect(plan.stderr.trim()).toMatch(message);
    expect(plan.stdout).toBe("");
    const run = await cli(["run", big, "--ci", "--env", `WORK=${work}`]);
    expect(run.code, run.stdout + run.stderr).toBe(2);
    expect(run.stderr.trim()).not.toContain("\n");
    expect(run.stderr.trim()).toMatch(message);
    expect(run.stdout).toBe("");
    expect(readdirSync(work)).toEqual([]);
  }, 120_000);
});
