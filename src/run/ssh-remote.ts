/**
 * What runs on an SSH host for labrun: the wrapper that starts a session's bash (and cleans up
 * after it, whatever ends it), and the one-shot scripts labrun sends over separate connections
 * (check the host and its programs, kill a hung foreground job, clean up). Everything is POSIX
 * sh and Linux's /proc; nothing is installed on the host.
 *
 * A session's processes are found on the host by the nonce in their environment
 * (LABRUN_SESSION, given to bash and inherited by what it starts), and, where the host allows
 * it, bash runs in a PID namespace of its own, as locally (containment.ts).
 */
import { spawn } from "node:child_process";
import { NONCE_ENV } from "./markers.js";
import { NAMESPACE as NAMESPACE_OPTIONS, NO_NAMESPACE_ENV, USER_NAMESPACE_BREAKS } from "./containment.js";
import { connectionMessage, sshArgs, shQuote, type SshTarget } from "./ssh-target.js";

const NAMESPACE = NAMESPACE_OPTIONS.join(" ");

/** Kills every process of the session `$n`, found by its environment, then removes its folder. */
const CLEAN = `clean() { for f in $(grep -las "${NONCE_ENV}=$n" /proc/[0-9]*/environ); do p=\${f#/proc/}; kill -9 "\${p%/environ}" 2>/dev/null; done; rm -rf "$d"; }`;

/** Sets $ns to the unshare command bash starts under, if the host allows a PID namespace (no user namespace where sudo is installed). */
const PROBE_NAMESPACE = [
  `ns=; nsw=none`,
  `if [ "$nons" = 1 ]; then nsw=off`,
  `elif unshare ${NAMESPACE} true 2>/dev/null; then ns="unshare ${NAMESPACE} --"; nsw=root`,
  `elif command -v ${USER_NAMESPACE_BREAKS} >/dev/null 2>&1; then nsw=sudo`,
  `elif unshare --user --map-current-user ${NAMESPACE} true 2>/dev/null; then ns="unshare --user --map-current-user ${NAMESPACE} --"; nsw=user; fi`,
].join("\n");

/**
 * Writes a session's rc file on the host, over a connection of its own, before the session
 * starts: `$TMPDIR/labrun-NONCE/rc`, in a folder only the user may enter. The rc holds the run's
 * variables (--env, secrets among them): it goes in the script, on ssh's standard input, never in
 * a command line, which every user of the host sees in `ps`.
 */
export async function writeRemoteRc(target: SshTarget, nonce: string, rc: string, timeoutMs = 30_000): Promise<void> {
  const script = [
    `d=\${TMPDIR:-/tmp}/labrun-$1`,
    `umask 077`,
    `mkdir "$d" || exit 111`,
    `base64 -d > "$d/rc" <<"LABRUN_EOF" || exit 112`,
    Buffer.from(rc).toString("base64"),
    `LABRUN_EOF`,
    `exit 0`,
  ].join("\n");
  const r = await runRemote(target, script, [nonce], timeoutMs);
  if (r.status === 0) return;
  if (r.timedOut) throw new ConnectionError(`ssh ${target.given}: no answer within ${Math.round(timeoutMs / 1000)} s`);
  if (r.status === 111 || r.status === 112) throw new ConnectionError(`ssh ${target.given}: cannot write the session's rc file in the host's \${TMPDIR:-/tmp}: ${r.stderr.trim().split("\n").at(-1) ?? ""}`);
  throw new ConnectionError(connectionMessage(target, r.stderr));
}

/**
 * The session's remote command: `sh -c SCRIPT labrun NONCE NONS`. The script has no quote and no
 * backslash, so that any login shell (bash, zsh, fish...) passes it to sh intact. It takes the rc
 * file writeRemoteRc() left in the session's private folder and starts bash in the foreground;
 * when bash ends (exit), it kills what the session left. A watcher it starts first (deaf to the hangup, its output
 * nowhere) does the same once the wrapper is gone: a lost connection hangs the wrapper up, and
 * the wrapper must die of it, so that the kernel hangs up the job in the foreground too.
 */
export function sessionCommand(nonce: string, namespace = !process.env[NO_NAMESPACE_ENV]): string {
  const script = [
    `n=$1`,
    `nons=$2`,
    `d=\${TMPDIR:-/tmp}/labrun-$n`,
    `umask 077`,
    // The folder writeRemoteRc() made: this user's, a real folder, the rc in it.
    `[ -d "$d" ] && [ ! -L "$d" ] && [ -O "$d" ] && [ -f "$d/rc" ] || exit 112`,
    CLEAN,
    `w=$$`,
    `( trap "" HUP INT; while kill -0 $w 2>/dev/null; do sleep 1; done; clean ) </dev/null >/dev/null 2>&1 &`,
    `command -v bash >/dev/null 2>&1 || { echo "labrun: bash is not installed on this host"; clean; exit 113; }`,
    PROBE_NAMESPACE,
    `$ns env ${NONCE_ENV}=$n bash --noprofile --rcfile "$d/rc" -i`,
    `clean`,
    `exit 0`,
  ].join("\n");
  if (/['\\]/.test(script)) throw new Error("internal: the remote session script must hold no quote or backslash");
  return `sh -c '${script}' labrun ${nonce} ${namespace ? 0 : 1}`;
}

/**
 * The start of a remote session's rc file: the login environment an attendee gets when they
 * log in with ssh (/etc/profile, then the first of ~/.bash_profile, ~/.bash_login, ~/.profile,
 * which usually reads ~/.bashrc), then the run's directory and variables. labrun's own lines
 * (markers.ts bashRc) come after, so that its prompt wins.
 */
export function remoteProfile(env: Readonly<Record<string, string>>, cwd: string | undefined): string {
  const lines = [
    `[ -r /etc/profile ] && . /etc/profile`,
    `for __labrun_f in ~/.bash_profile ~/.bash_login ~/.profile; do if [ -r "$__labrun_f" ]; then . "$__labrun_f"; break; fi; done; unset __labrun_f`,
  ];
  if (cwd !== undefined) lines.push(`cd ${shQuote(cwd)} || echo "labrun: cannot cd to ${cwd.replaceAll('"', "")} on this host"`);
  for (const [key, value] of Object.entries(env)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) lines.push(`export ${key}=${shQuote(value)}`);
  }
  return lines.join("\n") + "\n";
}

export interface RemoteResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The command did not end within its time. */
  readonly timedOut: boolean;
}

