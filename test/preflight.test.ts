import { scratchDir } from "./helpers.js";
import { describe, it, expect } from "vitest";
import { mkdtempSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planDeck } from "../src/index.js";
import { missingPrograms } from "../src/run/preflight.js";

async function missing(deck: string, path = "") {
  const dir = scratchDir("labrun-preflight-");
  writeFileSync(join(dir, "deck.md"), deck);
  const planned = await planDeck(join(dir, "deck.md"));
  return missingPrograms(planned.graph.steps, planned.graph.facts, path).map((m) => m.program);
}

const lab = (...blocks: string[]) => `## x\n.exercise[\n${blocks.map((b) => "```bash\n" + b + "\n```\n").join("")}]\n`;

describe("missingPrograms (what run --ci and the UI's tour offer are based on)", () => {
  it("never counts a function or an alias an earlier step defines", async () => {
    expect(await missing(lab("greet() { echo hi; }", "function shout { echo HI; }", "alias k=kubectl", "greet; shout; k get pods"))).toEqual([]);
  });

  it("still counts what the functions and aliases call, and a program called before any step defines it", async () => {
    expect(await missing(lab("greet", "greet() { labrun-nope; }", "greet"))).toEqual(["greet", "labrun-nope"]);
  });

  it("looks programs up on the given PATH", async () => {
    const bin = scratchDir("labrun-bin-");
    writeFileSync(join(bin, "labrun-tool"), "#!/bin/sh\n");
    chmodSync(join(bin, "labrun-tool"), 0o755);
    expect(await missing(lab("labrun-tool --version"), bin)).toEqual([]);
    expect(await missing(lab("labrun-tool --version"), "")).toEqual(["labrun-tool"]);
  });
});
