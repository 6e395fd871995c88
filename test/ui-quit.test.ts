/**
 * `q` in the terminal UI, in a real pseudo-terminal, many times over: after steps that passed,
 * failed and timed out, while a shell step runs, while an `open` step waits for a page, inside a
 * nested shell, and right after the start. Each time labrun exits 0 at once, gives the terminal
 * back (main screen, cursor shown, canonical mode and echo on) and leaves nothing running.
 */
import pty from "@lydell/node-pty";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, scratchDir } from "./helpers.js";
import { killProcessesWith, processesWith } from "./leftovers.js";
import { Runner } from "../src/run/runner.js";
import { planDeck } from "../src/plan/plan-deck.js";

/** A port on this machine where nothing listens: a connection there is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One deck per scenario: a title slide, then the slide the scenario runs. */
const SLIDES: Readonly<Record<string, (port: number) => string>> = {
  "After steps": () => `.lab[

- Passes:
  \`\`\`bash
  echo "quit fixture"
  \`\`\`

- Fails:
  \`\`\`bash
  false
  \`\`\`

- Times out:
  \`\`\`bash
  sleep 30
  \`\`\`

]`,
  "Still running": () => `.lab[

- Sleeps:
  \`\`\`bash
  echo "still running"; sleep 60
  \`\`\`

]`,
  "Opening a page": (port) => `.lab[

- Nothing answers there, yet:
  \`\`\`bash
  echo "opening"
  \`\`\`

<!-- \`\`\`open http://127.0.0.1:${port}/\`\`\` -->

]`,
  Nested: () => `.lab[

- Another shell:
  \`\`\`bash
  sh
  \`\`\`

- In it:
  \`\`\`bash
  echo "inside $((6 * 7))"
  \`\`\`

]`,
};

function writeDeck(work: string, title: string, port: number): string {
  const deck = join(work, `${title.toLowerCase().replace(/ /g, "-")}.md`);
  writeFileSync(deck, `# Quitting\n\n- q after steps, and while one runs\n\n---\n\n## ${title}\n\n${SLIDES[title]!(port)}\n`);
  return deck;
}

/** How long labrun may take to be gone after q: its shells get SIGHUP, then SIGKILL after a grace time. */
const QUIT_WITHIN_MS = 8_000;

interface Driver {
  /** Resolves once the terminal has shown `text` (escape sequences left out). */
  until(text: string | RegExp): Promise<void>;
  press(keys: string): void;
  /** From the title slide (the UI starts there, --only or not), Enter turns the page to `slide`. */
  turnTo(slide: string): Promise<void>;
}

interface Scenario {
  readonly name: string;
  /** Its slide, in SLIDES. */
  readonly slide: string;
  /** labrun's arguments after the deck. */
  readonly args: readonly string[];
  /** What to do before q. */
  readonly before: (ui: Driver) => Promise<void>;
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: "after a step passed, one failed and one timed out",
    slide: "After steps",
    args: ["--step-timeout", "2"],
    before: async (ui) => {
      await ui.turnTo("2. After steps");
      ui.press("\r");
      await ui.until("✓ $ echo");
      ui.press("\r");
      await ui.until("✗ $ false");
      ui.press("s");
      ui.press("\r");
      await ui.until("⏱ $ sleep 30");
    },
  },
  {
    name: "while a step runs in the shell",
    slide: "Still running",
    args: [],
    before: async (ui) => {
      await ui.turnTo("2. Still running");
      ui.press("\r");
      await ui.until(/^still running/m);
    },
  },
  {
    name: "while an open step waits for a page",
    slide: "Opening a page",
    args: [],
    before: async (ui) => {
      await ui.turnTo("2. Opening a page");
      ui.press("\r");
      await ui.until("▸ open http://127.0.0.1:");
    },
  },
  {
    name: "in a nested shell",
    slide: "Nested",
    args: [],
    before: async (ui) => {
      await ui.turnTo("2. Nested");
      ui.press("\r");
      await ui.until("✓ $ sh");
      ui.press("\r");
      await ui.until(/^inside 42/m);
    },
  },
  {
    name: "right after the start",
    slide: "After steps",
    args: [],
    before: async () => undefined,
  },
];

/**
 * Runs labrun on `deck` in a pty (80x24) under sh, which notes its exit code and the terminal's
 * modes after it; `scenario.before`, then q. Returns what labrun left.
 */
