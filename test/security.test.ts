// What a deck, a report or a flag could do to the person running labrun, and what labrun does not
// let them: read files outside the working tree, mask a single character, ...
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { PromptMatcher } from "../src/run/nested-shell.js";
import { cli as cliInRoot, ROOT, scratchDir } from "./helpers.js";

/** helpers' cli(), with tsx imported by its path, so that it runs in any folder. */
async function cli(args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  if (opts.cwd === undefined) return cliInRoot(args, opts);
  const tsx = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
  const r = await execa(process.execPath, ["--import", tsx, join(ROOT, "src/main.ts"), ...args], { cwd: opts.cwd, env: opts.env, timeout: 60_000, reject: false, stdin: "ignore" });
  return { code: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
}

const exercise = (title: string, body: string) => `## ${title}\n\n.exercise[\n\n${body}\n]\n`;
const bash = (text: string) => `- Run:\n  \`\`\`bash\n  ${text}\n  \`\`\`\n`;

describe("merge-reports reads slides only inside the working tree", () => {
  /** A JSON report of a run of a deck in a temp folder (outside the repository), whose slide holds `marker`. */
  async function outsideReport(dir: string, marker: string): Promise<{ deck: string; report: string }> {
    const deck = join(dir, "outside.md");
    writeFileSync(deck, exercise("Outside", bash("true")) + `\n${marker}\n`);
    const report = join(dir, "shard.json");
    const r = await cli(["run", deck, "--ci", "--reporter", "json", "--output", report]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    return { deck, report };
  }

  it.each([["an absolute path", (deck: string) => deck], ["a ../.. path", (deck: string) => relative(ROOT, deck)]])(
    "refuses a report naming a deck outside it (%s), in one line naming the report, and writes nothing",
    async (_, named) => {
      const dir = scratchDir("labrun-merge-outside-");
      const { deck, report } = await outsideReport(dir, "outside-slide-marker");
      const json = JSON.parse(readFileSync(report, "utf8")) as { deck: { source: string } };
      json.deck.source = named(deck);
      if (named(deck) !== deck) expect(json.deck.source.startsWith("../")).toBe(true);
      writeFileSync(report, JSON.stringify(json));
      const html = join(dir, "merged.html");
      const r = await cli(["merge-reports", report, "--reporter", "html", "--output", html]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([`labrun: ${report}: its deck ${json.deck.source} is outside the working tree ${ROOT}: merge-reports reads slides only inside it (run it from the deck's checkout)`]);
      expect(existsSync(html)).toBe(false);
    },
    60_000,
  );

  it("reads the slides of a deck inside the working tree (the current folder outside a git checkout)", async () => {
    const dir = scratchDir("labrun-merge-inside-");
    const { report } = await outsideReport(dir, "inside-slide-marker");
    const html = join(dir, "merged.html");
    const r = await cli(["merge-reports", report, "--reporter", "html", "--output", html], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(html, "utf8")).toContain("inside-slide-marker");
  }, 60_000);
});

describe("--mask refuses a one-character value", () => {
  it.each([
    ["run", (deck: string) => ["run", deck, "--ci", "--mask", "TOKEN"]],
    ["run (the value from --env)", (deck: string) => ["run", deck, "--ci", "--env", "TOKEN=é", "--mask", "TOKEN"]],
  ])("%s: one line, exit 2, nothing run", async (_, args) => {
    const dir = scratchDir("labrun-mask-one-");
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise("Mask", bash(`touch ${join(dir, "ran")}`)));
    const r = await cli(args(deck), { env: { ...process.env, TOKEN: "a" } as Record<string, string> });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^labrun: run: --mask TOKEN: its value is one character long: masking it would replace that character everywhere in the output/)]);
    expect(existsSync(join(dir, "ran"))).toBe(false);
  }, 60_000);

  it("an empty value masks nothing, and the run goes on", async () => {
    const dir = scratchDir("labrun-mask-empty-");
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise("Mask", bash("echo visible-text")));
    const report = join(dir, "r.json");
    const r = await cli(["run", deck, "--ci", "--mask", "TOKEN", "--reporter", "json", "--output", report], { env: { ...process.env, TOKEN: "" } as Record<string, string> });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(report, "utf8")).toContain("visible-text");
  }, 60_000);

  it("merge-reports --mask: the same refusal", async () => {
    const dir = scratchDir("labrun-mask-merge-");
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise("Mask", bash("true")));
    const report = join(dir, "r.json");
    expect((await cli(["run", deck, "--ci", "--reporter", "json", "--output", report])).code).toBe(0);
    const r = await cli(["merge-reports", report, "--reporter", "html", "--mask", "TOKEN", "--output", join(dir, "m.html")], { cwd: dir, env: { ...process.env, TOKEN: "x" } as Record<string, string> });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^labrun: merge-reports: --mask TOKEN: its value is one character long/)]);
  }, 60_000);
});

describe("prompts: cannot stall labrun", () => {
  it("refuses a prompt pattern that can take exponential time, naming labrun.yml's line (plan and run, exit 2, nothing run)", async () => {
    const dir = scratchDir("labrun-prompt-redos-");
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise("Prompt", bash(`printf '%s' ${"a".repeat(100)}; touch ${join(dir, "ran")}`)));
    writeFileSync(join(dir, "labrun.yml"), "stepTimeout: 5\nprompts:\n  - '^lab\\) $'\n  - '(a+)+$'\n");
    for (const command of ["plan", "run"]) {
      const started = Date.now();
      const r = await cli(command === "run" ? ["run", deck, "--ci"] : ["plan", deck]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toEqual([`labrun: ${join(dir, "labrun.yml")}:4:5: config field 'prompts.1': '(a+)+' repeats a group holding a quantifier: matching it can take exponential time (write it without the nesting)`]);
      expect(Date.now() - started).toBeLessThan(30_000);
    }
    expect(existsSync(join(dir, "ran"))).toBe(false);
  }, 90_000);

  it("a slow pattern the check lets through sees only the end of the line", () => {
    // Cubic: on the whole of a 1000-character line, minutes; on its last 200 characters, milliseconds.
    const matcher = new PromptMatcher(["a*a*a*b$"]);
    expect(matcher.matches(`${"a".repeat(300)}b`)).toBe(true);
    const started = performance.now();
    expect(matcher.matches("a".repeat(1000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
