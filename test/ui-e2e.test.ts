/**
 * The real UI in a real terminal: tmux, 80x24, driven with send-keys and read with capture-pane.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers.js";
import { killTmuxServer } from "./tmux.js";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
if (!hasTmux) console.warn("ui-e2e: tmux is not installed; the end-to-end UI test is skipped");

const SOCKET = `labrun-ui-e2e-${process.pid}`;
const SESSION = "ui";
const LAUNCH = "node --import tsx src/main.ts fixtures/ui/basic.md; echo EXIT=$?";

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", SOCKET, "-f", "/dev/null", ...args], { encoding: "utf8" });
}

function screen(): string {
  return tmux("capture-pane", "-p", "-t", SESSION);
}

function keys(...names: string[]): void {
  tmux("send-keys", "-t", SESSION, ...names);
}

function type(text: string): void {
  tmux("send-keys", "-t", SESSION, "-l", text);
  keys("Enter");
}

/** The pids under `pid` (children, their children...), read from /proc. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

/** A process that exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Polls the pane until `predicate` holds (small intervals, one deadline). */
async function until(predicate: (text: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = screen();
    if (predicate(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!hasTmux)("the terminal UI in tmux at 80x24", () => {
  let stateDir: string;

  beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), "labrun-ui-e2e-"));
    // A clean environment: no CI variables (ink would not draw), our own state directory and prompt.
    const shell = [
      "env -i",
      `PATH=${JSON.stringify(process.env.PATH ?? "/usr/bin:/bin")}`,
      `HOME=${JSON.stringify(process.env.HOME ?? stateDir)}`,
      "TERM=xterm-256color",
      `LABRUN_STATE_DIR=${JSON.stringify(stateDir)}`,
      "PS1='e2e$ '",
      "bash --norc --noprofile",
    ].join(" ");
    tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", SESSION, "-c", ROOT, shell);
  });

  afterAll(() => {
    if (hasTmux) killTmuxServer(SOCKET);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("runs two steps, goes back, quits with the terminal restored, then resumes there", async () => {
    await until((s) => s.includes("e2e$"), "the shell prompt");
    type(LAUNCH);
    let text = await until((s) => s.includes("1. UI fixture") && s.includes("slide 1/4"), "the first slide");
    const rows = text.replace(/\n$/, "").split("\n");
    expect(rows.length).toBeLessThanOrEqual(24);
    expect(rows[0]).toMatch(/^ labrun · basic +⏱ \d\d:\d\d *$/); // the header on top: nothing scrolled
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(80);

    keys("Enter"); // turns the page: the title slide has nothing to run
    await until((s) => s.includes("2. First steps") && s.includes("step 1/4"), "the first steps");
    keys("Enter");
    await until((s) => /✓ \$ echo "hello from step one"/.test(s), "the first step's ✓");
    keys("Enter");
    text = await until((s) => s.includes("3. Colours and hidden steps") && s.includes("step 3/4"), "the next slide after two steps");
    expect(text).toContain("Done. Enter runs the next step.");

    keys("p");
    text = await until((s) => s.includes("2. First steps") && s.includes("step 2/4"), "going back");
    expect(text).toMatch(/✓ \$ echo "hello from step one"/);
    expect(text).toMatch(/▶ ✓ \$ export UI_VALUE=42/);

    keys("q");
    await until((s) => s.includes("EXIT=0"), "labrun to exit");
    // The terminal is back: main screen, cursor shown, canonical mode and echo on.
    expect(tmux("display", "-p", "-t", SESSION, "#{alternate_on} #{cursor_flag}").trim()).toBe("0 1");
    type("stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo)' | tr '\\n' ' '; echo END");
    text = await until((s) => /^-?icanon -?echo END/m.test(s), "stty's answer");
    expect(text).toMatch(/^icanon echo END/m);

    type("clear");
    type(LAUNCH);
    text = await until((s) => s.includes("Resume at slide 2 “First steps”? [Y/n]"), "the resume prompt");
    expect(text).toContain("Press r to replay the 1 earlier steps");
    keys("y");
    text = await until((s) => s.includes("Resumed.") && s.includes("2. First steps"), "the resumed position");
    expect(text).toContain("step 2/4");
    expect(text).toMatch(/▶ ✓ \$ export UI_VALUE=42/);
    expect(text).toMatch(/ {2}✓ \$ echo "hello from step one"/);

    keys("q");
    await until((s) => s.includes("EXIT=0"), "labrun to exit again");
    expect(tmux("display", "-p", "-t", SESSION, "#{alternate_on} #{cursor_flag}").trim()).toBe("0 1");
  }, 120_000);

  it("on SIGHUP (the terminal closed) gives the terminal back, ends its shells and exits 129", async () => {
    type("clear");
    type(LAUNCH.replace("basic.md", "basic.md --restart"));
    await until((s) => s.includes("1. UI fixture") && s.includes("slide 1/4"), "the first slide");
    keys("Enter");
    await until((s) => s.includes("2. First steps") && s.includes("step 1/4"), "the first steps");
    keys("Enter");
    await until((s) => /✓ \$ echo "hello from step one"/.test(s), "the first step's ✓");
    // The pane's bash runs labrun, which runs the step's shell.
    const paneShell = Number(tmux("display", "-p", "-t", SESSION, "#{pane_pid}").trim());
    const [labrun, ...started] = descendants(paneShell);
    expect(started.length).toBeGreaterThan(0);
    process.kill(labrun!, "SIGHUP");
    await until((s) => s.includes("EXIT=129"), "labrun to exit 129");
    expect(tmux("display", "-p", "-t", SESSION, "#{alternate_on} #{cursor_flag}").trim()).toBe("0 1");
    for (const pid of [labrun!, ...started]) expect(alive(pid), `pid ${pid}`).toBe(false);
  }, 120_000);

  it("on SIGTERM mid-step saves the running step as interrupted, to resume at it, and exits 143", async () => {
    await signalMidStep("term", "SIGTERM", async ({ code, stderr, processes, work }) => {
      expect(code, stderr).toBe("143");
      for (const pid of processes) expect(alive(pid), `pid ${pid}`).toBe(false);
      expectSavedInterrupted(work);
    });
  }, 120_000);

  it("on an outside SIGINT (kill -INT) mid-step restores the terminal, saves the step as interrupted and exits 130", async () => {
    await signalMidStep("int", "SIGINT", async ({ code, stderr, processes, work, tmuxHere }) => {
      expect(code, stderr).toBe("130");
      // The terminal is back: main screen, cursor shown, canonical mode and echo on.
      expect(tmuxHere("display", "-p", "-t", "int", "#{alternate_on} #{cursor_flag}").trim()).toBe("0 1");
      const modes = readFileSync(join(work, "stty"), "utf8").split(/[\s;]+/);
      expect(modes).toContain("icanon");
      expect(modes).toContain("echo");
      for (const pid of processes) expect(alive(pid), `pid ${pid}`).toBe(false);
      expectSavedInterrupted(work);
    });
  }, 120_000);

  it("when the terminal goes away (its window closed), ends its shells and exits 129, no crash", async () => {
    const socket = `${SOCKET}-gone`;
    const work = mkdtempSync(join(tmpdir(), "labrun-ui-gone-"));
    // sh ignores the hangup so that it can note labrun's exit code.
    const pane = `env -u CI -u GITHUB_ACTIONS LABRUN_STATE_DIR=${work} sh -c 'trap "" HUP; node --import tsx src/main.ts fixtures/ui/basic.md --restart 2>${work}/stderr; echo $? > ${work}/code'`;
    try {
      // The pane stays when its command ends, so that a labrun that exits before drawing is
      // reported with what it printed, not as "no server running".
      const conf = join(work, "tmux.conf");
      writeFileSync(conf, "set -g remain-on-exit on\n");
      execFileSync("tmux", ["-L", socket, "-f", conf, "new-session", "-d", "-x", "80", "-y", "24", "-s", "gone", "-c", ROOT, pane]);
      const deadline = Date.now() + 60_000;
      const capture = () => execFileSync("tmux", ["-L", socket, "capture-pane", "-p", "-t", "gone"], { encoding: "utf8" });
      const dead = () => execFileSync("tmux", ["-L", socket, "display", "-p", "-t", "gone", "#{pane_dead}"], { encoding: "utf8" }).trim() === "1";
      const said = () => `${capture()}\nstderr: ${existsSync(join(work, "stderr")) ? readFileSync(join(work, "stderr"), "utf8") : "(none)"}`;
      while (!capture().includes("slide 1/4")) {
        if (dead()) throw new Error(`labrun exited before drawing:\n${said()}`);
        if (Date.now() > deadline) throw new Error(`the UI never drew:\n${said()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const paneShell = Number(execFileSync("tmux", ["-L", socket, "display", "-p", "-t", "gone", "#{pane_pid}"], { encoding: "utf8" }).trim());
      const running = descendants(paneShell);
      execFileSync("tmux", ["-L", socket, "kill-server"]);
      const codeFile = join(work, "code");
      while (!existsSync(codeFile) || readFileSync(codeFile, "utf8").trim() === "") {
        if (Date.now() > deadline) throw new Error("labrun never exited");
        await new Promise((r) => setTimeout(r, 50));
      }
      const stderr = readFileSync(join(work, "stderr"), "utf8");
      expect(readFileSync(codeFile, "utf8").trim(), stderr).toBe("129");
      expect(stderr).not.toContain("internal error");
      for (const pid of running) expect(alive(pid), `pid ${pid}`).toBe(false);
    } finally {
      killTmuxServer(socket);
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});

/** The state folder holds one progress file, whose one step, the current one, was interrupted. */
function expectSavedInterrupted(work: string): void {
  const files = readdirSync(work).filter((f) => f.endsWith(".json"));
  expect(files).toHaveLength(1);
  const progress = JSON.parse(readFileSync(join(work, files[0]!), "utf8")) as { current: string; statuses: Record<string, string> };
  expect(Object.values(progress.statuses)).toEqual(["interrupted"]);
  expect(progress.statuses[progress.current]).toBe("interrupted");
}

interface Signalled {
  /** labrun's exit code, and what it wrote on stderr. */
  readonly code: string;
  readonly stderr: string;
  /** labrun and what it had started when the signal came. */
  readonly processes: readonly number[];
  readonly work: string;
  readonly tmuxHere: (...args: string[]) => string;
}

/**
 * Runs fixtures/ui/slow.md in the UI in a tmux session named `name`, starts its step (`sleep 60`),
 * sends `signal` to labrun alone (from outside, not a key), waits for it to exit, then hands what
 * it saw to `check`. After labrun, the pane's sh notes the terminal's modes (work/stty) and the
 * exit code, and waits: the pane lives on, so that tmux can tell whether labrun left the alternate
 * screen and showed the cursor.
 */
async function signalMidStep(name: string, signal: NodeJS.Signals, check: (seen: Signalled) => Promise<void>): Promise<void> {
  const socket = `${SOCKET}-${name}`;
  const work = mkdtempSync(join(tmpdir(), `labrun-ui-${name}-`));
  const pane = `env -u CI -u GITHUB_ACTIONS LABRUN_STATE_DIR=${work} sh -c 'node --import tsx src/main.ts fixtures/ui/slow.md --restart 2>${work}/stderr; code=$?; stty -a > ${work}/stty; echo $code > ${work}/code; exec sleep 300'`;
  const tmuxHere = (...args: string[]) => execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  const capture = () => tmuxHere("capture-pane", "-p", "-t", name);
  const waitFor = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 60_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${capture()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    tmuxHere("-f", "/dev/null", "new-session", "-d", "-x", "80", "-y", "24", "-s", name, "-c", ROOT, pane);
    await waitFor("the first slide", () => capture().includes("slide 1/1"));
    tmuxHere("send-keys", "-t", name, "Enter");
    const paneShell = Number(tmuxHere("display", "-p", "-t", name, "#{pane_pid}").trim());
    // The step runs when its `sleep 60` does (its text is on the slide from the start).
    const sleeping = () => descendants(paneShell).some((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep\x0060"));
    await waitFor("the step's sleep", () => { try { return sleeping(); } catch { return false; } });
    // The pane's sh runs labrun, which runs the step's shell and its sleep.
    const [labrun, ...started] = descendants(paneShell);
    expect(started.length).toBeGreaterThan(0);
    process.kill(labrun!, signal);
    const codeFile = join(work, "code");
    await waitFor("labrun to exit", () => existsSync(codeFile) && readFileSync(codeFile, "utf8").trim() !== "");
    await check({ code: readFileSync(codeFile, "utf8").trim(), stderr: readFileSync(join(work, "stderr"), "utf8"), processes: [labrun!, ...started], work, tmuxHere });
  } finally {
    killTmuxServer(socket);
    rmSync(work, { recursive: true, force: true });
  }
}
