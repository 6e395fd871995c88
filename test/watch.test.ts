/**
 * `labrun watch DECK` as an author uses it: a real process on a temp copy of a deck, real saves
 * (in place and by rename, as editors do), one real shell kept across rounds.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, ROOT } from "./helpers.js";
import { killProcessesWith, processesWith } from "./leftovers.js";
import pty from "@lydell/node-pty";
import { randomBytes } from "node:crypto";
import { stripVTControlCharacters } from "node:util";

/** A line must appear within this long of the save that asks for it: the "within a second of the save". */
const SAVE_TO_RESULT_LIMIT_MS = 1_000;
/** Starting labrun through tsx on a loaded machine. */
const START_LIMIT_MS = 60_000;

let work: string;
let child: ChildProcessWithoutNullStreams | undefined;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "labrun-watch-"));
});
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  child = undefined;
  killProcessesWith(`WORK=${work}`);
  rmSync(work, { recursive: true, force: true });
});

/** `labrun watch DECK` with stdin a pipe: what it prints, and waiting for a line that matches. */
function startWatch(deck: string, opts: { args?: readonly string[]; env?: Record<string, string> } = {}) {
  const proc = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts"), "watch", deck, "--env", `WORK=${work}`, ...(opts.args ?? [])], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
  });
  child = proc;
  // One log of both streams, in arrival order: offsets into it mark "printed after this save".
  let log = "";
  let stdout = "";
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  proc.stdout.setEncoding("utf8").on("data", (c: string) => ((log += c), (stdout += c), changed()));
  proc.stderr.setEncoding("utf8").on("data", (c: string) => ((log += c), changed()));
  let closed = false;
  const exited = new Promise<number | null>((resolve) =>
    proc.on("close", (code) => {
      closed = true;
      changed();
      resolve(code);
    }),
  );
  const all = () => log;
  /** Resolves when `pattern` matches what was printed after `from` (an offset in all()), with the time it took. */
  const waitFor = (pattern: RegExp, from: number, limitMs: number): Promise<number> => {
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pattern.test(all().slice(from))) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(performance.now() - start);
        } else if (closed) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`labrun exited before ${pattern}; printed:\n${all()}`));
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no ${pattern} within ${limitMs} ms; printed:\n${all()}`));
      }, limitMs);
      listeners.add(check);
      check();
    });
  };
  return { proc, exited, all, stdout: () => stdout, waitFor, quit: () => proc.stdin.write("q\n") };
}

function copyDeck(): string {
  copyFileSync(fixture("watch", "labrun.yml"), join(work, "labrun.yml"));
  const deck = join(work, "deck.md");
  copyFileSync(fixture("watch", "deck.md"), deck);
  return deck;
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : []);

describe("labrun watch", () => {
  it("re-runs an edited slide within a second of the save, with the catch-up the live shell has not run, until q", async () => {
    const deck = copyDeck();
    const w = startWatch(deck);
    await w.waitFor(/watching 2 files of .*deck\.md: save a slide to run it; q to quit/, 0, START_LIMIT_MS);
    const defined = join(work, "defined.log");
    const latencies: number[] = [];
    /** Saves the deck (in place, or as editors that write a new file and rename it over), then waits for `pattern`. */
    const save = async (edit: (text: string) => string, pattern: RegExp, how: "in place" | "by rename" = "in place") => {
      const from = w.all().length;
      const text = edit(readFileSync(deck, "utf8"));
      if (how === "by rename") {
        writeFileSync(join(work, ".deck.md.swp"), text);
        renameSync(join(work, ".deck.md.swp"), deck);
      } else writeFileSync(deck, text);
      latencies.push(await w.waitFor(pattern, from, SAVE_TO_RESULT_LIMIT_MS));
      // The round's last line: what is printed from here on belongs to the next save.
      await w.waitFor(/waiting for changes; q to quit|waiting for the next save|no step changed/, from, SAVE_TO_RESULT_LIMIT_MS);
      return w.all().slice(from);
    };

    // An independent slide: it runs alone, nothing before it.
    const independent = await save((t) => t.replace("echo four", "echo FOUR"), /^✓ PASS .*deck\.md:50  echo FOUR$/m);
    expect(independent).toMatch(/slide 4 "Independent" \(.*deck\.md\) changed: running its 1 step\n/);
    expect(independent).not.toMatch(/GREETING/);
    expect(lines(defined)).toEqual([]);

    // A slide using $GREETING, never defined in this shell: the step defining it runs first (not the function's slide).
    const using = await save((t) => t.replace('echo "$GREETING, world"', 'echo "$GREETING, world" # 2'), /^\d+ passed, 0 failed/m, "by rename");
    expect(using).toMatch(/slide 3 "Using them" .* changed: running its 2 steps, after 1 earlier step it needs\n/);
    expect(using).toMatch(/^✓ PASS .*deck\.md:9  export GREETING=hello/m);
    expect(using).toMatch(/^✓ PASS .*deck\.md:33  echo "\$GREETING, world" # 2$/m);
    // The strict expectation "hello, world": the variable is there.
    expect(using).toMatch(/^✓ PASS .*deck\.md:40  \[expect\] hello, world$/m);
    expect(using).not.toMatch(/greet\(\)/);
    expect(lines(defined)).toEqual(["defined"]);
    expect(existsSync(join(work, "function.log"))).toBe(false);

    // Edited again: the definition already ran in this shell, unchanged: not again.
    const again = await save((t) => t.replace("world\" # 2", "world\" # 3"), /^2 passed, 0 failed/m);
    expect(again).toMatch(/changed: running its 2 steps\n/);
    expect(again).not.toMatch(/export GREETING/);
    expect(lines(defined)).toEqual(["defined"]);

    // A save that breaks the deck: its problem in one line, nothing run, still watching.
    const broken = await save((t) => t.replace("echo FOUR\n```", "echo FIVE\n"), /not run; waiting for the next save/);
    expect(broken).toMatch(/^.*deck\.md:\d+:\d+: error: fenced code block is never closed on this slide .*\(fence-unclosed\)$/m);
    expect(broken).not.toMatch(/PASS|Error|^\s+at /m);
    const unreadable = await save((t) => t + "\0", /not run; waiting for the next save/);
    expect(unreadable).toMatch(/^labrun: .*deck\.md:\d+: binary file \(contains a NUL byte\), not a Markdown deck$/m);
    const fixed = await save((t) => t.replace("\0", "").replace("echo FIVE\n", "echo FIVE\n```\n"), /^1 passed, 0 failed/m);
    expect(fixed).toMatch(/^✓ PASS .*echo FIVE$/m);

    // A save that changes no step says so.
    await save((t) => t.replace("Say hello:", "Say hello, then:"), /saved: no step changed/);

    w.quit();
    expect(await w.exited, w.all()).toBe(0);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`labrun watch: save -> its line, ${latencies.map(Math.round).join(", ")} ms: median ${Math.round(sorted[sorted.length >> 1]!)} ms, max ${Math.round(sorted[sorted.length - 1]!)} ms`);
  }, 120_000);

  it("watches the files a manifest names and includes; q in the middle of a step stops it, nothing left", async () => {
    mkdirSync(join(work, "slides"));
    mkdirSync(join(work, "shared"));
    writeFileSync(join(work, "slides", "course.yml"), "title: Course\ncontent:\n- intro.md\n");
    writeFileSync(join(work, "slides", "intro.md"), "## Intro\n\nText.\n\n@@INCLUDE[shared/lab.md]\n");
    const lab = join(work, "shared", "lab.md");
    writeFileSync(lab, "---\n\n## Lab\n\n.exercise[\n\n```bash\necho lab one\n```\n\n]\n");
    const w = startWatch(join(work, "slides", "course.yml"));
    await w.waitFor(/watching 3 files of /, 0, START_LIMIT_MS);

    let from = w.all().length;
    writeFileSync(lab, readFileSync(lab, "utf8").replace("echo lab one", "echo lab two"));
    await w.waitFor(/^✓ PASS .*  echo lab two$/m, from, SAVE_TO_RESULT_LIMIT_MS);

    // A step that runs until stopped: q interrupts it, the shell and the sleep are ended.
    from = w.all().length;
    writeFileSync(lab, readFileSync(lab, "utf8").replace("echo lab two", () => "echo $$ > $WORK/sleep.pid; exec sleep 300"));
    await w.waitFor(/slide \d+ "Lab" .* changed/, from, SAVE_TO_RESULT_LIMIT_MS);
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(work, "sleep.pid")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    w.quit();
    expect(await w.exited, w.all()).toBe(0);
    expect(w.all()).toMatch(/^! STOP .*exec sleep 300/m);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
  }, 120_000);

  it("SIGTERM while watching: the shell is closed, exit 143", async () => {
    const w = startWatch(copyDeck());
    await w.waitFor(/watching 2 files/, 0, START_LIMIT_MS);
    w.proc.kill("SIGTERM");
    expect(await w.exited, w.all()).toBe(143);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
  }, 120_000);

  // With a PID namespace, a process a step detaches (setsid, its session variable removed) ends
  // with it; without one, labrun ends what it finds of the session's (a nohup'd one).
  it.each([
    ["SIGINT", 130, "a PID namespace", "( setsid env -u LABRUN_SESSION sleep 301 & );"],
    ["SIGHUP", 129, "a PID namespace", "( setsid env -u LABRUN_SESSION sleep 301 & );"],
    ["SIGINT", 130, "no namespace", "nohup sleep 301 >/dev/null 2>&1 &"],
    ["SIGHUP", 129, "no namespace", "nohup sleep 301 >/dev/null 2>&1 &"],
  ] as const)("%s in the middle of a step: exit %i, the shell and what it started ended (%s)", async (signal, code, where, background) => {
    const deck = copyDeck();
    const w = startWatch(deck, { env: where === "no namespace" ? { LABRUN_NO_NAMESPACE: "1" } : {} });
    await w.waitFor(/watching 2 files/, 0, START_LIMIT_MS);
    const from = w.all().length;
    writeFileSync(deck, readFileSync(deck, "utf8").replace("echo four", () => `${background} echo $$ > $WORK/sleep.pid; sleep 300`));
    await w.waitFor(/slide 4 "Independent" .* changed/, from, SAVE_TO_RESULT_LIMIT_MS);
    // The live shell, its sleep and the one in the background (all have WORK in their environment).
    const argv = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        return "";
      }
    };
    const started = () => existsSync(join(work, "sleep.pid")) && processesWith(`WORK=${work}`).some((pid) => argv(pid).startsWith("sleep\x00301"));
    const deadline = Date.now() + 10_000;
    while (!started() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(started(), w.all()).toBe(true);
    w.proc.kill(signal);
    expect(await w.exited, w.all()).toBe(code);
    expect(w.all()).not.toMatch(/internal error|^\s+at /m);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
  }, 120_000);

  it("--mask VAR: the value never shows in what watch prints, even with a colour code inside it", async () => {
    const secret = `s3cr3t-${randomBytes(6).toString("hex")}`;
    const tail = secret.slice(7); // printed after the colour code
    const deck = copyDeck();
    const w = startWatch(deck, { args: ["--mask", "API_TOKEN"], env: { API_TOKEN: secret } });
    await w.waitFor(/watching 2 files/, 0, START_LIMIT_MS);
    const from = w.all().length;
    // A step that prints the secret split by a colour code, whole, and written in its command; then fails, so that its output is shown.
    const step = `printf '%s\\e[1m%s\\e[0m\\n' "\${API_TOKEN:0:7}" "\${API_TOKEN:7}"; echo "plain $API_TOKEN"; echo "literal ${secret}"; false`;
    writeFileSync(deck, readFileSync(deck, "utf8").replace("echo four", () => step));
    await w.waitFor(/^0 passed, 1 failed/m, from, SAVE_TO_RESULT_LIMIT_MS);
    w.quit();
    expect(await w.exited, w.all()).toBe(0);
    const printed = w.stdout();
    for (const text of [printed, stripVTControlCharacters(printed), w.all(), stripVTControlCharacters(w.all())]) {
      expect(text.includes(secret), text).toBe(false);
      expect(text.includes(tail), text).toBe(false);
    }
    // The step ran and its output is there, masked.
    expect(printed).toMatch(/^✗ FAIL .*deck\.md:50 /m);
    expect(printed).toMatch(/^ +\*\*\*\*$/m); // the coloured one
    expect(printed).toContain("plain ****");
    expect(printed).toContain("literal ****");
  }, 120_000);

  it.each([
    ["q", 0],
    ["\x03", 130],
  ] as const)("in a terminal, the key %j quits at once (raw mode: no Enter), exit %i, nothing left", async (key, code) => {
    copyDeck();
    const term = pty.spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts"), "watch", join(work, "deck.md"), "--env", `WORK=${work}`], {
      cwd: ROOT,
      cols: 120,
      rows: 30,
      env: { ...process.env, NO_COLOR: "1" } as Record<string, string>,
    });
    let screen = "";
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    const watching = new Promise<void>((resolve) =>
      term.onData((d) => {
        screen += d;
        if (screen.includes("q to quit")) resolve();
      }),
    );
    await Promise.race([watching, exited.then(() => Promise.reject(new Error(`labrun exited: ${screen}`)))]);
    term.write(key);
    expect(await exited, screen).toBe(code);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
  }, 120_000);
});
