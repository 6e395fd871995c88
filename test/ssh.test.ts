// `--ssh`: runs whose shells live on another host, against a real sshd on 127.0.0.1 (test/sshd.ts:
// Debian's OpenSSH, a generated host key and user key, a throwaway user with its own home).
// What a run leaves on the host is checked there, with ps as that user.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execa } from "execa";
import { execFileSync, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, ROOT, scratchDir } from "./helpers.js";
import { startSshd, sshdUnavailable, type SshServer } from "./sshd.js";
import { watchCommandLines } from "./cmdlines.js";
import { connectionProblem, parseSshTarget, shQuote, sshArgs } from "../src/run/ssh-target.js";

const why = sshdUnavailable();
if (why) console.warn(`ssh tests skipped: ${why} (.ci/run installs openssh-server and runs as root)`);

let server: SshServer;

beforeAll(async () => {
  if (!why) server = await startSshd();
}, 60_000);
afterAll(async () => {
  await server?.stop();
}, 60_000);

/** labrun's options that reach the test host without ~/.ssh. */
function sshFlags(s: SshServer, knownHosts = s.knownHosts, identity = s.identity): string[] {
  return [
    "--ssh", `${s.user}@127.0.0.1:${s.port}`,
    "--ssh-identity", identity,
    "--ssh-option", `UserKnownHostsFile=${knownHosts}`,
    "--ssh-option", "GlobalKnownHostsFile=/dev/null",
  ];
}

/** What the test user runs on the host, besides its sshd sessions and the ps that lists it. */
function leftovers(s: SshServer): string[] {
  const r = s.exec("ps -u $(id -u) -o stat=,args=");
  return r.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("Z") && !/\bsshd: /.test(l) && !/ps -u /.test(l) && !/^\S+\s+(bash -c )?ps\b/.test(l));
}

