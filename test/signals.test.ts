/**
 * SIGINT, SIGTERM and SIGHUP in the middle of `labrun run --ci`: the running step is interrupted,
 * the rest not run, every report asked for written and valid, nothing left running, exit 128+n.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture, ROOT } from "./helpers.js";
import { findAll, parseXml } from "./xml.js";
import { processesWith } from "./leftovers.js";
import { killTmuxServer } from "./tmux.js";

interface JsonReport {
  signal?: string;
  steps: { id: string; status: string; reason?: string; exitCode: number | null }[];
  summary: { passed: number; failed: number; skipped: number; timedOut: number; interrupted: number; warnings: number };
}

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "labrun-signals-"));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A process that exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** `run --ci` of a deck whose second step writes $WORK/hang.pid and hangs, once that step started. */
async function startHungDeck(deck: string, ...args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts"), "run", deck, "--ci", "--env", `WORK=${work}`, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const pidFile = join(work, "hang.pid");
  const deadline = Date.now() + 30_000;
  while (!existsSync(pidFile) || readFileSync(pidFile, "utf8").trim() === "") {
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the hung step never started: ${stdout}${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited, output: () => stdout + stderr };
}

/** A deck whose hung step ignores ^C (SIGINT): only killing its process group stops it. */
function deafDeck(): string {
  const deck = join(work, "deaf.md");
  writeFileSync(deck, "## Deaf\n\n.exercise[\n\n```bash\nbash -c 'trap \"\" INT; echo $$ > $WORK/hang.pid; sleep 300; echo woke'\n```\n\n```bash\necho never > $WORK/never.txt\n```\n\n]\n");
  return deck;
}

describe("a signal in the middle of labrun run --ci", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("%s: the step is interrupted, the rest not run, every report written and valid, nothing left, exit %i", async (signal, code) => {
    const report = join(work, "report.json");
    const junit = join(work, "junit.xml");
    const cast = join(work, "run.cast");
    const run = await startHungDeck(fixture("run", "hang.md"), "--reporter", "json", "--output", report, "--junit", junit, "--record", cast);
    run.child.kill(signal);
    expect(await run.exited, run.output()).toBe(code);

    // JSON: which signal, the hung step interrupted, the next not run, a summary that adds up.
    const json = JSON.parse(readFileSync(report, "utf8")) as JsonReport;
    expect(json.signal).toBe(signal);
    expect(json.steps.map((s) => s.status)).toEqual(["passed", "interrupted", "skipped"]);
    expect(json.steps[1]!.reason).toBe(`interrupted by ${signal}`);
    expect(json.steps[2]!.reason).toBe("interrupted");
    expect(json.summary).toMatchObject({ passed: 1, failed: 0, skipped: 1, timedOut: 0, interrupted: 1 });
    expect(existsSync(join(work, "never.txt"))).toBe(false);

    // JUnit: well-formed, the interrupted testcase an error naming the signal, the last skipped.
    const xml = parseXml(readFileSync(junit, "utf8"));
    expect(xml.name).toBe("testsuites");
    expect(xml.attributes).toMatchObject({ tests: "3", failures: "0", errors: "1", skipped: "1" });
    const cases = findAll(xml, "testcase");
    expect(cases).toHaveLength(3);
    expect(findAll(cases[1]!, "error").map((e) => e.attributes.message)).toEqual([`interrupted by ${signal}`]);
    expect(findAll(cases[2]!, "skipped")).toHaveLength(1);

    // The recording: closed whole, every line JSON.
    const [header, ...events] = readFileSync(cast, "utf8").trimEnd().split("\n");
    expect(JSON.parse(header!)).toMatchObject({ version: 2 });
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(() => JSON.parse(e) as unknown).not.toThrow();

    // The CI output: the step marked, the summary line saying so.
    expect(run.output()).toMatch(/^! STOP .*hang\.md:10 /m);
    expect(run.output()).toMatch(/^- SKIP .*hang\.md:14 .*\(interrupted\)$/m);
    expect(run.output()).toMatch(new RegExp(`^1 passed, 0 failed, 1 skipped, 0 timed out, 1 interrupted by ${signal} in `, "m"));

    expect(processesWith(`WORK=${work}`)).toEqual([]);
  }, 60_000);

  it("kills the process group of a step that ignores ^C, and still writes the reports", async () => {
    const report = join(work, "report.json");
    const run = await startHungDeck(deafDeck(), "--reporter", "json", "--output", report);
    const sent = Date.now();
    run.child.kill("SIGTERM");
    expect(await run.exited, run.output()).toBe(143);
    // ^C, 2 s of grace, then the group killed: well under the step's 60 s timeout.
    expect(Date.now() - sent).toBeLessThan(20_000);
    const json = JSON.parse(readFileSync(report, "utf8")) as JsonReport;
    expect(json.steps.map((s) => s.status)).toEqual(["interrupted", "skipped"]);
    expect(json.steps[0]!.exitCode).not.toBe(0);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
  }, 60_000);

  it("exits at once on a second signal while finishing, still killing what the run started", async () => {
    const report = join(work, "report.json");
    const run = await startHungDeck(deafDeck(), "--reporter", "json", "--output", report);
    run.child.kill("SIGTERM");
    // The deaf step holds the finish for 2 s (^C ignored, then the grace time): the second signal comes first.
    await new Promise((r) => setTimeout(r, 200));
    run.child.kill("SIGINT");
    expect(await run.exited, run.output()).toBe(143);
    expect(existsSync(report)).toBe(false);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
  }, 60_000);

  it("a catch-up run (--from) stopped by SIGTERM reports the same way", async () => {
    const report = join(work, "report.json");
    const deck = join(work, "from.md");
    writeFileSync(
      deck,
      "## One\n\n.exercise[\n\n```bash\nexport GREETING=hi\n```\n\n]\n\n---\n\n## Two\n\n.exercise[\n\n```bash\nbash -c 'echo $$ > $WORK/hang.pid; exec sleep 300' \"$GREETING\"\n```\n\n```bash\necho never > $WORK/never.txt\n```\n\n]\n",
    );
    const run = await startHungDeck(deck, "--from", "2", "--reporter", "json", "--output", report);
    run.child.kill("SIGTERM");
    expect(await run.exited, run.output()).toBe(143);
    const json = JSON.parse(readFileSync(report, "utf8")) as JsonReport;
    expect(json.signal).toBe("SIGTERM");
    expect(json.steps.map((s) => s.status)).toEqual(["passed", "interrupted", "skipped"]);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
  }, 60_000);

  it.skipIf(spawnSync("tmux", ["-V"]).status !== 0)("SIGHUP after the terminal went away: the reports are written, no crash, exit 129", async () => {
    const report = join(work, "report.json");
    const socket = `labrun-signals-${process.pid}`;
    const labrun = ["node", "--import", "tsx", "src/main.ts", "run", fixture("run", "hang.md"), "--ci", "--env", `WORK=${work}`, "--reporter", "json", "--output", report]
      .map((a) => `'${a}'`)
      .join(" ");
    // sh ignores the hangup so that it can note labrun's exit code; labrun writes to the terminal.
    const pane = `sh -c 'trap "" HUP; ${labrun.replace(/'/g, `'"'"'`)} 2>${work}/stderr; echo $? > ${work}/code'`;
    spawnSync("tmux", ["-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "30", "-s", "t", "-c", ROOT, pane]);
    try {
      const hangFile = join(work, "hang.pid");
      const deadline = Date.now() + 30_000;
      while (!existsSync(hangFile) || readFileSync(hangFile, "utf8").trim() === "") {
        if (Date.now() > deadline) throw new Error("the hung step never started");
        await new Promise((r) => setTimeout(r, 50));
      }
      // labrun: the node process running src/main.ts with this WORK (pids the step wrote are its namespace's; sh's command line holds it too).
      const argv = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      const labrunPid = processesWith(`WORK=${work}`).find((pid) => argv(pid)[0]!.endsWith("node") && argv(pid).includes("src/main.ts"));
      if (labrunPid === undefined) throw new Error("labrun's process not found");
      spawnSync("tmux", ["-L", socket, "kill-server"]);
      process.kill(labrunPid, "SIGHUP");
      const codeFile = join(work, "code");
      while (!existsSync(codeFile) || readFileSync(codeFile, "utf8").trim() === "") {
        if (Date.now() > deadline + 30_000) throw new Error("labrun never exited");
        await new Promise((r) => setTimeout(r, 50));
      }
      const stderr = readFileSync(join(work, "stderr"), "utf8");
      expect(readFileSync(codeFile, "utf8").trim(), stderr).toBe("129");
      expect(stderr).not.toMatch(/Error|Assertion|at /);
      const json = JSON.parse(readFileSync(report, "utf8")) as JsonReport;
      expect(json.signal).toBe("SIGHUP");
      expect(json.steps.map((s) => s.status)).toEqual(["passed", "interrupted", "skipped"]);
      expect(alive(labrunPid)).toBe(false);
      expect(processesWith(`WORK=${work}`)).toEqual([]);
    } finally {
      killTmuxServer(socket);
    }
  }, 90_000);
});
