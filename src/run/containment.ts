/**
 * Where a session's shell runs so that nothing it starts outlives it. On Linux, where PID
 * namespaces are allowed (root, or unprivileged user namespaces), the shell is the first
 * process of a namespace of its own: when it dies the kernel kills every process in it,
 * detached, setsid'd or environment-cleared ones included, and `--kill-child` kills it when
 * `unshare` dies (a hung-up terminal, labrun SIGKILLed). Elsewhere sessions fall back to
 * finding their processes in /proc (processes.ts), and labrun says so once.
 */
import { spawnSync } from "node:child_process";
import { onPath } from "../path-lookup.js";

/** Set (to anything but empty) to skip the namespace and use the fallback, e.g. to test it. */
export const NO_NAMESPACE_ENV = "LABRUN_NO_NAMESPACE";

const NAMESPACE = ["--pid", "--fork", "--mount-proc", "--kill-child"];
/** Root first (no user namespace: the shell keeps every privilege), then as the current user. */
const CANDIDATES: readonly (readonly string[])[] = [
  ["unshare", ...NAMESPACE],
  ["unshare", "--user", "--map-current-user", ...NAMESPACE],
];
/**
 * In a user namespace setuid programs gain nothing: `sudo` would fail in every step that uses
 * it (workshop decks do), so where sudo is installed, a user namespace is not used.
 */
const USER_NAMESPACE_BREAKS = "sudo";
const PROBE_TIMEOUT_MS = 5_000;

export interface Containment {
  /** The command line the shell is started under (ends with `--`); empty for the fallback. */
  readonly wrapper: readonly string[];
  /** Why there is no namespace, for the fallback. */
  readonly reason?: string;
}

let cached: Containment | undefined;

/**
 * How sessions are contained, probed once per process (a few ms: `unshare ... true`). The first
 * call that finds no namespace writes one line about it to `warn` (stderr by default).
 */
export function containment(warn: (line: string) => void = (line) => process.stderr.write(line + "\n")): Containment {
  if (cached !== undefined) return cached;
  cached = probe();
  if (cached.reason !== undefined) {
    warn(`labrun: no PID namespace here (${cached.reason}): processes a step detaches from its session may outlive the run`);
  }
  return cached;
}

function probe(): Containment {
  if (process.platform !== "linux") return { wrapper: [], reason: `not Linux but ${process.platform}` };
  if (process.env[NO_NAMESPACE_ENV]) return { wrapper: [], reason: `${NO_NAMESPACE_ENV} is set` };
  let failure = "";
  for (const [command = "unshare", ...args] of CANDIDATES) {
    if (args.includes("--user") && onPath(USER_NAMESPACE_BREAKS, process.env.PATH ?? "")) {
      return { wrapper: [], reason: `${failure || "not root"}; a user namespace would keep ${USER_NAMESPACE_BREAKS} from working` };
    }
    const probed = spawnSync(command, [...args, "true"], { stdio: ["ignore", "ignore", "pipe"], timeout: PROBE_TIMEOUT_MS, encoding: "utf8" });
    if (probed.status === 0) return { wrapper: [command, ...args, "--"] };
    if (probed.error) return { wrapper: [], reason: `${command}: ${probed.error.message}` };
    failure ||= probed.stderr.trim().split("\n").pop() ?? `exit ${probed.status}`;
  }
  return { wrapper: [], reason: failure };
}
