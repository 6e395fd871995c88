import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { render } from "ink-testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { planDeck } from "../src/index.js";
import { Runner } from "../src/run/runner.js";
import { App } from "../src/ui/components/App.js";
import { computeLayout } from "../src/ui/layout.js";
import { slideLines, stripMacros } from "../src/ui/markdown.js";
import { PaneTerminal, SCROLLBACK_LINES } from "../src/ui/pane-terminal.js";
import { ProgressStore } from "../src/ui/progress-store.js";
import { initialState, type Message } from "../src/ui/state.js";
import { lineText, textWidth } from "../src/ui/text.js";
import { fixture } from "./helpers.js";

const BASIC = fixture("ui", "basic.md");
const STREAM = fixture("ui", "stream.md");
const SIZE = { cols: 80, rows: 24 };

interface Mounted {
  readonly frame: () => string;
  readonly press: (keys: string) => void;
  readonly exits: string[];
  readonly store: ProgressStore;
}

const cleanups: (() => Promise<void>)[] = [];
// Last made, first undone: the app (which saves progress as it closes) before its state folder.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "labrun-ui-test-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The real App on a fixture deck, with a real Runner (real bash) behind it. */
async function mount(deck: string, options: { stateDir?: string; color?: boolean } = {}): Promise<Mounted> {
  const planned = await planDeck(deck);
  const layout = computeLayout(SIZE.cols, SIZE.rows, { takeover: false, expectations: false, footerLines: 2 });
  const pane = new PaneTerminal(layout.output.width, layout.output.height);
  const runner = new Runner({ cols: layout.output.width, rows: layout.output.height, stepTimeoutMs: 15_000, reporters: [{ onOutput: (chunk) => pane.write(chunk) }] });
  const store = new ProgressStore(deck, options.stateDir ?? tempDir());
  const loaded = store.load();
  const message: Message | undefined = loaded.kind === "corrupt" ? { tone: "error", text: `Saved progress ignored: ${loaded.message}` } : undefined;
  const initial = initialState({
    steps: planned.graph.steps,
    slides: planned.parsed.slides,
    ...(loaded.kind === "found" ? { saved: loaded.position } : {}),
    ...(message ? { message } : {}),
  });
  const exits: string[] = [];
  const app = render(
    <App initial={initial} deckTitle={planned.deck.title} runner={runner} pane={pane} store={store} size={SIZE} color={options.color ?? true} onExit={(how) => exits.push(how)} />,
  );
  cleanups.push(async () => {
    app.unmount();
    await runner.close();
    pane.dispose();
  });
  return { frame: () => app.lastFrame() ?? "", press: (keys) => app.stdin.write(keys), exits, store };
}

/** Waits for the first slide (a title slide, nothing to run), then turns to the second. */
async function onFirstSteps(ui: Mounted): Promise<string> {
  await until(ui, (f) => f.includes("1. UI fixture") && f.includes("Nothing to run on this slide"));
  ui.press("n");
  return until(ui, (f) => f.includes("2. First steps"));
}

