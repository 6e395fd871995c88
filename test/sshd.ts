// A real SSH server for the tests: Debian's OpenSSH sshd (/usr/sbin/sshd, package openssh-server,
// which .ci/run installs), started by the test on 127.0.0.1 and a free unprivileged port, with its
// own sshd_config, a generated host key, a generated user key and a throwaway user (useradd, its own
// home under /home), all removed again by stop(). Needs root (useradd, and sshd switching to that
// user): sshdUnavailable() says why a test must skip.
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SSHD = "/usr/sbin/sshd";

export interface ExecResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface SshServer {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** The test user (labrun-ssh-<6 hex>), shell /bin/bash. */
  readonly user: string;
  /** Its home, /home/<user>, owned by it. */
  readonly home: string;
  /** The user's private key (ed25519, no passphrase), readable by root only. */
  readonly identity: string;
  /** A known_hosts file holding the generated host key for [127.0.0.1]:port. */
  readonly knownHosts: string;
  /** The `ssh` options that reach the server without a prompt or ~/.ssh: put before `user@127.0.0.1`. */
  readonly sshArgs: readonly string[];
  /** `user@127.0.0.1:port`, the form `labrun --ssh` takes. */
  readonly target: string;
  /** An ssh_config file with `Host <alias>` (HostName, Port, User, IdentityFile...): `ssh -F sshConfig alias`. */
  readonly sshConfig: string;
  readonly alias: string;
  /** The folder holding the keys, configs, the pid file and sshd's log (removed by stop()). */
  readonly dir: string;
  /** The sshd listener's pid (a child of this process). */
  readonly pid: number;
  /** sshd's own log (-e): what it says about refused or dropped connections. */
  log(): string;
  /** Runs `cmd` on the host as the test user, through `ssh` (no tty), within `timeoutMs` (default 30 s). */
  exec(cmd: string, opts?: { input?: string; timeoutMs?: number }): ExecResult;
  /** Kills everything the user runs, sshd and its sessions, removes the user, its home and `dir`. */
  stop(): Promise<void>;
}

export interface SshdOptions {
  /** The Host alias written in `sshConfig` (default "labrun-node1"). */
  alias?: string;
  /** sshd's ClientAliveInterval/ClientAliveCountMax (default 2 and 2: a vanished client is noticed in ~4-6 s). */
  clientAliveInterval?: number;
  clientAliveCountMax?: number;
  /** More sshd_config lines, appended. */
  extraConfig?: readonly string[];
  /** How long sshd may take to accept a connection (default 15 s). */
  readyTimeoutMs?: number;
}

/** Why a test cannot start its own sshd here (to skip with a warning), or null. */
export function sshdUnavailable(): string | null {
  if (process.platform !== "linux") return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return "not root (the test user is made with useradd)";
  if (!existsSync(SSHD)) return `no ${SSHD} (Debian's openssh-server: .ci/run installs it)`;
  const missing = ["ssh", "ssh-keygen", "useradd", "userdel", "pkill"].filter((p) => spawnSync("sh", ["-c", `command -v ${p}`]).status !== 0);
  if (missing.length) return `${missing.join(", ")} not on PATH (openssh-client, passwd, procps)`;
  if (spawnSync("getent", ["passwd", "sshd"]).status !== 0) return "no sshd privilege separation user (openssh-server is not properly installed)";
  return null;
}

