import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { spawn } from "node:child_process";
import { allPids, descendants, foregroundGroup, isLive, killTree, readStat, sessionMembers } from "../src/run/processes.js";
import { CappedText, closeAllSessionsSync, keyBytes, keysBytes, Session } from "../src/run/session.js";
import { processesRunning } from "./leftovers.js";


/** A number nobody else uses as `sleep` argument, to find our sleeps in /proc. */
function uniqueSeconds(): string {
  return `${1000 + Math.floor(Math.random() * 9000)}.${process.pid}`;
}

/** The rc file bash was started with (its path is on bash's command line). */
function rcFileOf(session: Session): string {
  const args = readFileSync(`/proc/${session.pid}/cmdline`, "utf8").split("\0");
  return args[args.indexOf("--rcfile") + 1] ?? "";
}

describe("Session", () => {
  let session: Session;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), "labrun-session-test-"));
    session = await Session.start({ cwd: workDir });
  });

  afterAll(async () => {
    await session.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  describe("a command", () => {
    it("reports its output without the typed echo, and its exit status", async () => {
      const hi = await session.run("echo hi");
      expect(hi).toMatchObject({ exitCode: 0, statuses: [0], output: "hi\n", rawOutput: "hi\r\n", timedOut: false });
      const failed = await session.run("false");
      expect(failed).toMatchObject({ exitCode: 1, statuses: [1], output: "" });
    });

    it("keeps variables, functions and the directory between runs", async () => {
      await session.run("mkdir -p sub && cd sub\nGREETING=hello\ngreet() { echo \"$GREETING $1\"; }");
      expect((await session.run("greet world; pwd")).output).toBe(`hello world\n${join(workDir, "sub")}\n`);
      await session.run("cd ..");
    });

    it("keeps ANSI sequences in the raw output only", async () => {
      const result = await session.run("printf '\\033[31mred\\033[0m\\n'");
      expect(result.output).toBe("red\n");
      expect(result.rawOutput).toBe("\x1b[31mred\x1b[0m\r\n");
    });

    it("reports a syntax error as status 2", async () => {
      expect((await session.run("fi")).exitCode).toBe(2);
    });

    it("passes UTF-8 text through", async () => {
      expect((await session.run("echo 'héllo ✓ 日本'")).output).toBe("héllo ✓ 日本\n");
    });

    it("is not disturbed by a ^C sent at the prompt", async () => {
      for (let i = 0; i < 5; i++) {
        await session.run("true");
        session.interrupt();
        expect(await session.run("echo next")).toMatchObject({ exitCode: 0, statuses: [0], output: "next\n" });
      }
    });
  });

  describe("a multi-line text", () => {
    it("types a for loop line by line", async () => {
      const result = await session.run("for i in 1 2 3\ndo\n  echo \"n=$i\"\ndone");
      expect(result).toMatchObject({ exitCode: 0, statuses: [0], output: "n=1\nn=2\nn=3\n" });
    });

    it("types a heredoc with its blank lines, comments and tabs as they are", async () => {
      const result = await session.run("cat > doc.txt <<'EOF'\nfirst\n\n# not a comment here\n\tindented\nEOF\ncat doc.txt");
      expect(result.statuses).toEqual([0, 0]);
      expect(result.output).toBe("first\n\n# not a comment here\n\tindented\n");
    });

    it("reports the first non-zero status and keeps them all", async () => {
      const result = await session.run("true\nfalse\n(exit 3)\necho end");
      expect(result).toMatchObject({ exitCode: 1, statuses: [0, 1, 3, 0], output: "end\n" });
    });

    it("skips blank and comment lines, which would report a stale status", async () => {
      await session.run("false");
      const result = await session.run("# a comment\n\n   \necho after");
      expect(result).toMatchObject({ exitCode: 0, statuses: [0], output: "after\n" });
    });
  });

  describe("a running command", () => {
    it("is found in its output while it runs, then interrupted", async () => {
      const running = session.begin("for i in $(seq 1 1000); do echo line $i; sleep 0.01; done");
      let finished = false;
      void running.done.then(() => {
        finished = true;
      });
      expect(await running.waitFor("line 20", { timeoutMs: 10_000 })).toBe(true);
      expect(finished).toBe(false);
      expect(session.busy).toBe(true);
      expect(running.output()).toContain("line 20\n");
      session.interrupt();
      const result = await running.done;
      expect(result.exitCode).toBe(130);
      expect(result.timedOut).toBe(false);
      expect(result.output).not.toContain("line 1000");
      expect(session.busy).toBe(false);
    });

    it("matches text split across chunks and with collapsed whitespace", async () => {
      const running = session.begin("printf 'wai'; sleep 0.05; printf 'ting   for\\n   input\\n'; sleep 30");
      expect(await running.waitFor("waiting for input", { timeoutMs: 5_000 })).toBe(true);
      session.interrupt();
      await running.done;
    });

    it("finds text that already arrived", async () => {
      const running = session.begin("echo ready; sleep 30");
      expect(await running.waitFor("ready", { timeoutMs: 5_000 })).toBe(true);
      expect(await running.waitFor("ready", { timeoutMs: 5_000 })).toBe(true);
      session.interrupt();
      await running.done;
    });

    it("answers false on timeout, or once the command ended without the text", async () => {
      const running = session.begin("echo one; sleep 0.3; echo two");
      expect(await running.waitFor("three", { timeoutMs: 50 })).toBe(false);
      expect(await running.waitFor("three", { timeoutMs: 10_000 })).toBe(false);
      expect((await running.done).output).toBe("one\ntwo\n");
    });

    it("times out: interrupted, the process gone, the session still usable", async () => {
      const seconds = uniqueSeconds();
      const result = await session.run(`sleep ${seconds}`, { timeoutMs: 500 });
      expect(result).toMatchObject({ timedOut: true, exitCode: null });
      expect(result.durationMs).toBeLessThan(2_500);
      expect(processesRunning("sleep", seconds)).toEqual([]);
      expect((await session.run("echo still here")).output).toBe("still here\n");
    });

    it("times out a command that ignores ^C: its foreground group is killed", async () => {
      const seconds = uniqueSeconds();
      const result = await session.run(`bash -c 'trap "" INT; sleep ${seconds}'`, { timeoutMs: 300 });
      expect(result).toMatchObject({ timedOut: true, exitCode: null });
      expect(processesRunning("sleep", seconds)).toEqual([]);
      expect((await session.run("echo still here")).exitCode).toBe(0);
    });

    it("waits for a command still running before typing the next one", async () => {
      const first = session.begin("sleep 0.2; echo first");
      const second = await session.run("echo second");
      expect((await first.done).output).toBe("first\n");
      expect(second.output).toBe("second\n");
    });
  });

  describe("interactive programs", () => {
    it("drives vim with keys and sees it exit", async () => {
      const file = join(workDir, "vim.txt");
      const vim = session.begin(`vim ${file}`);
      expect(await vim.waitFor("~", { timeoutMs: 10_000 })).toBe(true);
      session.send(keysBytes("ihello world"));
      session.send(keyBytes("Escape"));
      session.send(keysBytes(":wq"));
      session.send(keyBytes("Enter"));
      expect(await session.idle(10_000)).toBe(true);
      expect((await vim.done).exitCode).toBe(0);
      expect(readFileSync(file, "utf8")).toBe("hello world\n");
    });

    it("saves in vim with `keys :wq^J`", async () => {
      const file = join(workDir, "vim2.txt");
      const vim = session.begin(`vim ${file}`);
      expect(await vim.waitFor("~", { timeoutMs: 10_000 })).toBe(true);
      session.send(keysBytes("isecond"));
      session.send(keyBytes("^["));
      session.send(keysBytes(":wq^J"));
      expect(await session.idle(10_000)).toBe(true);
      expect(readFileSync(file, "utf8")).toBe("second\n");
    });

    it("pauses after a lone Escape, which busybox vi would otherwise read with the next keys as one escape sequence", async () => {
      const file = join(workDir, "busybox-vi.txt");
      const vi = session.begin(`busybox vi ${file}`);
      expect(await vi.waitFor("~", { timeoutMs: 10_000 })).toBe(true);
      session.send(keysBytes("ibusybox"));
      session.send(keyBytes("Escape"));
      session.send(keysBytes(":wq^J"));
      expect(await session.idle(10_000)).toBe(true);
      expect(readFileSync(file, "utf8")).toBe("busybox\n");
    });

    it("does not type into bash a terminal reply that the program which asked did not read", async () => {
      // printf asks for the cursor position and exits: the terminal's answer reaches bash's prompt.
      for (let i = 0; i < 3; i++) {
        expect((await session.run(String.raw`printf '\033[6n'`)).exitCode).toBe(0);
        expect(await session.run("echo next")).toMatchObject({ exitCode: 0, output: "next\n" });
      }
    });

    it("drives less, whose screen is readable", async () => {
      const less = session.begin("seq 1000 1300 | less");
      expect(await less.waitFor("1010", { timeoutMs: 10_000 })).toBe(true);
      expect(session.screen()).toContain("1000\n1001\n1002");
      session.send("q");
      expect(await session.idle(10_000)).toBe(true);
      expect((await less.done).exitCode).toBe(0);
    });

    it("shows on its screen what was printed", async () => {
      await session.run("echo screen-check-1; echo screen-check-2");
      const screen = session.screen();
      expect(screen).toContain("screen-check-1\nscreen-check-2\n$");
      expect(screen.split("\n").every((line) => line === line.trimEnd())).toBe(true);
    });

    it("resizes the terminal for the programs in it", async () => {
      session.resize(100, 30);
      expect((await session.run("stty size")).output).toBe("30 100\n");
      expect(session.screen().split("\n").length).toBeLessThanOrEqual(30);
      session.resize(120, 40);
    });

    it("is idle at once when nothing runs", async () => {
      expect(session.busy).toBe(false);
      expect(await session.idle(1)).toBe(true);
    });
  });
});

