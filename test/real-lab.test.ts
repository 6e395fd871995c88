// The seed deck's registry chapter against a REAL lab (test/lab): a Docker engine (dockerd) and
// Docker's own registry (docker-registry), with only kubectl a double. Skipped, with a warning,
// where the lab cannot start (not root, or dockerd, docker-registry or busybox-static missing:
// .ci/run installs them); a lab that has all it needs but fails to start FAILS the test.
// The same lab then runs shells in containers (fixtures/run/nested/containers*.md): `docker run -ti`
// and `docker exec -ti`, with steps typed into them.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session } from "../src/run/session.js";
import { cli, fixture, ROOT } from "./helpers.js";

const LAB = join(ROOT, "test/lab");
const SLIDES = [
  "Deploying a self-hosted registry",
  "Connecting to our registry",
  "Testing our registry",
  "Testing our local registry",
  "Checking again what's on our local registry",
];

/** Why the lab cannot start here (start.sh --check exits 3 and says what is missing), or undefined. */
function unavailable(): string | undefined {
  if (process.platform !== "linux") return `not Linux (${process.platform})`;
  const check = spawnSync("bash", [join(LAB, "start.sh"), "--check"], { encoding: "utf8", timeout: 30_000 });
  if (check.status === 3) return check.stderr.replace(/^lab: error: /, "").trim();
  if (check.status !== 0) throw new Error(`test/lab/start.sh --check failed (${check.status ?? check.signal}):\n${check.stdout}${check.stderr}`);
  return undefined;
}

const reason = unavailable();
if (reason) console.warn(`real lab test skipped: ${reason}`);

