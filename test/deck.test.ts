import { describe, it, expect } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { loadDeck } from "../src/deck/load.js";
import { DeckError } from "../src/problem.js";
import { fixture, slides, scratchDir } from "./helpers.js";

function errorOf(fn: () => unknown): DeckError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DeckError) return e;
    throw e;
  }
  throw new Error("expected a DeckError");
}

describe("loadDeck", () => {
  it("loads a single .md file", () => {
    const deck = loadDeck(slides("dockercoins.md"));
    expect(deck.files).toHaveLength(1);
    expect(deck.files[0]!.key).toBe("dockercoins");
    expect(deck.config.exerciseMacros).toEqual(["exercise", "lab"]);
  });

  it("loads the bundled manifest with its title and exclude list", () => {
    const deck = loadDeck(slides("dockercoins.yml"));
    expect(deck.title).toBe("Building, shipping and running DockerCoins on Kubernetes");
    expect(deck.exclude).toEqual(["self-paced"]);
    expect(deck.files.map((f) => f.key)).toEqual(["dockercoins"]);
  });

  it("follows nested content, skips commented-out entries, resolves paths from the manifest", () => {
    const deck = loadDeck(fixture("manifest/course.yml"));
    expect(deck.title).toBe("A course in two parts");
    expect(deck.files.map((f) => f.key)).toEqual(["intro", "part1/one", "part1/two", "part2/three"]);
  });

  it("loads a folder recursively in path order", () => {
    const deck = loadDeck(fixture("folder"));
    expect(deck.files.map((f) => f.key)).toEqual(["a", "b/c"]);
  });

  it("reads labrun.yml beside the deck", () => {
    const deck = loadDeck(fixture("config/deck.md"));
    expect(deck.config.exerciseMacros).toEqual(["handson"]);
    expect(deck.config.env).toEqual(["PROVIDED"]);
  });

  it("reads a labrun key inside a manifest", () => {
    const dir = scratchDir("labrun-");
    writeFileSync(join(dir, "a.md"), "## A\n");
    writeFileSync(join(dir, "m.yml"), "title: t\ncontent:\n  - a.md\nlabrun:\n  env: [X]\n  stepTimeout: nope\n");
    const e = errorOf(() => loadDeck(join(dir, "m.yml")));
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
  ])("%s", (_what, path, message) => {
    const e = errorOf(() => loadDeck(fixture(path)));
    expect(e.format()).toMatch(message);
    expect(e.format()).not.toContain("\n");
  });

  it("names files relative to the working directory", () => {
    const e = errorOf(() => loadDeck(fixture("bad/empty.md")));
    expect(e.file).toBe(relative(process.cwd(), fixture("bad/empty.md")));
  });
});
