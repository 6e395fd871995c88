import { describe, it, expect } from "vitest";
import { planDeck, lintDeck } from "../src/index.js";
import { formatProblem } from "../src/problem.js";
import { imageTagProblem } from "../src/lint/rules/image-tag.js";
import { findDoubleEncoding } from "../src/lint/rules/double-encoded.js";
import { editDistance, likelyMeant } from "../src/lint/rules/command-typo.js";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, slides, ROOT, scratchDir } from "./helpers.js";

async function lintFixture(name: string, env: string[] = []) {
  const planned = await planDeck(fixture(name));
  return lintDeck(planned, { env }).map((p) => `${p.line}:${p.column} ${p.severity} ${p.ruleId}`);
}

describe("lint rules, each on a deck written for it", () => {
  it("macro-unclosed", async () => {
    expect(await lintFixture("lint/macro-unclosed.md")).toEqual(["3:1 error macro-unclosed"]);
  });

  it("directive-unknown", async () => {
    expect(await lintFixture("unknown-directive.md")).toEqual(["9:6 error directive-unknown"]);
  });

  it("no-command-before", async () => {
    expect(await lintFixture("lint/no-command-before.md")).toEqual([
      "5:6 error no-command-before",
      "6:6 error no-command-before",
      "7:6 error no-command-before",
    ]);
  });

  it("undefined-variable: used before defined; defaults and shell variables are fine", async () => {
    expect(await lintFixture("lint/undefined-variable.md")).toEqual(["6:1 error undefined-variable"]);
  });

  it("undefined-variable: the environment (--env, labrun.yml env) provides it", async () => {
    expect(await lintFixture("lint/undefined-variable.md", ["REGISTRY"])).toEqual([]);
    expect(await lintFixture("config/deck.md")).toEqual([]);
  });

  it("image-tag", async () => {
    expect(await lintFixture("lint/image-tag.md")).toEqual(["6:39 warning image-tag", "7:39 warning image-tag", "9:13 warning image-tag"]);
  });

  it("exercise-empty", async () => {
    expect(await lintFixture("lint/exercise-empty.md")).toEqual(["3:1 warning exercise-empty"]);
  });

  it("command-outside-exercise", async () => {
    expect(await lintFixture("lint/command-outside-exercise.md")).toEqual(["5:3 warning command-outside-exercise"]);
  });

  it("paste-without-copy", async () => {
    expect(await lintFixture("lint/paste-without-copy.md")).toEqual(["9:6 error paste-without-copy"]);
  });

  it("directive-outside-exercise", async () => {
    expect(await lintFixture("lint/directive-outside-exercise.md")).toEqual(["11:6 warning directive-outside-exercise"]);
  });

  it("command-typo: near a program the deck uses, a well-known tool or the deck's own function; never a defined, installed, short or family name", async () => {
    expect(await lintFixture("lint/command-typo.md")).toEqual(["13:1 warning command-typo", "14:1 warning command-typo", "15:1 warning command-typo"]);
    const messages = lintDeck(await planDeck(fixture("lint/command-typo.md")), { path: "" }).map((p) => p.message);
    expect(messages).toEqual([
      "'kuectl' is not on PATH nor defined by the deck: did you mean 'kubectl'?",
      "'dokcer' is not on PATH nor defined by the deck: did you mean 'docker'?",
      "'greting' is not on PATH nor defined by the deck: did you mean 'greeting'?",
    ]);
  });

  it("command-typo: the same on any machine, except that a program installed on PATH is no typo", async () => {
    const planned = await planDeck(fixture("lint/command-typo.md"));
    const typos = (path: string) => lintDeck(planned, { path }).filter((p) => p.ruleId === "command-typo").map((p) => p.message.split("'")[1]);
    expect(typos("")).toEqual(["kuectl", "dokcer", "greting"]);
    expect(typos(process.env.PATH ?? "")).toEqual(typos(""));
    const bin = scratchDir("labrun-bin-");
    writeFileSync(join(bin, "dokcer"), "#!/bin/sh\n");
    chmodSync(join(bin, "dokcer"), 0o755);
    expect(typos(bin)).toEqual(["kuectl", "greting"]);
  });

  const openebs = join(ROOT, "..", "shared", "corpus", "container.training-2021", "slides", "k8s", "openebs.md");
  it.skipIf(!existsSync(openebs))("command-typo: the kuectl of a real course (slides/k8s/openebs.md), and nothing else there", async () => {
    const problems = lintDeck(await planDeck(openebs), { path: "" }).filter((p) => p.ruleId === "command-typo");
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      "317:3 'kuectl' is not on PATH nor defined by the deck: did you mean 'kubectl'?",
    ]);
  });

  it("double-encoded: names the likely character, at file:line:col; good accents, quotes and symbols pass", async () => {
    expect(await lintFixture("lint/double-encoded.md")).toEqual([
      "3:7 warning double-encoded",
      "4:5 warning double-encoded",
      "4:17 warning double-encoded",
      "5:3 warning double-encoded",
    ]);
    const problems = lintDeck(await planDeck(fixture("lint/double-encoded.md")));
    expect(problems.map((p) => p.message)).toEqual([
      "looks double-encoded: '√©' is probably 'é'",
      "looks double-encoded: 'â€™' is probably '’'",
      "looks double-encoded: 'Ã©' is probably 'é'",
      "looks double-encoded: '\uf8ffü§î' is probably '🤔'",
    ]);
  });

  it("double-encoded: the original seed triggers it, the repaired bundled deck does not", async () => {
    const bundled = readFileSync(slides("dockercoins.md"), "utf8");
    expect(lintDeck(await planDeck(slides("dockercoins.yml"))).filter((p) => p.ruleId === "double-encoded")).toEqual([]);
    expect(bundled).toContain("- Au début, notre appli tournait sur un seul noeud");
    // the seed's first slide as it was (a copy: the seed itself sits beside the dev checkout only)
    const firstSlide = lintDeck(await planDeck(fixture("lint/double-encoded-seed.md")));
    expect(firstSlide.filter((p) => p.ruleId === "double-encoded").map((p) => `${p.line}:${p.column}`)).toEqual([
      "3:7", "5:17", "5:20", "5:47", "7:14", "9:39", "9:66", "11:23", "19:43", "19:48", "19:87", "21:7", "21:32", "21:38", "23:53", "23:58",
    ]);
    const seed = join(ROOT, "..", "shared", "seed", "000_df302967ad4726bd.txt");
    if (!existsSync(seed)) return;
    const original = readFileSync(seed, "utf8");
    const dir = scratchDir("labrun-seed-");
    writeFileSync(join(dir, "seed.md"), original);
    const found = lintDeck(await planDeck(join(dir, "seed.md"))).filter((p) => p.ruleId === "double-encoded");
    expect(found.map((p) => `${p.line}:${p.column}`).slice(0, 2)).toEqual(["3:7", "5:17"]);
    expect(found[0]!.message).toBe("looks double-encoded: '√©' is probably 'é'");
    expect(found.length).toBe(18);
    // the repair changed those lines only: every other line is the seed's, byte for byte
    const a = original.split("\n");
    const b = bundled.split("\n");
    expect(b.length).toBe(a.length);
    expect(a.flatMap((line, i) => (line === b[i] ? [] : [i + 1]))).toEqual([...new Set(found.map((p) => p.line))]);
  });

  it("a clean deck has no problem", async () => {
    expect(await lintFixture("lint/clean.md")).toEqual([]);
  });

  it("the seed: only warnings, each with file:line:col and rule id", async () => {
    const problems = lintDeck(await planDeck(slides("dockercoins.yml")));
    expect(problems.every((p) => p.severity === "warning")).toBe(true);
    expect(problems.map(formatProblem)).toContain(
      "slides/dockercoins.md:133:46: warning: image 'registry' has no tag: it means 'latest', and nobody knows what latest points to (image-tag)",
    );
    expect(problems.filter((p) => p.ruleId === "command-outside-exercise").map((p) => p.line)).toEqual([29, 317]);
  });
});