/** Polls the last frame (plain text) until `predicate` holds; fails with the frame after the deadline. */
async function until(mounted: Mounted, predicate: (plain: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const plain = stripVTControlCharacters(mounted.frame());
    if (predicate(plain)) return plain;
    if (Date.now() > deadline) throw new Error(`the screen never matched; last frame:\n${plain}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expectFits(frame: string) {
  const lines = stripVTControlCharacters(frame).split("\n");
  expect(lines.length).toBeLessThanOrEqual(24);
  for (const line of lines) expect(textWidth(line), line).toBeLessThanOrEqual(80);
}

describe("the UI at 80x24", () => {
  it("fits: at most 80 columns and 24 rows, with the slide, its steps, the output and the keys", async () => {
    const ui = await mount(BASIC);
    const first = await until(ui, (f) => f.includes("1. UI fixture"));
    expectFits(ui.frame());
    expect(first).toContain("A small deck for the terminal UI's tests");
    expect(first).toContain("to read · step 1/4 next · slide 1/4");
    const plain = await onFirstSteps(ui);
    expectFits(ui.frame());
    expect(plain).toContain("labrun · basic");
    expect(plain).toContain("step 1/4 · slide 2/4 · chapter 1/1");
    expect(plain).toMatch(/▶ +\$ echo "hello from step one"/);
    expect(plain).toContain("─ output ─");
    expect(plain).toContain("q quit");
    // Macro wrappers and hidden directives are never shown.
    expect(plain).not.toContain(".lab[");
    expect(plain).not.toContain("<!--");
  });

  it("navigates: next, previous, go to a slide by number and by title, help", async () => {
    const ui = await mount(BASIC);
    await onFirstSteps(ui);
    ui.press("n");
    await until(ui, (f) => /▶ +\$ export UI_VALUE=42/.test(f));
    ui.press("n");
    let plain = await until(ui, (f) => f.includes("3. Colours and hidden steps"));
    expect(plain).not.toContain("hidden-step-ran"); // hidden steps are not listed...
    ui.press("h");
    plain = await until(ui, (f) => f.includes("(hidden)"));
    expect(plain).toContain("$ echo hidden-step-ran  (hidden)"); // ...until h
    ui.press("p");
    await until(ui, (f) => f.includes("2. First steps") && f.includes("step 2/7"));
    ui.press("g");
    ui.press("4");
    await until(ui, (f) => f.includes("Go to slide: 4") && f.includes("→ 4. Wrong on purpose"));
    ui.press("\r");
    await until(ui, (f) => f.includes("4. Wrong on purpose"));
    ui.press("g");
    ui.press("colours");
    ui.press("\r");
    await until(ui, (f) => f.includes("3. Colours and hidden steps"));
    ui.press("?");
    plain = await until(ui, (f) => f.includes("Keys") && f.includes("take over the shell"));
    expectFits(ui.frame());
    ui.press("x");
    await until(ui, (f) => f.includes("3. Colours and hidden steps"));
  });

  it("runs a real step in a real shell: its output in the pane, ✓ in the list, progress saved", async () => {
    const ui = await mount(BASIC);
    await onFirstSteps(ui);
    ui.press("\r");
    const plain = await until(ui, (f) => /✓ \$ echo "hello from step one"/.test(f) && /^hello from step one/m.test(f));
    expect(plain).toMatch(/▶ +\$ export UI_VALUE=42/);
    expectFits(ui.frame());
    const saved = ui.store.load();
    expect(saved.kind).toBe("found");
    if (saved.kind === "found") {
      expect(saved.position.current).toBe("basic/first-steps/2");
      expect(saved.position.statuses).toEqual({ "basic/first-steps/1": "passed" });
    }
  });

  it("runs steps inside a nested shell the same way: statuses in the list, the pane shows its prompt", async () => {
    const ui = await mount(fixture("ui", "nested.md"));
    await until(ui, (f) => f.includes("1. UI nested fixture"));
    ui.press("n");
    await until(ui, (f) => f.includes("2. Into sh"));
    ui.press("c");
    const plain = await until(ui, (f) => f.includes("End of the deck") && /^back in labrun$/m.test(f));
    expect(plain).toContain("✓ 4 passed ✗ 0 failed ⏱ 0 timed out");
    // sh's prompt, the step typed after it, its output; then labrun's bash again.
    expect(plain).toMatch(/[#$] echo "inside \$\(\(6 \* 7\)\)"\ninside 42\n.*[#$] exit\n\$ echo "back in/);
    expect(plain).not.toMatch(/7770|PS1=/);
  });

  it("keeps the output's colours, and drops them under NO_COLOR", async () => {
    for (const color of [true, false]) {
      const ui = await mount(BASIC, { color });
      await onFirstSteps(ui);
      ui.press("c");
      await until(ui, (f) => f.includes("value is 42") && f.includes("✗ expected output differs"));
      expect(/\x1b\[[\d;]*32m42/.test(ui.frame()), `color ${color}`).toBe(color);
    }
  });

  it("shows a failing expectation's diff beside the output", async () => {
    const ui = await mount(BASIC);
    await onFirstSteps(ui);
    ui.press("g4\r");
    await until(ui, (f) => f.includes("4. Wrong on purpose"));
    ui.press("\r");
    const plain = await until(ui, (f) => f.includes("✗ expected output differs"));
    expect(plain).toMatch(/│- colour: red/);
    expect(plain).toMatch(/│\+ colour: blue/);
    expect(plain).toMatch(/✗ expect: colour: red/);
    expect(plain).toContain("Not the output the slide expects");
    expectFits(ui.frame());
    ui.press("r");
    await until(ui, (f) => f.includes("✗ Not the output the slide expects") && (f.match(/^\$ echo "colour: blue"/gm) ?? []).length === 2);
  });

  it("offers to resume from a saved state file", async () => {
    const stateDir = tempDir();
    new ProgressStore(BASIC, stateDir).save({ current: "basic/colours-and-hidden-steps/1", statuses: { "basic/first-steps/1": "passed", "basic/first-steps/2": "passed" } });
    const ui = await mount(BASIC, { stateDir });
    const plain = await until(ui, (f) => f.includes("Resume at slide 3 “Colours and hidden steps”? [Y/n]"));
    expect(plain).toContain("is not restored");
    expect(plain).toContain("Press r to replay the 2 earlier steps");
    expectFits(ui.frame());
    ui.press("y");
    await until(ui, (f) => f.includes("3. Colours and hidden steps") && f.includes("step 3/4"));
  });

  it("ignores a corrupt state file with a message", async () => {
    const stateDir = tempDir();
    const store = new ProgressStore(BASIC, stateDir);
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(store.file, "{ not json");
    const ui = await mount(BASIC, { stateDir });
    const plain = await until(ui, (f) => f.includes("1. UI fixture"));
    expect(plain).toContain("Saved progress ignored");
  });

  it("streams a command's output live, and its hidden wait and ^C stop it", async () => {
    const ui = await mount(STREAM);
    await until(ui, (f) => f.includes("1. Streaming"));
    ui.press("\r");
    const plain = await until(ui, (f) => /✓ \$ for i in/.test(f) && f.includes("^C") && /▶ +\$ sleep 30/.test(f));
    expect(plain).toMatch(/^tick 3$/m);
    expectFits(ui.frame());
  });

  it("stops a running step on Ctrl-C", async () => {
    const ui = await mount(STREAM);
    await until(ui, (f) => f.includes("1. Streaming"));
    ui.press("n");
    await until(ui, (f) => /▶ +\$ sleep 30/.test(f));
    const started = Date.now();
    ui.press("\r");
    await until(ui, (f) => /▶ ▸ \$ sleep 30/.test(f) && f.includes("Ctrl-C stop"));
    ui.press("\x03");
    const plain = await until(ui, (f) => f.includes("Stopped: $ sleep 30"));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(plain).toMatch(/▶ ✗ \$ sleep 30/);
    expect(ui.exits).toEqual([]);
  });

  it("sends Ctrl-C to a command left running, and quits on the next one", async () => {
    const ui = await mount(STREAM);
    await until(ui, (f) => f.includes("1. Streaming"));
    ui.press("h"); // one step at a time: the loop starts and is left running
    await until(ui, (f) => f.includes("(hidden)"));
    ui.press("\r");
    await until(ui, (f) => /✓ \$ for i in/.test(f) && /^tick 2$/m.test(f));
    ui.press("\x03");
    await until(ui, (f) => f.includes("Stopped the command left running") && /^\^C$/m.test(f));
    expect(ui.exits).toEqual([]);
    ui.press("\x03");
    const deadline = Date.now() + 5_000;
    while (ui.exits.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ui.exits).toEqual(["quit"]);
  });

  it("quits on q, closing the shells", async () => {
    const ui = await mount(BASIC);
    await onFirstSteps(ui);
    ui.press("q");
    const deadline = Date.now() + 5_000;
    while (ui.exits.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ui.exits).toEqual(["quit"]);
  });
});

describe("pieces", () => {
  it("renders a slide's Markdown without macros or hidden directives", () => {
    const markdown = [
      "## Title",
      "",
      ".lab[",
      "",
      "- Run *this* with `code`:",
      "  ```bash",
      "  echo hi",
      "  ```",
      "",
      "<!-- ```wait hi``` -->",
      "<!--",
      "```keys ^C```",
      "-->",
      "",
      ".small[A **small** note]",
      "",
      "]",
    ].join("\n");
    expect(stripMacros(markdown)).not.toMatch(/\.lab\[|\.small\[|^\]$/m);
    const lines = slideLines(markdown, 40, { title: "Title" }).map(lineText);
    expect(lines).toEqual(["• Run this with code:", "    echo hi", "", "A small note"]);
  });

  it("wraps prose to the width", () => {
    const lines = slideLines("- " + "word ".repeat(30), 30).map(lineText);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(textWidth(line)).toBeLessThanOrEqual(30);
    expect(lines[1]!.startsWith("  word")).toBe(true);
  });

  it("keeps a bounded scrollback however much is printed", async () => {
    const pane = new PaneTerminal(40, 5);
    for (let i = 0; i < 20_000; i++) pane.write(`line ${i}\r\n`);
    await pane.flushed();
    const view = pane.view(5, 0, { color: false, live: false });
    expect(view.lines.at(-2)).toBe("line 19999");
    expect(view.maxScroll).toBeLessThanOrEqual(SCROLLBACK_LINES + 5);
    const top = pane.view(5, view.maxScroll, { color: false, live: false });
    expect(Number(top.lines[0]!.split(" ")[1])).toBeGreaterThan(19_999 - SCROLLBACK_LINES - 10);
    pane.dispose();
  });

  it("lays out every size it is given within it", () => {
    for (const [cols, rows] of [
      [80, 24],
      [120, 40],
      [60, 16],
      [200, 60],
    ] as const) {
      for (const expectations of [false, true]) {
        const l = computeLayout(cols, rows, { takeover: false, expectations, footerLines: 2 });
        const used = 2 + 1 + l.slideText + l.stepList + 1 + l.output.height + 1 + l.footer;
        expect(used).toBeLessThanOrEqual(rows - 1);
        expect(l.output.width + (l.side ? l.side + 1 : 0)).toBeLessThanOrEqual(cols);
      }
    }
  });
});