describe("Session masking", () => {
  it("never exposes a secret: not in outputs, data chunks nor the screen", async () => {
    const session = await Session.start({ mask: ["topsecret"] });
    const chunks: string[] = [];
    const stop = session.onData((chunk) => chunks.push(chunk));
    try {
      const result = await session.run("export S=topsecret; echo $S\nprintf 'top'; sleep 0.05; printf 'secret\\n'");
      expect(result.output).toBe("****\n****\n");
      for (const text of [result.output, result.rawOutput, chunks.join(""), session.screen()]) {
        expect(text).not.toContain("topsecret");
      }
      expect(chunks.join("")).toContain("export S=****");
    } finally {
      stop();
      await session.close();
    }
  });
});

describe("Session clean-up", () => {
  it("ends a command that makes the shell exit, and still closes", async () => {
    const session = await Session.start();
    const result = await session.run("exit 3");
    expect(result.exitCode).toBeNull();
    expect(session.busy).toBe(false);
    expect((await session.run("echo too late")).exitCode).toBeNull();
    await session.close();
    expect(isLive(session.pid)).toBe(false);
  });

  it("kills background, setsid and nohup processes on close, and removes its rc file", async () => {
    const session = await Session.start();
    const [background, detached, nohupped] = [uniqueSeconds(), uniqueSeconds(), uniqueSeconds()];
    await session.run(`sleep ${background} &`);
    await session.run(`setsid sleep ${detached} &`);
    await session.run(`nohup sleep ${nohupped} >/dev/null 2>&1 &`);
    // Background jobs exec their command some time after the prompt is back.
    const pids = await vi.waitFor(() => {
      const found = [background, detached, nohupped].flatMap((seconds) => processesRunning("sleep", seconds));
      expect(found).toHaveLength(3);
      return found;
    });
    // setsid's sleep left bash's session and parent tree.
    expect(readStat(processesRunning("sleep", detached)[0] ?? 0)?.sid).not.toBe(session.pid);
    const rcFile = rcFileOf(session);
    expect(existsSync(rcFile)).toBe(true);

    await session.close();
    await session.close();

    for (const pid of [session.pid, ...pids]) expect(isLive(pid)).toBe(false);
    expect(existsSync(rcFile)).toBe(false);
  });

  it("kills every session's processes synchronously with closeAllSessionsSync", async () => {
    const session = await Session.start();
    const seconds = uniqueSeconds();
    await session.run(`sleep ${seconds} &`);
    const [sleepPid] = await vi.waitFor(() => {
      const found = processesRunning("sleep", seconds);
      expect(found).toHaveLength(1);
      return found;
    });
    const rcDir = join(rcFileOf(session), "..");

    closeAllSessionsSync();

    expect(existsSync(rcDir)).toBe(false);
    // SIGKILL is sent synchronously; the processes are gone once the kernel has run them down.
    await vi.waitFor(() => {
      expect(isLive(session.pid)).toBe(false);
      expect(isLive(sleepPid ?? 0)).toBe(false);
    });
    await session.close();
  });
});

