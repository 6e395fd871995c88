import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { containment } from "../src/run/containment.js";
import { readStat } from "../src/run/processes.js";
import { removeStaleRunDirs } from "../src/run/run-dir.js";
import { cli, fixture, ROOT } from "./helpers.js";
import { killProcessesWith, processesWith } from "./leftovers.js";

/**
 * A step that escapes its session every way it can (setsid with the environment marker
 * removed or the whole environment cleared, nohup, a double fork) leaves nothing running
 * after the run, however the run ends. escape.md's sleeps are `sleep 100N$TAG`, TAG unique.
 */
const namespaces = containment(() => {}).reason === undefined;

describe.skipIf(process.platform !== "linux")("what a step starts does not outlive the run", () => {
  let work: string;
  /** The children's TMPDIR: their labrun-pid* folders land here. */
  let temp: string;
  let tag: string;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), "labrun-contain-test-"));
    temp = join(work, "tmp");
    mkdirSync(temp);
    tag = `.${process.pid}${Math.floor(Math.random() * 1e6)}`;
  });

  afterEach(() => {
    // Whatever happened (the fallback lets two sleeps go), nothing of the test's stays.
    killProcessesWith(tag);
    rmSync(work, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}) => ({ ...process.env, TMPDIR: temp, ...extra }) as Record<string, string>;
  const args = (hang: number, ...extra: string[]) => ["run", fixture("run", "escape.md"), "--ci", "--env", `WORK=${work}`, "--env", `TAG=${tag}`, "--env", `HANG=${hang}`, ...extra];
  /** Anything of the run: labrun, its shells (TAG in their environment), the sleeps. */
  const escaped = () => processesWith(tag);
  /** Another run, of another deck: what it cleans is not its own. */
  const nextRun = (extraEnv: Record<string, string> = {}) => cli(["run", fixture("run", "background.md"), "--ci", "--env", `WORK=${work}`], { env: env(extraEnv) });
  const runDirs = () => readdirSync(temp).filter((name) => name.startsWith("labrun-pid"));

  /** The run of escape.md, once its four sleeps run and its last step hangs. */
  async function startHanging(extraEnv: Record<string, string> = {}) {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts"), ...args(300)], { cwd: ROOT, env: env(extraEnv), stdio: "ignore" });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
    await vi.waitFor(() => expect(existsSync(join(work, "started"))).toBe(true), { timeout: 60_000, interval: 50 });
    for (const n of [1, 2, 3, 4]) expect(processesWith(`100${n}${tag}`), `sleep 100${n}`).toHaveLength(1);
    return { child, exited };
  }

  describe.skipIf(!namespaces)("in a PID namespace", () => {
    it("after a normal finish", async () => {
      const r = await cli(args(0), { env: env() });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).not.toContain("no PID namespace");
      expect(existsSync(join(work, "started"))).toBe(true);
      expect(escaped()).toEqual([]);
      expect(runDirs()).toEqual([]);
    });

    it("after a step timeout", async () => {
      const r = await cli([...args(300), "--step-timeout", "2"], { env: env() });
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toMatch(/timed out/i);
      expect(escaped()).toEqual([]);
      expect(runDirs()).toEqual([]);
    });

    it("after SIGTERM of labrun", async () => {
      const { child, exited } = await startHanging();
      child.kill("SIGTERM");
      expect((await exited).code).toBe(143);
      expect(escaped()).toEqual([]);
      expect(runDirs()).toEqual([]);
    });

    it("after SIGKILL of labrun; the next run removes the temp folder it left", async () => {
      const { child, exited } = await startHanging();
      const left = runDirs();
      expect(left).toEqual([expect.stringMatching(new RegExp(`^labrun-pid${child.pid}-`))]);
      child.kill("SIGKILL");
      expect((await exited).signal).toBe("SIGKILL");
      // The pty closes, unshare hangs up, its namespace's init is killed: the kernel takes the rest.
      await vi.waitFor(() => expect(escaped()).toEqual([]), { timeout: 5_000 });
      expect(runDirs()).toEqual(left);
      const next = await nextRun();
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(runDirs()).toEqual([]);
    });
  });

  describe("without one (forced)", () => {
    const fallback = { LABRUN_NO_NAMESPACE: "1" };

    it("says so once, on stderr, and still ends what kept the session's marker", async () => {
      const r = await cli(args(0), { env: env(fallback) });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const said = r.stderr.split("\n").filter((line) => line.includes("no PID namespace"));
      expect(said).toEqual(["labrun: no PID namespace here (LABRUN_NO_NAMESPACE is set): processes a step detaches from its session may outlive the run"]);
      // Tracked by their environment marker: nohup and the double fork.
      expect(processesWith(`1003${tag}`)).toEqual([]);
      expect(processesWith(`1004${tag}`)).toEqual([]);
      expect(runDirs()).toEqual([]);
    });

    it("after SIGKILL of labrun, the next run kills what kept the marker and removes the folder", async () => {
      const { child, exited } = await startHanging(fallback);
      child.kill("SIGKILL");
      await exited;
      expect(processesWith(`1003${tag}`)).toHaveLength(1);
      expect(runDirs()).toHaveLength(1);
      const next = await nextRun(fallback);
      expect(next.code, next.stdout + next.stderr).toBe(0);
      expect(processesWith(`1003${tag}`)).toEqual([]);
      expect(processesWith(`1004${tag}`)).toEqual([]);
      expect(runDirs()).toEqual([]);
    });
  });
});

describe.skipIf(process.platform !== "linux")("labrun's temp folders", () => {
  it("are removed when their owner is gone (or its pid reused), kept otherwise", () => {
    const parent = mkdtempSync(join(tmpdir(), "labrun-rundir-test-"));
    const folder = (name: string, owner?: string) => {
      const dir = join(parent, name);
      mkdirSync(join(dir, "session-x"), { recursive: true });
      if (owner !== undefined) writeFileSync(join(dir, "owner"), owner);
      return dir;
    };
    try {
      // Past the kernel's highest pid: no such process.
      const gone = folder("labrun-pid4194305-a", "4194305 12\n");
      const reused = folder(`labrun-pid${process.pid}-b`, `${process.pid} 1\n`);
      const live = folder(`labrun-pid${process.pid}-c`, `${process.pid} ${readStat(process.pid)?.startTime}\n`);
      const beingMade = folder("labrun-pid4194305-d");
      // Its owner file created but not yet written, or half written (labruns started side by side): kept.
      const halfWritten = folder("labrun-pid4194305-h", "");
      const partWritten = folder("labrun-pid4194305-i", "4194305 1");
      const notOurs = folder("labrun-run-4194305-e", "4194305 12\n");
      // Ours and in this PID namespace: judged; in another (a labrun inside a step's namespace): kept.
      const ns = readlinkSync("/proc/self/ns/pid");
      const goneHere = folder("labrun-pid4194305-f", `4194305 12 ${ns}\n`);
      const otherNamespace = folder("labrun-pid4194305-g", "4194305 12 pid:[1]\n");
      expect(removeStaleRunDirs(parent).sort()).toEqual([gone, reused, goneHere].sort());
      for (const kept of [live, beingMade, halfWritten, partWritten, notOurs, otherNamespace]) expect(existsSync(kept), kept).toBe(true);
      expect(existsSync(gone) || existsSync(reused)).toBe(false);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