function sh(script: string, args: string[], timeoutMs: number, env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile("bash", [script, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}${error?.killed ? `\n(killed after ${timeoutMs} ms)` : ""}` });
    });
  });
}

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

interface Report {
  steps: { kind: string; text: string; line: number; status: string; exitCode: number | null; output?: string; assertions: { expected: string; actual: string; passed: boolean }[] }[];
  summary: Record<string, number>;
}

describe.skipIf(reason !== undefined)("the registry chapter against a real Docker engine and registry (test/lab)", () => {
  const dir = reason ? "" : mkdtempSync(join(tmpdir(), "labrun-real-"));
  const state = join(dir, "lab");
  const pids = new Map<string, number>();

  /** The lab's processes as their pid files say, to check after stop.sh that none is left. */
  function recordPids(): void {
    for (const f of ["mirror.pid", "dockerd.pid", "registry.pid", "watchdog.pid", "controller.pid", "exec/containerd/containerd.pid"]) {
      const file = join(state, f);
      if (existsSync(file)) pids.set(f, Number(readFileSync(file, "utf8").trim()));
    }
  }

  beforeAll(async () => {
    const started = Date.now();
    const r = await sh(join(LAB, "start.sh"), [state], 180_000, { LAB_LIFETIME: "900" });
    recordPids();
    if (r.code !== 0) throw new Error(`test/lab/start.sh failed (exit ${r.code}); its output:\n${r.output}`);
    console.log(`real lab: start.sh took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 200_000);

  afterAll(async () => {
    recordPids();
    const r = await sh(join(LAB, "stop.sh"), [state], 90_000);
    const left = [...pids].filter(([, pid]) => alive(pid));
    rmSync(dir, { recursive: true, force: true });
    if (r.code !== 0 || left.length > 0) {
      throw new Error(`test/lab/stop.sh (exit ${r.code}) left ${left.map(([f, p]) => `${p} (${f})`).join(", ") || "no process"}; its output:\n${r.output}`);
    }
  }, 120_000);

  it("passes every step: kubectl create/expose, curl the catalog, docker pull/tag/push, curl again", async () => {
    const report = join(dir, "report.json");
    const only = SLIDES.flatMap((s) => ["--only", s]);
    const env = ["--env", `PATH=${LAB}/bin:${process.env.PATH}`, "--env", `DOCKER_HOST=unix://${state}/docker.sock`, "--env", `LAB_DIR=${state}`];
    const r = await cli(["run", "slides/dockercoins.yml", "--ci", ...only, ...env, "--reporter", "json", "--output", report], { timeoutMs: 150_000 });
    recordPids();
    expect(r.code, r.stdout + r.stderr).toBe(0);

    const json = JSON.parse(readFileSync(report, "utf8")) as Report;
    const notPassed = json.steps.filter((s) => s.status !== "passed");
    expect(notPassed, JSON.stringify(notPassed, null, 2)).toEqual([]);
    expect(json.summary).toMatchObject({ passed: 11, failed: 0, skipped: 0, timedOut: 0 });
    const checks = json.steps.filter((s) => s.kind === "expect").map((s) => s.assertions[0]);
    expect(checks).toEqual([
      { expected: '{"repositories":[]}', actual: expect.stringContaining('{"repositories":[]}'), passed: true },
      { expected: '{"repositories":["busybox"]}', actual: expect.stringContaining('{"repositories":["busybox"]}'), passed: true },
    ]);

    // The engine pulled busybox through its mirror (no registry on the internet is reachable).
    const pull = json.steps.find((s) => s.text.startsWith("docker pull busybox"));
    expect(pull?.output).toMatch(/Pulling from library\/busybox[\s\S]*Status: Downloaded newer image for busybox:latest/);

    // The push really went to the deck's registry: its storage, its catalog, and the same
    // manifest as the mirror's library/busybox.
    expect(existsSync(join(state, "registry/data/docker/registry/v2/repositories/busybox/_manifests/tags/latest"))).toBe(true);
    const port = readFileSync(join(state, "registry.port"), "utf8").trim();
    const mirror = readFileSync(join(state, "mirror.port"), "utf8").trim();
    expect(await (await fetch(`http://127.0.0.1:${port}/v2/_catalog`)).json()).toEqual({ repositories: ["busybox"] });
    const accept = { Accept: "application/vnd.docker.distribution.manifest.v2+json" };
    const pushed = await fetch(`http://127.0.0.1:${port}/v2/busybox/manifests/latest`, { method: "HEAD", headers: accept });
    const original = await fetch(`http://127.0.0.1:${mirror}/v2/library/busybox/manifests/latest`, { method: "HEAD", headers: accept });
    expect(pushed.status).toBe(200);
    expect(pushed.headers.get("docker-content-digest")).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pushed.headers.get("docker-content-digest")).toBe(original.headers.get("docker-content-digest"));

    // kubectl was the double, and the deck's registry is a docker-registry process of this lab.
    expect(readFileSync(join(state, "log"), "utf8")).toMatch(/^kubectl create deployment registry --image=registry$/m);
    const registryPid = pids.get("registry.pid");
    expect(registryPid && readFileSync(`/proc/${registryPid}/cmdline`, "utf8").split("\0")[0]).toBe("docker-registry");
  }, 180_000);

  // Nested shells (src/run/nested-shell.ts) in real containers: steps typed into `docker run -ti`
  // and `docker exec -ti` shells, their expectations, then `exit` and a step back on the node.
  async function runNested(deck: string, ...extra: string[]): Promise<{ code: number; out: string; json: Report }> {
    const report = join(dir, `${deck}.json`);
    const env = ["--env", `PATH=${LAB}/bin:${process.env.PATH}`, "--env", `DOCKER_HOST=unix://${state}/docker.sock`];
    const r = await cli(["run", fixture("run", "nested", deck), "--ci", ...env, ...extra, "--reporter", "json", "--output", report], { timeoutMs: 120_000 });
    return { code: r.code, out: r.stdout + r.stderr, json: JSON.parse(readFileSync(report, "utf8")) };
  }

  it("types steps into docker run -ti and docker exec -ti shells, checks their output, and comes back to the node", async () => {
    const r = await runNested("containers.md");
    expect(r.code, r.out).toBe(0);
    expect(r.json.summary).toMatchObject({ passed: 12, failed: 0, skipped: 0, timedOut: 0 });
    const checks = r.json.steps.filter((s) => s.kind === "expect").map((s) => [s.assertions[0]?.expected, s.output]);
    expect(checks).toEqual([
      ["this shell is pid 1", "this shell is pid 1\n"],
      ["pid 1 is sleep", "pid 1 is sleep\n"],
      ["back on the node", "back on the node\n"],
    ]);
  }, 150_000);

  it("stops a step that times out inside a container (vi ignores ^C) without leaving the container's shell: exit goes back to the node", async () => {
    const r = await runNested("containers-timeout.md", "--keep-going", "--step-timeout", "3");
    expect(r.json.steps.map((s) => `${s.kind}:${s.status}`), r.out).toEqual([
      "bash:passed",
      "bash:passed",
      "bash:timedOut",
      "bash:passed",
      "expect:passed",
      "bash:passed",
      "bash:passed",
      "expect:passed",
    ]);
    expect(r.json.steps.filter((s) => s.kind === "expect").map((s) => s.output)).toEqual(["this shell is pid 1\n", "back on the node\n"]);
  }, 150_000);

  it("detaches from a container with `keys ^P^Q`: each step after it on the node gets its own status and output", async () => {
    const r = await runNested("containers-detach.md");
    expect(r.code, r.out).toBe(0);
    expect(r.json.steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["bash:passed", "bash:passed", "bash:passed", "keys:passed", "bash:passed", "expect:passed", "bash:passed", "expect:passed"]);
    expect(r.json.steps.filter((s) => s.kind === "expect").map((s) => s.output)).toEqual(["running: true\n", "back on the node\n"]);
  }, 150_000);

  it("after ^P^Q, the line typed next runs on the node, once the node's prompt is back: its own status and output", async () => {
    const session = await Session.start({ env: { DOCKER_HOST: `unix://${state}/docker.sock` } });
    try {
      const run = (text: string) => session.run(text, { timeoutMs: 20_000 });
      for (let i = 0; i < 3; i++) {
        expect(await run(`docker run -ti --name labrun-detach-${i} busybox sh`)).toMatchObject({ exitCode: 0, timedOut: false });
        expect(await run("echo in the container")).toMatchObject({ exitCode: 0, output: "in the container\n" });
        session.send("\x10\x11");
        // Typed at once: it used to reach the detaching client, and get `docker run`'s status.
        expect(await run("echo on the node; (exit 3)")).toMatchObject({ exitCode: 3, output: "on the node\n" });
        expect(await run(`docker rm -f labrun-detach-${i} >/dev/null; echo removed`)).toMatchObject({ exitCode: 0, output: "removed\n" });
      }
    } finally {
      await session.close();
    }
  }, 120_000);

  it("fails the run at the step that fails inside a container, with its line, without a timeout", async () => {
    const r = await runNested("containers-fail.md");
    expect(r.code, r.out).toBe(1);
    expect(r.json.steps.map((s) => `${s.line}:${s.status}`)).toEqual(["7:passed", "12:failed", "17:skipped"]);
    expect(r.json.steps[1]).toMatchObject({ exitCode: 1, output: expect.stringContaining("/no-such-file") });
    expect(r.out).toMatch(/containers-fail\.md:12/);
    expect(r.json.summary.timedOut).toBe(0);
  }, 150_000);
});