describe("editDistance and likelyMeant", () => {
  it.each([
    ["kuectl", "kubectl", 1],
    ["dokcer", "docker", 1],
    ["kubeclt", "kubectl", 1],
    ["kubectl", "kubectl", 0],
    ["kubctll", "kubectl", 2],
    ["helm", "kubectl", 6],
  ])("%s -> %s: %i", (a, b, d) => expect(editDistance(a, b)).toBe(d));

  it("suggests the nearest name, then the most used; nothing for short names or a family member", () => {
    const used = new Map([["kubectl", 10], ["kubectx", 1], ["snap", 3], ["tee", 5]]);
    expect(likelyMeant("kubectk", used)).toBe("kubectl");
    expect(likelyMeant("kubernetesctl", used)).toBeUndefined();
    expect(likelyMeant("tree", used)).toBeUndefined();
    expect(likelyMeant("snapd", used)).toBeUndefined();
  });
});

describe("findDoubleEncoding", () => {
  it.each([
    ["d√©but", "√©", "é"],
    ["itâ€™s", "â€™", "’"],
    ["cafÃ©", "Ã©", "é"],
    ["Ã\u00a0la", "Ã\u00a0", "à"],
    ["naÃ¯ve", "Ã¯", "ï"],
    ["â€œquotedâ€\u009d", "â€œ", "“"],
  ])("%s: %s is %s", (line, seen, meant) => expect(findDoubleEncoding(line)[0]).toMatchObject({ seen, meant }));

  it.each(["début", "“école”", "Ä… and Œuvre", "3 × 4 = 12 €", "«guillemets»", "SÃO PAULO", "√2 ≈ 1.41", "—é"])("%s is left alone", (line) =>
    expect(findDoubleEncoding(line)).toEqual([]),
  );
});

describe("imageTagProblem", () => {
  it.each([
    ["nginx", true],
    ["nginx:latest", true],
    ["127.0.0.1:5000/busybox", true],
    ["127.0.0.1:5000/busybox:1.36", false],
    ["$REGISTRY/$SERVICE:$TAG", false],
    ["busybox@sha256:abc", false],
    ["$IMAGE", false],
  ])("%s → problem: %s", (ref, bad) => expect(Boolean(imageTagProblem(ref))).toBe(bad));
});