describe("processes", () => {
  it("finds a process tree and kills it whole", async () => {
    const [first, second] = [uniqueSeconds(), uniqueSeconds()];
    const parent = spawn("bash", ["-c", `sleep ${first} & sleep ${second} & wait`], { stdio: "ignore", detached: true });
    const parentPid = parent.pid ?? 0;
    const children = await vi.waitFor(() => {
      const found = [...processesRunning("sleep", first), ...processesRunning("sleep", second)];
      expect(found).toHaveLength(2);
      return found;
    });
    expect(descendants(parentPid).sort()).toEqual([...children].sort());
    // detached: the parent leads a new session.
    expect(sessionMembers(parentPid).sort()).toEqual([parentPid, ...children].sort());
    expect(foregroundGroup(parentPid)).toBeNull();
    const exited = new Promise((resolve) => parent.on("exit", resolve));
    killTree(parentPid, "SIGKILL");
    await exited;
    await vi.waitFor(() => {
      for (const pid of children) expect(isLive(pid)).toBe(false);
    });
  });
});

describe("keyBytes", () => {
  it.each([
    ["^C", "\x03"],
    ["^D", "\x04"],
    ["^J", "\n"],
    ["^M", "\r"],
    ["^c", "\x03"],
    ["^[", "\x1b"],
    ["^?", "\x7f"],
    ["Escape", "\x1b"],
    ["Esc", "\x1b"],
    ["escape", "\x1b"],
    ["Space", " "],
    ["Enter", "\r"],
    ["Return", "\r"],
    ["Tab", "\t"],
    ["Backspace", "\x7f"],
    ["Up", "\x1b[A"],
    ["Down", "\x1b[B"],
    ["Right", "\x1b[C"],
    ["Left", "\x1b[D"],
    ["q", "q"],
    [":wq", ":wq"],
  ])("%j is %j", (spec, bytes) => {
    expect(keyBytes(spec)).toBe(bytes);
  });
});

