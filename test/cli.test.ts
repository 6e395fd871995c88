import { describe, it, expect } from "vitest";
import { cli } from "./helpers.js";

describe("labrun plan", () => {
  it("prints exactly one JSON document with --json", async () => {
    const r = await cli(["plan", "slides/dockercoins.yml", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { steps: Record<string, unknown>[] };
    expect(doc.steps).toHaveLength(24);
    for (const key of ["id", "kind", "text", "file", "line", "slide", "title", "chapter", "dependsOn", "defines", "uses"]) {
      expect(doc.steps[0]).toHaveProperty(key);
    }
  });

  it("prints a readable outline: chapter > slide > steps, hidden steps marked", async () => {
    const r = await cli(["plan", "slides/dockercoins.yml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("# Running our application on Kubernetes");
    expect(r.stdout).toContain("  [20] Is this working yet?");
    expect(r.stdout).toMatch(/hidden wait\s+slides\/dockercoins\.md:414 {2}units of work done, updating hash counter/);
  });

  it("marks manual blocks", async () => {
    const r = await cli(["plan", "fixtures/directives.md"]);
    expect(r.stdout).toMatch(/manual\s+fixtures\/directives\.md:18 {2}kubectl delete pod pingpong-xxxxxxxxxx-yyyyy {2}\(shown, not run\)/);
  });
});

describe("labrun lint", () => {
  it("exits 0 with warnings only", async () => {
    const r = await cli(["lint", "slides/dockercoins.yml"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toMatch(/^slides\/dockercoins\.md:\d+:\d+: warning: .* \([a-z-]+\)$/);
  });

  it("exits 1 on errors", async () => {
    const r = await cli(["lint", "fixtures/lint/macro-unclosed.md"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("fixtures/lint/macro-unclosed.md:3:1: error: macro .exercise[ is never closed on this slide (expected a line with ]) (macro-unclosed)\n");
  });

  it("knows variables given with --env", async () => {
    expect((await cli(["lint", "fixtures/lint/undefined-variable.md"])).code).toBe(1);
    expect((await cli(["lint", "fixtures/lint/undefined-variable.md", "--env", "REGISTRY=x"])).code).toBe(0);
  });
});

describe("bad input: one line, exit 2, no stack trace", () => {
  it.each([
    [["plan", "fixtures/nope.md"], "labrun: fixtures/nope.md: no such file or folder\n"],
    [["lint", "fixtures/bad/latin1.md"], "labrun: fixtures/bad/latin1.md:3: not valid UTF-8 text\n"],
    [["plan", "fixtures/bad/missing-entry.yml"], "labrun: fixtures/bad/missing-entry.yml:4:5: content entry 'nope.md' does not exist\n"],
    [["plan"], "labrun: plan: which deck? give a .md file, a folder or a YAML manifest (see 'labrun --help')\n"],
    [["plan", "slides/dockercoins.yml", "--bogus"], "labrun: unknown option '--bogus' (see 'labrun --help')\n"],
    [["frobnicate"], "labrun: unknown command 'frobnicate' (see 'labrun --help')\n"],
    [["run", "slides/tour.md", "--ci", "--mask", "LABRUN_NO_SUCH_VAR"], "labrun: run: --mask LABRUN_NO_SUCH_VAR: no such variable in the environment or --env (see 'labrun --help')\n"],
    [["watch", "slides/tour.md", "--mask", "LABRUN_NO_SUCH_VAR"], "labrun: watch: --mask LABRUN_NO_SUCH_VAR: no such variable in the environment or --env (see 'labrun --help')\n"],
  ])("%j", async (args, stderr) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(stderr);
    expect(r.stdout).toBe("");
  });

  it("--help works", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("labrun plan DECK");
  });
});
