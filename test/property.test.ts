import { scratchDir } from "./helpers.js";
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDeck } from "../src/parse/parse-deck.js";
import { buildGraph } from "../src/graph/build.js";
import { initShellParser } from "../src/graph/shell.js";
import { loadDeck } from "../src/deck/load.js";
import { DEFAULT_CONFIG } from "../src/deck/default-config.js";
import { lint, SHELL_VARIABLES } from "../src/lint/lint.js";
import { DeckError } from "../src/problem.js";

beforeAll(() => initShellParser());

/** Text made of the deck's own pieces, so the parser's tricky paths are actually reached. */
const deckPiece = fc.constantFrom(
  "---", "--", "???", ".exercise[", ".lab[", "]", "```bash", "```", "```json", "~~~", "<!--", "-->",
  "<!-- ```wait x``` -->", "```keys ^C```", "```hide", "class: extra-details", "name: x", "layout: true",
  "# Chapter", "## Title", "- item", "  ```bash", "We should see:", "echo $X", "X=1", "cd /tmp", "{\"a\":1}",
  "`", "[", "\\", "  ", "\t", "\r", "é", "🤔",
);
const deckText = fc.array(fc.oneof(deckPiece, fc.string()), { maxLength: 60 }).map((parts) => parts.join("\n"));

function planText(text: string) {
  const deck = { source: "p.md", title: "p", root: ".", exclude: ["self-paced"], files: [{ path: "p.md", key: "p", text }], config: DEFAULT_CONFIG };
  const parsed = parseDeck(deck);
  const graph = buildGraph(parsed);
  return { parsed, graph, problems: lint({ parsed, graph, knownVariables: new Set(SHELL_VARIABLES) }) };
}

describe("loading never throws on arbitrary text", () => {
  it("parse, graph and lint accept any deck-like text", () => {
    fc.assert(
      fc.property(deckText, (text) => {
        const { graph, problems } = planText(text);
        for (const s of graph.steps) expect(s.line).toBeGreaterThan(0);
        for (const p of problems) expect(p.line).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it("and any string at all", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 2000 }), (text) => void planText(text)), { numRuns: 300 });
  });

  it("loadDeck on arbitrary bytes either loads or says why in a DeckError", async () => {
    const dir = scratchDir("labrun-prop-");
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), async (bytes) => {
        const file = join(dir, "deck.md");
        writeFileSync(file, bytes);
        try {
          await loadDeck(file);
        } catch (e) {
          expect(e).toBeInstanceOf(DeckError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