/** Runs `script` with sh on the host, over a connection of its own (`ssh -T HOST sh -s -- ARGS`, the script on stdin). */
export function runRemote(target: SshTarget, script: string, args: readonly string[], timeoutMs: number, connectTimeoutS = 10): Promise<RemoteResult> {
  return new Promise((resolve) => {
    const child = spawn("ssh", [...sshArgs(target, { tty: false, connectTimeoutS }), ["sh -s --", ...args.map(shQuote)].join(" ")], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.stdin.on("error", () => undefined);
    child.stdin.end(script);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ status: null, stdout, stderr: stderr + e.message, timedOut });
    });
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    });
  });
}

/** What labrun learns of a host before a run: that it answers, has bash, which programs are missing, whether sessions get a PID namespace. */
export interface HostCheck {
  readonly bash: boolean;
  /** Of the programs asked about, those not found by a login bash with the run's variables. */
  readonly missing: readonly string[];
  /** Why the host's sessions get no PID namespace, or null when they do. */
  readonly noNamespace: string | null;
}

const NO_NAMESPACE_REASONS: Readonly<Record<string, string>> = {
  none: "unshare cannot make one there",
  off: `${NO_NAMESPACE_ENV} is set`,
  sudo: "not root there, and a user namespace would keep sudo from working",
};

/** Thrown when the host cannot be reached; the message is one line. */
export class ConnectionError extends Error {}

/**
 * Connects once, checks bash, the namespace and the programs (looked up as the session will see
 * them: a login bash with the run's variables). Throws ConnectionError when it cannot connect.
 */
export async function checkHost(target: SshTarget, programs: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 30_000): Promise<HostCheck> {
  const words = programs.filter((p) => /^[A-Za-z0-9_.+-]+$/.test(p));
  const exports = Object.entries(env)
    .filter(([key]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    .map(([key, value]) => `export ${key}=${shQuote(value)}`)
    .join("\n");
  const script = [
    `nons=${process.env[NO_NAMESPACE_ENV] ? 1 : 0}`,
    `echo labrun-connected`,
    `command -v bash >/dev/null 2>&1 || { echo labrun-no-bash; exit 0; }`,
    PROBE_NAMESPACE,
    `echo "labrun-namespace:$nsw"`,
    `exec bash -l -s -- "$@" <<"LABRUN_EOF"`,
    exports,
    `for p; do command -v "$p" >/dev/null 2>&1 || echo "labrun-missing:$p"; done`,
    `LABRUN_EOF`,
  ].join("\n");
  const r = await runRemote(target, script, words, timeoutMs);
  const lines = r.stdout.split("\n");
  if (!lines.includes("labrun-connected")) {
    if (r.timedOut) throw new ConnectionError(`ssh ${target.given}: no answer within ${Math.round(timeoutMs / 1000)} s`);
    throw new ConnectionError(connectionMessage(target, r.stderr));
  }
  const bash = !lines.includes("labrun-no-bash");
  const namespace = lines.find((l) => l.startsWith("labrun-namespace:"))?.slice("labrun-namespace:".length) ?? "none";
  return {
    bash,
    missing: lines.filter((l) => l.startsWith("labrun-missing:")).map((l) => l.slice("labrun-missing:".length)),
    noNamespace: bash ? (namespace === "root" || namespace === "user" ? null : NO_NAMESPACE_REASONS[namespace] ?? namespace) : "no bash",
  };
}

/** SIGKILLs the foreground job of the session's terminal on the host (a timeout that ^C did not end). */
export function killRemoteForeground(target: SshTarget, nonce: string, timeoutMs = 5_000): Promise<RemoteResult> {
  const script = [
    `n=$1`,
    `for f in $(grep -las "${NONCE_ENV}=$n" /proc/[0-9]*/environ); do`,
    `  p=\${f#/proc/}; p=\${p%/environ}`,
    `  read -r s < "/proc/$p/stat" 2>/dev/null || continue`,
    `  s=\${s##*") "}; set -- $s`,
    // The session's bash is the marked process whose parent is not marked; its terminal's foreground group ($6), if not bash's own ($3), is the job.
    `  grep -qas "${NONCE_ENV}=$n" "/proc/$2/environ" && continue`,
    `  [ "$6" -gt 0 ] && [ "$6" != "$3" ] && kill -9 "-$6" 2>/dev/null`,
    `done`,
    `exit 0`,
  ].join("\n");
  return runRemote(target, script, [nonce], timeoutMs, 5);
}

/** Kills what is left of a session on the host (when its own clean-up could not run) and removes its folder. */
export function cleanRemote(target: SshTarget, nonce: string, timeoutMs = 5_000): Promise<RemoteResult> {
  const script = [`n=$1`, `d=\${TMPDIR:-/tmp}/labrun-$n`, CLEAN, `clean`, `exit 0`].join("\n");
  return runRemote(target, script, [nonce], timeoutMs, 5);
}
