import { describe, it, expect, beforeAll } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { main } from "../src/cli.js";
import { planDeck } from "../src/index.js";
import { loadDeck } from "../src/deck/load.js";
import { parseDeck } from "../src/parse/parse-deck.js";
import { initShellParser } from "../src/graph/shell.js";
import { ROOT } from "./helpers.js";

// The real 2021 courses (../shared beside the clone, as in CI); see its ATTRIBUTION.md.
const SLIDES = join(ROOT, "..", "shared", "corpus", "container.training-2021", "slides");
const present = existsSync(SLIDES);
if (!present) console.warn(`corpus-manifests: skipped, ${SLIDES} is absent (the shared corpus sits beside the clone in CI)`);
const manifests = present ? readdirSync(SLIDES).filter((f) => f.endsWith(".yml")).sort() : [];

beforeAll(async () => {
  await initShellParser();
});

async function exitCode(args: string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const code = await main(args, { out: () => {}, err: (t) => (err += t + "\n") });
  return { code, err };
}

describe.skipIf(!present)("every manifest of the 2021 courses", () => {
  it.each(manifests)("%s: plan and lint exit 0 or 1, never 2", async (name) => {
    const path = join(SLIDES, name);
    for (const command of ["plan", "lint"]) {
      const { code, err } = await exitCode([command, path]);
      expect(code, `${command} ${name}: ${err}`).toBeLessThan(2);
    }
  }, 120_000);
});

/** The one-line entries of a manifest's parts, flattened: a reading independent of labrun's. */
function listedFiles(content: unknown): string[] {
  if (Array.isArray(content)) return content.flatMap(listedFiles);
  return typeof content === "string" && !content.includes("\n") ? [content] : [];
}

describe.skipIf(!present)("a manifest's steps are its files' steps, in order", () => {
  it.each(["kadm-twodays.yml", "kube-adv.yml", "swarm-video.yml"])("%s", async (name) => {
    const path = join(SLIDES, name);
    const manifest = parse(readFileSync(path, "utf8")) as { content: unknown; exclude: string[]; gitrepo: string; slides: string; chat: string };
    const fill = (text: string) =>
      text.replaceAll("@@GITREPO@@", manifest.gitrepo).replaceAll("@@SLIDES@@", manifest.slides).replaceAll("@@CHAT@@", manifest.chat);

    // Each listed file planned alone (it has no manifest: no fields, no repository to include
    // from, so its lines are its own), minus the excluded classes.
    const alones = await Promise.all(listedFiles(manifest.content).map(async (rel) => ({ rel, alone: await loadDeck(join(SLIDES, rel)) })));
    const expected = alones.flatMap(({ alone }) => {
      return parseDeck({ ...alone, exclude: manifest.exclude }).steps.map((s) => ({
        kind: s.kind,
        file: s.file,
        line: s.line,
        column: s.column,
        text: fill(s.text),
      }));
    });
    const planned = await planDeck(path);
    const actual = planned.graph.steps.map((s) => ({ kind: s.kind, file: s.file, line: s.line, column: s.column, text: s.text }));
    expect(actual.length).toBeGreaterThan(50);
    expect(actual.length).toBe(expected.length);
    actual.forEach((step, i) => {
      const want = expected[i]!;
      // An @@INCLUDE fills only in the course (from the repository's root): same place, other text.
      const text = want.text.includes("@@INCLUDE[") ? step.text : want.text;
      expect(step, `step ${i + 1}`).toEqual({ ...want, text });
    });
    expect(planned.graph.steps.find((s) => s.text.includes("git clone"))?.text).toMatch(
      /^git clone https:\/\/github\.com\/jpetazzo\/container\.training$/m,
    );
    expect(new Set(planned.graph.steps.map((s) => s.id)).size).toBe(planned.graph.steps.length);
  }, 120_000);
});