describe("keysBytes", () => {
  it.each([
    ["^C", "\x03"],
    [" ^C ", "\x03"],
    ["Escape", "\x1b"],
    [":wq", ":wq"],
    [":wq^J", ":wq\r"],
    [":wq\n", ":wq\r"],
    ["/pattern", "/pattern"],
    ["/^Java", "/^Java"],
    ["ihello world", "ihello world"],
    ["escape", "escape"],
    ["^P^Q", "\x10\x11"],
    ["^X^C", "\x18\x03"],
    ["^P^Qx", "^P^Qx"],
    ["end", "end"],
  ])("%j is %j", (text, bytes) => {
    expect(keysBytes(text)).toBe(bytes);
  });
});

describe("Session, many commands in a row", () => {
  // Speed is measured by `npm run bench`; this checks that back-to-back commands never mix outputs.
  it("gives each of 200 back-to-back commands exactly its own output and status", async () => {
    const session = await Session.start();
    try {
      for (let i = 0; i < 200; i++) {
        const result = await session.run(`echo out-${i}; (exit ${i % 3})`);
        expect(result.output).toBe(`out-${i}\n`);
        expect(result.exitCode).toBe(i % 3);
      }
    } finally {
      await session.close();
    }
  });
});

describe("bounded output", () => {
  it("CappedText keeps the beginning and the latest part", () => {
    const t = new CappedText(10, 20);
    t.append("0123456789abc");
    for (let i = 0; i < 10; i++) t.append(`-line${i}-`);
    expect(t.length).toBe(13 + 10 * 7);
    const kept = t.toString();
    expect(kept.startsWith("0123456789")).toBe(true);
    expect(kept.endsWith("-line9-")).toBe(true);
    expect(kept).toMatch(/\[labrun: \d+ characters of output not kept\]/);
  });

  it("a command printing megabytes keeps its output bounded, and wait still sees the end", async () => {
    const session = await Session.start();
    try {
      const running = session.begin("yes 'a line of output' | head -n 400000; echo THE-END; sleep 30");
      expect(await running.waitFor("THE-END", { timeoutMs: 20_000 })).toBe(true);
      session.interrupt();
      const result = await running.done;
      expect(result.output.length).toBeLessThan(3 * 1024 * 1024);
      expect(result.output).toContain("THE-END");
      expect(result.output).toMatch(/^a line of output\n/);
      expect(result.output).toContain("characters of output not kept");
    } finally {
      await session.close();
    }
  });
});
