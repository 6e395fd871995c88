import { describe, it, expect } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { loadDeck } from "../src/deck/load.js";
import { DeckError } from "../src/problem.js";
import { fixture, slides, scratchDir } from "./helpers.js";

async function errorOf(fn: () => unknown): Promise<DeckError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof DeckError) return e;
    throw e;
  }
  throw new Error("expected a DeckError");
}

describe("loadDeck", () => {
  it("loads a single .md file", async () => {
    const deck = await loadDeck(slides("dockercoins.md"));
    expect(deck.files).toHaveLength(1);
    expect(deck.files[0]!.key).toBe("dockercoins");
    expect(deck.config.exerciseMacros).toEqual(["exercise", "lab"]);
  });

  it("loads the bundled manifest with its title and exclude list", async () => {
    const deck = await loadDeck(slides("dockercoins.yml"));
    expect(deck.title).toBe("Building, shipping and running DockerCoins on Kubernetes");
    expect(deck.exclude).toEqual(["self-paced"]);
    expect(deck.files.map((f) => f.key)).toEqual(["dockercoins"]);
  });

  it("follows nested content, skips commented-out entries, resolves paths from the manifest", async () => {
    const deck = await loadDeck(fixture("manifest/course.yml"));
    expect(deck.title).toBe("A course in two parts");
    expect(deck.files.map((f) => f.key)).toEqual(["intro", "part1/one", "part1/two", "part2/three"]);
  });

  it("loads a folder recursively in path order", async () => {
    const deck = await loadDeck(fixture("folder"));
    expect(deck.files.map((f) => f.key)).toEqual(["a", "b/c"]);
  });

  it("reads labrun.yml beside the deck", async () => {
    const deck = await loadDeck(fixture("config/deck.md"));
    expect(deck.config.exerciseMacros).toEqual(["handson"]);
    expect(deck.config.env).toEqual(["PROVIDED"]);
  });

  it("reads a labrun key inside a manifest", async () => {
    const dir = scratchDir("labrun-");
    writeFileSync(join(dir, "a.md"), "## A\n");
    writeFileSync(join(dir, "m.yml"), "title: t\ncontent:\n  - a.md\nlabrun:\n  env: [X]\n  stepTimeout: nope\n");
    const e = await errorOf(() => loadDeck(join(dir, "m.yml")));
    expect(e.message).toContain("stepTimeout");
    expect(e.line).toBe(6);
  });
});

describe("bad input: one line naming the file (and line), never a stack trace", () => {
  it.each([
    ["a missing file", "nope/missing.md", /missing\.md: no such file or folder$/],
    ["a folder with no deck", "bad/no-deck", /no-deck: no \.md files in this folder$/],
    ["a binary file", "bad/binary.md", /binary\.md:1: binary file/],
    ["a non-UTF-8 file", "bad/latin1.md", /latin1\.md:3: not valid UTF-8 text$/],
    ["an empty deck", "bad/empty.md", /empty\.md: the deck is empty$/],
    ["a YAML syntax error", "bad/broken.yml", /broken\.yml:5:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/],
    ["a manifest entry that does not exist", "bad/missing-entry.yml", /missing-entry\.yml:4:5: content entry 'nope\.md' does not exist$/],
    ["a manifest field of the wrong type", "bad/wrong-type.yml", /wrong-type\.yml:2:\d+: manifest field 'content': /],
    ["a config field of the wrong type", "bad/bad-config/deck.md", /labrun\.yml:2:\d+: config field 'stepTimeout': /],
  ])("%s", async (_what, path, message) => {
    const e = await errorOf(() => loadDeck(fixture(path)));
    expect(e.format()).toMatch(message);
    expect(e.format()).not.toContain("\n");
  });

  it("names files relative to the working directory", async () => {
    const e = await errorOf(() => loadDeck(fixture("bad/empty.md")));
    expect(e.file).toBe(relative(process.cwd(), fixture("bad/empty.md")));
  });
});

describe("the default configuration", () => {
  it("is what the schema gives for an empty labrun.yml (written out so that a deck without YAML never loads zod)", async () => {
    const { DEFAULT_CONFIG } = await import("../src/deck/default-config.js");
    const { DeckConfigSchema } = await import("../src/deck/config.js");
    expect(DEFAULT_CONFIG).toEqual(DeckConfigSchema.parse({}));
  });
});