async function nothingLeft(s: SshServer, waitMs = 5_000): Promise<string[]> {
  // The host's kernel ends a namespace's processes, and the wrapper its own, asynchronously: a moment at most.
  for (const end = Date.now() + waitMs; Date.now() < end; ) {
    const left = leftovers(s);
    if (left.length === 0) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
  return leftovers(s);
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** Starts labrun with `args`, and returns it once `running` runs on the host (a step underway there). */
async function runUntilOnHost(args: readonly string[], running: string, env: Record<string, string> = {}) {
  const child = execa(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts"), ...args], { cwd: ROOT, reject: false, stdin: "ignore", env: { ...process.env, ...env } });
  expect(await until(() => leftovers(server).some((l) => l.includes(running)), 30_000), `${running} never ran on the host`).toBe(true);
  // In an object: the subprocess is a promise, which an async function's return would await.
  return { child };
}

function deck(dir: string, body: string): string {
  const file = join(dir, "deck.md");
  writeFileSync(file, `# SSH\n\n.exercise[\n${body}]\n`);
  return file;
}

const step = (text: string) => `- Step:\n  \`\`\`bash\n  ${text}\n  \`\`\`\n`;

describe.skipIf(why !== null)("--ssh HOST", () => {
  it("runs the seed deck on the host against the lab double installed for its user, files landing in that user's home", async () => {
    const home = server.home;
    execFileSync("cp", ["-r", join(ROOT, "test/lab-double"), join(home, "lab-double")]);
    execFileSync("mkdir", ["-p", join(home, "container.training/stacks")]);
    execFileSync("chown", ["-R", `${server.user}:`, join(home, "lab-double"), join(home, "container.training")]);
    const dir = scratchDir("labrun-ssh-seed-");
    const report = join(dir, "report.json");
    const r = await cli([
      "run", "slides/dockercoins.yml", "--ci", ...sshFlags(server),
      "--env", `PATH=${home}/lab-double/bin:/usr/local/bin:/usr/bin:/bin`,
      "--env", `LAB_DOUBLE_DIR=${home}/lab`,
      "--reporter", "json", "--output", report,
    ], { timeoutMs: 240_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(report, "utf8")) as { steps: { status: string; text: string }[]; summary: Record<string, number> };
    expect(json.steps.filter((s) => s.status !== "passed")).toEqual([]);
    expect(json.summary).toMatchObject({ passed: 24, failed: 0, timedOut: 0 });
    // The lab's state was written by the user, in its home, on the host.
    const log = join(home, "lab/log");
    expect(readFileSync(log, "utf8")).toMatch(/^kubectl create deployment worker --image=127\.0\.0\.1:\d+\/worker:v0\.1$/m);
    const uid = Number(execFileSync("id", ["-u", server.user], { encoding: "utf8" }));
    expect(statSync(log).uid).toBe(uid);
    // The registry and web servers the steps started ran as sessions' processes: the run's end ended them.
    expect(await nothingLeft(server)).toEqual([]);
  }, 300_000);

  it("runs a step in the user's login environment, in its home, with the run's variables", async () => {
    const dir = scratchDir("labrun-ssh-env-");
    const file = deck(dir, step(`echo "who=$(id -un) at=$PWD home=$HOME greeting=$GREETING"`) + "  ```\n  who=" + server.user + " at=" + server.home + " home=" + server.home + " greeting=it's me\n  ```\n");
    const report = join(dir, "r.json");
    const r = await cli(["run", file, "--ci", ...sshFlags(server), "--env", "GREETING=it's me", "--output", report]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(report, "utf8")) as { steps: { status: string; output: string }[] };
    expect(json.steps[0]!.output).toContain(`who=${server.user} at=${server.home} home=${server.home} greeting=it's me`);
  }, 60_000);

  it("sends --env values over the connection: no process here or on the host has one on its command line", async () => {
    const dir = scratchDir("labrun-ssh-argv-");
    const secret = `argv-secret-${Date.now().toString(36)}`;
    const file = deck(dir, step(`sleep 2; test "$SECRET" = ${secret} && echo the secret is there`));
    const report = join(dir, "r.json");
    const child = execa(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts"), "run", file, "--ci", ...sshFlags(server), "--env", `SECRET=${secret}`, "--mask", "SECRET", "--output", report], { cwd: ROOT, reject: false, stdin: "ignore" });
    // labrun's own command line holds it: the person who typed it put it there.
    const seen = await watchCommandLines(secret, child.pid, child);
    const r = await child;
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(report, "utf8")) as { steps: { status: string; output: string }[] };
    expect(json.steps[0]!.output).toContain("the secret is there");
    expect(seen).toEqual([]);
    expect(await nothingLeft(server)).toEqual([]);
  }, 60_000);

  it("opens each tmux pane as a shell of its own on the host", async () => {
    const dir = scratchDir("labrun-ssh-panes-");
    const report = join(dir, "r.json");
    const r = await cli(["run", join(ROOT, "fixtures/run/panes.md"), "--ci", ...sshFlags(server), "--output", report]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(report, "utf8")) as { steps: { status: string; output: string }[] };
    expect(json.steps.map((s) => s.output.trim()).filter(Boolean)).toEqual(["pane two sees 'nothing'", "pane one sees 'first'", "pane one sees 'first'"]);
    expect(await nothingLeft(server)).toEqual([]);
  }, 60_000);

  it.each<[string, Record<string, string>]>([
    ["in a PID namespace", {}],
    ["without one (LABRUN_NO_NAMESPACE)", { LABRUN_NO_NAMESPACE: "1" }],
  ])("a step timeout ends the remote job, and the run's end everything its steps started (%s)", async (_, env) => {
    const dir = scratchDir("labrun-ssh-timeout-");
    const file = deck(dir, step("(setsid sleep 1101 &); nohup sleep 1102 >/dev/null 2>&1 & sleep 1103 & disown; echo started") + step("sleep 1104"));
    const report = join(dir, "r.json");
    const r = await cli(["run", file, "--ci", "--step-timeout", "2", ...sshFlags(server), "--output", report], { env: { ...process.env, ...env } as Record<string, string> });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const json = JSON.parse(readFileSync(report, "utf8")) as { steps: { status: string; reason?: string }[] };
    expect(json.steps.map((s) => s.status)).toEqual(["passed", "timedOut"]);
    expect(json.steps[1]!.reason).toMatch(/^no prompt after 2 s: interrupted/);
    if (env.LABRUN_NO_NAMESPACE) expect(r.stderr).toContain(`no PID namespace on ${server.user}@127.0.0.1:${server.port} (LABRUN_NO_NAMESPACE is set)`);
    else expect(r.stderr).not.toContain("no PID namespace");
    expect(await nothingLeft(server)).toEqual([]);
  }, 60_000);

  it("a step deaf to ^C is killed on the host when its time is up", async () => {
    const dir = scratchDir("labrun-ssh-deaf-");
    const file = deck(dir, step(`sh -c 'trap "" INT; sleep 1105'`));
    const r = await cli(["run", file, "--ci", "--step-timeout", "2", ...sshFlags(server)]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/TIME/);
    // Killed in the step, on the host (bash says so), not only by the run's end.
    expect(r.stdout).toContain("Killed");
    expect(await nothingLeft(server)).toEqual([]);
  }, 60_000);

  it("SIGINT mid-step: the step is interrupted, the report written, exit 130, nothing left on the host", async () => {
    const dir = scratchDir("labrun-ssh-sigint-");
    const file = deck(dir, step("nohup sleep 1106 >/dev/null 2>&1 & sleep 1107") + step("echo never"));
    const report = join(dir, "r.json");
    const { child } = await runUntilOnHost(["run", file, "--ci", ...sshFlags(server), "--output", report], "sleep 1107");
    child.kill("SIGINT");
    const r = await child;
    expect(r.exitCode, r.stdout + r.stderr).toBe(130);
    const json = JSON.parse(readFileSync(report, "utf8")) as { steps: { status: string }[] };
    expect(json.steps.map((s) => s.status)).toEqual(["interrupted", "skipped"]);
    expect(await nothingLeft(server)).toEqual([]);
  }, 60_000);

  it("labrun SIGKILLed mid-step: its ssh hangs up and the host ends what the run started", async () => {
    const dir = scratchDir("labrun-ssh-sigkill-");
    const file = deck(dir, step("nohup sleep 1109 >/dev/null 2>&1 & (setsid sleep 1110 &); sleep 1111"));
    const { child } = await runUntilOnHost(["run", file, "--ci", ...sshFlags(server)], "sleep 1111", { LABRUN_NO_NAMESPACE: "1" });
    child.kill("SIGKILL");
    await child;
    // Nobody waits for that clean-up: the client's death reaches the host, which ends the session on its own.
    expect(await nothingLeft(server, 20_000)).toEqual([]);
  }, 60_000);

  it("a connection that drops mid-run fails the step with 'connection lost', still writes the report, exit 1", async () => {
    const dir = scratchDir("labrun-ssh-drop-");
    const file = deck(dir, step("sleep 1108") + step("echo never"));
    const report = join(dir, "r.json");
    const started = Date.now();
    const { child } = await runUntilOnHost(["run", file, "--ci", ...sshFlags(server), "--output", report], "sleep 1108");
    // The host's side of the connection goes: its sshd session processes are killed.
    spawnSync("pkill", ["-KILL", "-f", `^sshd: ${server.user}`]);
    const r = await child;
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(Date.now() - started).toBeLessThan(45_000);
    const json = JSON.parse(readFileSync(report, "utf8")) as { steps: { status: string; reason?: string }[] };
    expect(json.steps.map((s) => s.status)).toEqual(["failed", "skipped"]);
    expect(json.steps[0]!.reason).toMatch(/^connection lost: ssh .*127\.0\.0\.1/);
    expect(r.stdout).toContain("connection lost");
    expect(await nothingLeft(server)).toEqual([]);
  }, 60_000);

  it("plan --ssh looks the steps' programs up on the host", async () => {
    const dir = scratchDir("labrun-ssh-plan-");
    const file = deck(dir, step("echo hi | labrun-no-such-tool") + step("jq --version"));
    const r = await cli(["plan", file, ...sshFlags(server)]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`the deck calls programs that are not on PATH on ${server.user}@127.0.0.1:${server.port}:`);
    expect(r.stderr).toMatch(/^ {2}labrun-no-such-tool {2}\(first at .*deck\.md:6\)$/m);
    expect(r.stderr).not.toMatch(/^ {2}jq/m);
    const ok = await cli(["plan", deck(dir, step("jq --version")), ...sshFlags(server)]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain("reachable, and every program the steps call is there");
  }, 60_000);
});

/** A port on 127.0.0.1 nobody listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe.skipIf(why !== null)("--ssh connection trouble is one line and exit 2, before anything runs", () => {
  async function refused(args: string[], pattern: RegExp): Promise<void> {
    const dir = scratchDir("labrun-ssh-err-");
    const marker = join(dir, "ran");
    const file = deck(dir, step(`touch ${marker}`));
    const started = Date.now();
    const r = await cli(["run", file, "--ci", ...args], { timeoutMs: 60_000 });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(() => statSync(marker)).toThrow();
  }

  it("an unknown host", () => refused(["--ssh", "labrun-no-such-host.invalid"], /^labrun: ssh labrun-no-such-host\.invalid: unknown host \(ssh: Could not resolve hostname/), 60_000);

  it("a refused connection", async () => {
    const port = await closedPort();
    await refused(["--ssh", `nobody@127.0.0.1:${port}`], new RegExp(`^labrun: ssh nobody@127\\.0\\.0\\.1:${port}: connection refused \\(ssh: connect to host 127\\.0\\.0\\.1 port ${port}: Connection refused\\)$`));
  }, 60_000);

  it("a key the host does not accept", async () => {
    const dir = scratchDir("labrun-ssh-key-");
    const key = join(dir, "other_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    await refused(sshFlags(server, server.knownHosts, key), /^labrun: ssh \S+: authentication failed \(ssh: .*Permission denied/);
  }, 60_000);

  it("a host key that changed", async () => {
    const dir = scratchDir("labrun-ssh-hostkey-");
    const other = join(dir, "other_host_key");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
    const knownHosts = join(dir, "known_hosts");
    writeFileSync(knownHosts, `[127.0.0.1]:${server.port} ${readFileSync(other + ".pub", "utf8").split(" ").slice(0, 2).join(" ")}\n`);
    await refused(sshFlags(server, knownHosts), /^labrun: ssh \S+: the host's key changed since it was last seen \(known_hosts\): refusing to connect \(ssh: /);
  }, 60_000);

  it("a bad --ssh value is a usage error", async () => {
    const r = await cli(["run", join(ROOT, "slides/tour.md"), "--ci", "--ssh", "me@host:99999"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("labrun: --ssh me@host:99999: '99999' is not a port (1 to 65535) (see 'labrun --help')");
  });
});

describe("--ssh values and ssh's words", () => {
  it("parses [USER@]HOST[:PORT], IPv6 in brackets, and refuses the rest", () => {
    expect(parseSshTarget("node1")).toMatchObject({ destination: "node1", host: "node1" });
    expect(parseSshTarget("docker@node1:2222")).toMatchObject({ destination: "docker@node1", host: "node1", port: 2222 });
    expect(parseSshTarget("me@[::1]:22")).toMatchObject({ destination: "me@::1", host: "::1", port: 22 });
    expect(() => parseSshTarget("me@host:0")).toThrow("'0' is not a port");
    expect(() => parseSshTarget("me@ho st")).toThrow("not a host name");
    expect(() => parseSshTarget("-oProxyCommand=x")).toThrow("not a host name");
    expect(() => parseSshTarget("h", { options: ["-F x"] })).toThrow("expected NAME=VALUE");
  });

  it("puts the user's -o options before labrun's (ssh keeps the first value)", () => {
    const args = sshArgs(parseSshTarget("me@h:2200", { options: ["StrictHostKeyChecking=no"], identity: "/k" }), { tty: true });
    expect(args.indexOf("StrictHostKeyChecking=no")).toBeLessThan(args.indexOf("StrictHostKeyChecking=accept-new"));
    expect(args).toEqual(expect.arrayContaining(["-tt", "-i", "/k", "-p", "2200"]));
    expect(args.slice(-2)).toEqual(["--", "me@h"]);
  });

  it("quotes words for any login shell", () => {
    expect(shQuote("plain/path-1.2")).toBe("plain/path-1.2");
    expect(shQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(spawnSync("sh", ["-c", `printf %s ${shQuote("it's $HOME \\ \"x\"")}`], { encoding: "utf8" }).stdout).toBe(`it's $HOME \\ "x"`);
  });

  it("names what went wrong from ssh's own words", () => {
    expect(connectionProblem("ssh: Could not resolve hostname nope: Name or service not known")).toBe("unknown host");
    expect(connectionProblem("ssh: connect to host 10.0.0.1 port 22: Connection refused")).toBe("connection refused");
    expect(connectionProblem("me@h: Permission denied (publickey).")).toBe("authentication failed");
    expect(connectionProblem("@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.")).toMatch(/key changed/);
    expect(connectionProblem("ssh: connect to host 10.0.0.1 port 22: Connection timed out")).toBe("connection timed out");
    expect(connectionProblem("bash: line 1: foo: command not found")).toBeNull();
  });
});
