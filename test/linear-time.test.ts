import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { performance } from "node:perf_hooks";
import { parseDeck } from "../src/parse/parse-deck.js";
import { buildGraph } from "../src/graph/build.js";
import { initShellParser } from "../src/graph/shell.js";
import { DEFAULT_CONFIG } from "../src/deck/default-config.js";
import { lint, SHELL_VARIABLES } from "../src/lint/lint.js";

beforeAll(() => initShellParser());

/** plan and lint of one file's text, as the CLI does them. */
function planAndLint(text: string): number {
  const deck = { source: "t.md", title: "t", root: ".", exclude: [], files: [{ path: "t.md", key: "t", text }], config: DEFAULT_CONFIG };
  const parsed = parseDeck(deck);
  const graph = buildGraph(parsed);
  return lint({ parsed, graph, knownVariables: new Set(SHELL_VARIABLES), path: "" }).length + graph.steps.length;
}

/** The fastest of a few runs, interleaved: on a shared machine noise only ever adds time. */
function fastest(tasks: readonly (() => unknown)[], runs = 3): number[] {
  for (const task of tasks) task(); // warm up: JIT
  const best = tasks.map(() => Infinity);
  for (let i = 0; i < runs; i++) {
    tasks.forEach((task, k) => {
      const t = performance.now();
      task();
      best[k] = Math.min(best[k]!, performance.now() - t);
    });
  }
  return best;
}

/**
 * Linear is 4x, quadratic 16x. Past the CPU's caches a byte costs more, whatever the algorithm (a
 * bare split of 3 MB takes 20 times longer per byte than of 200 KB), so the bound also allows
 * some multiple of one plain linear pass over the large text: what no linear code goes below.
 */
function expectLinear(small: string, large: string): void {
  const pass = () => large.split("\n").filter((l) => /^\s*[-*>]/.test(l.trimEnd())).length;
  const [a, b, c] = fastest([() => planAndLint(small), () => planAndLint(large), pass]);
  const bound = 10 * a! + 20 * c! + 20;
  expect(b, `${JSON.stringify(small.slice(0, 100))}...: ${a!.toFixed(1)} ms, 4x: ${b!.toFixed(1)} ms, one pass ${c!.toFixed(1)} ms`).toBeLessThan(bound);
}

// Containers, fences, emphasis, brackets, comments, slide syntax: the pieces a deck nests and repeats.
const piece = fc.constantFrom(
  "> ", "- ", "* ", "1. ", "  ", "    ", "\t", "```", "~~~", "```bash\n", "\n```\n", "*", "**", "_", "__", "[", "](", "]", "![",
  "`", "``", "<", "<!--", "-->", "\n", "\n\n", "x", "a*", "[a", "a_b", "&amp;", "\\", "---\n", "--\n", "???\n", ".exercise[\n",
  "]\n", "echo $X\n", "<!-- ```wait x``` -->\n", "# T\n", "## T\n", "  - x\n", "> - ",
);
const part = fc.record({ piece, repeat: fc.boolean(), line: fc.boolean() });
// A deck shape: some parts written once, at least one repeated n times (alone or one a line).
const shape = fc.array(part, { minLength: 1, maxLength: 6 }).filter((parts) => parts.some((p) => p.repeat));

function deckOf(parts: readonly { piece: string; repeat: boolean; line: boolean }[], n: number): string {
  return parts.map((p) => (p.repeat ? (p.line ? (p.piece + "\n").repeat(n) : p.piece.repeat(n)) : p.piece)).join("");
}

describe("plan and lint take time linear in the deck's size", () => {
  it("random nestings and fences: 4 times the size takes well under 16 times as long", () => {
    fc.assert(
      fc.property(shape, (parts) => {
        const unit = parts.filter((p) => p.repeat).reduce((n, p) => n + p.piece.length + (p.line ? 1 : 0), 0);
        // Even, as 4n is: an odd number of fences leaves the last one open, and the rest of the deck in
        // it (one code block), while an even number closes them all. Like must be compared with like.
        const n = 2 * Math.ceil(3_000 / unit);
        expectLinear(deckOf(parts, n), deckOf(parts, 4 * n));
      }),
      { numRuns: 10 },
    );
  }, 600_000);

  it("the shapes the issue found: deep quotes, lists, indentation and emphasis stay linear", () => {
    const shapes: ((n: number) => string)[] = [
      (n) => "> ".repeat(n) + "x\n",
      (n) => "- ".repeat(n) + "x\n",
      (n) => Array.from({ length: n }, (_, i) => "  ".repeat(i % 40) + "- x\n").join(""),
      (n) => "*".repeat(n) + "x" + "*".repeat(n),
      (n) => "[".repeat(n) + "x\n",
      (n) => "a**".repeat(n) + "\n",
      (n) => "```\n" + "> ".repeat(n) + "\n```\n",
    ];
    for (const shapeOf of shapes) expectLinear(shapeOf(5000), shapeOf(20_000));
  }, 300_000);
});