async function quitOnce(work: string, port: number, scenario: Scenario, round: number) {
  const deck = writeDeck(work, scenario.slide, port);
  const state = join(work, `state-${round}`);
  const code = join(work, `code-${round}`);
  const stty = join(work, `stty-${round}`);
  const stderr = join(work, `stderr-${round}`);
  const labrun = ["node", "--import", "tsx", "src/main.ts", deck, "--restart", ...scenario.args].map((a) => `'${a}'`).join(" ");
  const script = `${labrun} 2>'${stderr}'; c=$?; stty -a > '${stty}'; echo $c > '${code}'`;
  const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, TERM: "xterm-256color", LABRUN_STATE_DIR: state };
  const term = pty.spawn("sh", ["-c", script], { cols: 80, rows: 24, cwd: ROOT, env });
  let output = "";
  term.onData((data) => (output += data));
  const exited = new Promise<void>((resolve) => term.onExit(() => resolve()));
  const shown = () => output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
  const ui: Driver = {
    async until(text) {
      for (const deadline = Date.now() + 30_000; typeof text === "string" ? !shown().includes(text) : !text.test(shown()); ) {
        if (Date.now() > deadline) throw new Error(`${scenario.name}: ${String(text)} never shown; the terminal got:\n${shown().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    press: (keys) => term.write(keys),
    async turnTo(slide) {
      term.write("\r");
      await ui.until(slide);
    },
  };
  try {
    // Keys count once the terminal is in raw mode, set after the first frame: the clock's tick comes later.
    await ui.until("⏱ 00:01");
    await scenario.before(ui);
    const frames = output.length;
    ui.press("q");
    const pressed = Date.now();
    while (!existsSync(code) || readFileSync(code, "utf8").trim() === "") {
      if (Date.now() - pressed > 2 * QUIT_WITHIN_MS) throw new Error(`${scenario.name}: labrun still running ${(2 * QUIT_WITHIN_MS) / 1000} s after q`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const quitMs = Date.now() - pressed;
    await exited;
    return {
      code: readFileSync(code, "utf8").trim(),
      quitMs,
      stderr: readFileSync(stderr, "utf8"),
      modes: readFileSync(stty, "utf8").split(/[\s;]+/),
      // What labrun wrote to the terminal after q.
      after: output.slice(frames),
      output,
    };
  } finally {
    try {
      term.kill("SIGKILL");
    } catch {
      // Gone already.
    }
  }
}

describe("q in the terminal UI", () => {
  it("exits 0 at once, the terminal given back and nothing left running, whatever ran before (10 times)", async () => {
    const work = scratchDir("labrun-ui-quit-");
    const port = await closedPort();
    try {
      for (let round = 0; round < 2 * SCENARIOS.length; round++) {
        const scenario = SCENARIOS[round % SCENARIOS.length]!;
        const left = await quitOnce(work, port, scenario, round);
        const said = `${scenario.name} (round ${round}): stderr ${JSON.stringify(left.stderr)}`;
        expect(left.code, said).toBe("0");
        expect(left.quitMs, said).toBeLessThan(QUIT_WITHIN_MS);
        expect(left.stderr, said).not.toMatch(/error|Error/);
        // The last word on the terminal: attributes reset, cursor shown, the main screen back.
        expect(left.output.lastIndexOf("\x1b[?1049l"), said).toBeGreaterThan(left.output.lastIndexOf("\x1b[?1049h"));
        expect(left.output.lastIndexOf("\x1b[?25h"), said).toBeGreaterThan(left.output.lastIndexOf("\x1b[?25l"));
        expect(left.modes, said).toContain("icanon");
        expect(left.modes, said).toContain("echo");
        // Every shell, and what ran in it, ended with labrun (they inherited its state folder).
        expect(processesWith(join(work, `state-${round}`)), said).toEqual([]);
      }
    } finally {
      killProcessesWith(work);
    }
  }, 300_000);
});

describe("a Runner closed while a step runs", () => {
  it("ends an open step waiting for a page at once, and starts no shell for a step after it", async () => {
    const work = scratchDir("labrun-runner-close-");
    const port = await closedPort();
    const open = (await planDeck(writeDeck(work, "Opening a page", port))).graph.steps.find((s) => s.kind === "open")!;
    const echo = (await planDeck(writeDeck(work, "After steps", port))).graph.steps.find((s) => s.kind === "bash" && s.text.includes("quit fixture"))!;
    const runner = new Runner({ stepTimeoutMs: 60_000, env: { LABRUN_TEST_TOKEN: work } });
    const started = Date.now();
    const opening = runner.runStep(open, undefined);
    await new Promise((r) => setTimeout(r, 500));
    await runner.close();
    const result = await opening;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.status).toBe("interrupted");
    const after = await runner.runStep(echo, undefined);
    expect(after.status).toBe("failed");
    expect(after.reason).toMatch(/closed/);
    expect(processesWith(work)).toEqual([]);
  }, 30_000);
});