function run(cmd: string, args: readonly string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${what}: ${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}${r.error ? String(r.error) : ""}`);
  return r.stdout;
}

/** useradd/userdel fail, rather than wait, while another test holds the passwd lock: retry. */
function runLocked(cmd: string, args: readonly string[], ok: (status: number | null) => boolean = (s) => s === 0): void {
  let last = "";
  for (let attempt = 0; attempt < 50; attempt++) {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
    if (ok(r.status)) return;
    last = `${r.status ?? r.signal}: ${r.stderr}`;
    if (!/lock|try again/i.test(r.stderr)) break;
    spawnSync("sleep", ["0.1"]);
  }
  throw new Error(`${cmd} ${args.join(" ")} failed (${last.trim()})`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Every live descendant of `root`, children before their parents' parents (read from /proc). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      walk(child);
      out.push(child);
    }
  };
  walk(root);
  return out;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Starts sshd as described at the top of this file; the caller must `await server.stop()` (afterAll). */
export async function startSshd(opts: SshdOptions = {}): Promise<SshServer> {
  const why = sshdUnavailable();
  if (why) throw new Error(`cannot start sshd: ${why}`);
  const alias = opts.alias ?? "labrun-node1";
  const user = `labrun-ssh-${randomBytes(3).toString("hex")}`;
  const home = `/home/${user}`;
  const dir = mkdtempSync(join(tmpdir(), "labrun-sshd-"));
  let child: ChildProcess | undefined;
  let userMade = false;

  const cleanup = (): void => {
    if (userMade) spawnSync("pkill", ["-KILL", "-u", user]);
    if (child?.pid) {
      for (const pid of descendants(child.pid)) kill(pid, "SIGKILL");
      kill(child.pid, "SIGKILL");
    }
    if (userMade) {
      // userdel refuses while the user still runs something (a session being torn down): kill, retry.
      for (let attempt = 0; ; attempt++) {
        const r = spawnSync("userdel", ["-r", user], { encoding: "utf8" });
        // 0 done, 6 no such user, 12 home not removed (removed below).
        if (r.status === 0 || r.status === 6 || r.status === 12 || attempt >= 50) break;
        spawnSync("pkill", ["-KILL", "-u", user]);
        spawnSync("sleep", ["0.1"]);
      }
      rmSync(home, { recursive: true, force: true });
      userMade = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A worker that exits without stop() (a crash, a timeout) still leaves nothing behind.
  const onExit = () => cleanup();
  process.once("exit", onExit);

  try {
    // Keys: the host's, the user's.
    const hostKey = join(dir, "ssh_host_ed25519_key");
    const identity = join(dir, "id_ed25519");
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "labrun-test-host", "-f", hostKey], "host key");
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", `${user}@labrun-test`, "-f", identity], "user key");

    // The user: a password field of "*" (no password, not locked: with UsePAM no, sshd refuses a
    // locked "!" account even for a key).
    runLocked("useradd", ["--create-home", "--home-dir", home, "--shell", "/bin/bash", "--password", "*", "--comment", "labrun ssh test", user]);
    userMade = true;
    const uid = Number(run("id", ["-u", user], "uid").trim());
    const gid = Number(run("id", ["-g", user], "gid").trim());
    // StrictModes: the key file and every folder above it owned by the user or root, not group/world-writable.
    chmodSync(home, 0o755);
    const sshDir = join(home, ".ssh");
    mkdirSync(sshDir, { mode: 0o700 });
    const authorizedKeys = join(sshDir, "authorized_keys");
    writeFileSync(authorizedKeys, readFileSync(`${identity}.pub`), { mode: 0o600 });
    chownSync(sshDir, uid, gid);
    chownSync(authorizedKeys, uid, gid);

    // Privilege separation needs its empty folder (the package's systemd unit makes it at boot).
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

    const hostPub = readFileSync(`${hostKey}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
    const knownHosts = join(dir, "known_hosts");
    const sshConfig = join(dir, "ssh_config");
    const logFile = join(dir, "sshd.log");
    const readyTimeoutMs = opts.readyTimeoutMs ?? 15_000;

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = join(dir, "sshd_config");
      writeFileSync(
        config,
        [
          `ListenAddress 127.0.0.1`,
          `Port ${port}`,
          `HostKey ${hostKey}`,
          `PidFile ${join(dir, "sshd.pid")}`,
          `AuthorizedKeysFile ${authorizedKeys}`,
          `AllowUsers ${user}`,
          `PubkeyAuthentication yes`,
          `PasswordAuthentication no`,
          `KbdInteractiveAuthentication no`,
          `UsePAM no`,
          `PermitRootLogin no`,
          `StrictModes yes`,
          `UseDNS no`,
          `PrintMotd no`,
          `PrintLastLog no`,
          `X11Forwarding no`,
          `ClientAliveInterval ${opts.clientAliveInterval ?? 2}`,
          `ClientAliveCountMax ${opts.clientAliveCountMax ?? 2}`,
          // Tests open many sessions at once (a run's main shell, tmux panes, probes).
          `MaxStartups 100`,
          `MaxSessions 100`,
          `AcceptEnv LANG LC_*`,
          `Subsystem sftp internal-sftp`,
          `LogLevel VERBOSE`,
          ...(opts.extraConfig ?? []),
          ``,
        ].join("\n"),
      );
      run(SSHD, ["-t", "-f", config], "sshd config check");
      writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub}\n`);
      const sshArgs = [
        "-F", "none",
        "-p", String(port),
        "-i", identity,
        "-o", `UserKnownHostsFile=${knownHosts}`,
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "IdentitiesOnly=yes",
        "-o", "BatchMode=yes",
        "-o", "ConnectTimeout=5",
        "-o", "LogLevel=ERROR",
      ];
      writeFileSync(
        sshConfig,
        [
          `Host ${alias}`,
          `  HostName 127.0.0.1`,
          `  Port ${port}`,
          `  User ${user}`,
          `  IdentityFile ${identity}`,
          `  IdentitiesOnly yes`,
          `  UserKnownHostsFile ${knownHosts}`,
          `  GlobalKnownHostsFile /dev/null`,
          `  StrictHostKeyChecking yes`,
          `  BatchMode yes`,
          `  ConnectTimeout 5`,
          `  LogLevel ERROR`,
          ``,
        ].join("\n"),
      );

      const logFd = openSync(logFile, "a");
      const sshd = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", logFd, logFd] });
      closeSync(logFd);
      child = sshd;
      sshd.on("error", () => {});
      const exited = new Promise<void>((resolve) => sshd.once("exit", () => resolve()));

      const deadline = Date.now() + readyTimeoutMs;
      let ready = false;
      let lastError = "";
      while (Date.now() < deadline && alive(sshd)) {
        const probe = await new Promise<{ ok: boolean; stderr: string }>((resolve) =>
          execFile("ssh", [...sshArgs, "-o", "ConnectTimeout=2", `${user}@127.0.0.1`, "true"], { timeout: 5_000 }, (error, _stdout, stderr) =>
            resolve({ ok: !error, stderr: String(stderr) }),
          ),
        );
        if (probe.ok) {
          ready = true;
          break;
        }
        lastError = probe.stderr.trim();
        await new Promise((r) => setTimeout(r, 100));
      }
      if (ready) {
        const server: SshServer = {
          host: "127.0.0.1",
          port,
          user,
          home,
          identity,
          knownHosts,
          sshArgs,
          target: `${user}@127.0.0.1:${port}`,
          sshConfig,
          alias,
          dir,
          pid: sshd.pid!,
          log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
          exec(cmd, execOpts = {}) {
            const r = spawnSync("ssh", [...sshArgs, `${user}@127.0.0.1`, cmd], {
              encoding: "utf8",
              input: execOpts.input ?? "",
              timeout: execOpts.timeoutMs ?? 30_000,
              killSignal: "SIGKILL",
            });
            return { status: r.status, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
          },
          async stop() {
            if (child && alive(child)) {
              spawnSync("pkill", ["-KILL", "-u", user]);
              for (const pid of child.pid ? descendants(child.pid) : []) kill(pid, "SIGKILL");
              const gone = new Promise<void>((resolve) => child!.once("exit", () => resolve()));
              kill(child.pid!, "SIGTERM");
              const timer = setTimeout(() => child?.pid && kill(child.pid, "SIGKILL"), 3_000);
              await gone;
              clearTimeout(timer);
            }
            cleanup();
            process.removeListener("exit", onExit);
          },
        };
        return server;
      }
      const bindFailed = /Cannot bind any address|Address already in use/.test(readFileSync(logFile, "utf8"));
      if (alive(sshd)) {
        kill(sshd.pid!, "SIGKILL");
        await exited;
      }
      // Another process took the port between freePort() and sshd's bind: another port.
      if (bindFailed && attempt < 5) continue;
      throw new Error(`sshd did not accept a connection on 127.0.0.1:${port} within ${readyTimeoutMs} ms (${lastError || "it exited"}); its log:\n${readFileSync(logFile, "utf8")}`);
    }
  } catch (error) {
    cleanup();
    process.removeListener("exit", onExit);
    throw error;
  }
}
