import { describe, it, expect } from "vitest";
import { planDeck, lintDeck } from "../src/index.js";
import { formatProblem } from "../src/problem.js";
import { imageTagProblem } from "../src/lint/rules/image-tag.js";
import { fixture, slides } from "./helpers.js";

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
