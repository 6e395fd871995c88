/**
 * Where a session's shell runs so that nothing it starts outlives it. On Linux, where PID
 * namespaces are allowed (root, or unprivileged user namespaces), the shell is the first
 * process of a namespace of its own: when it dies the kernel kills every process in it,
 * detached, setsid'd or environment-cleared ones included, and `--kill-child` kills it when
 * `unshare` dies (a hung-up terminal, labrun SIGKILLed). Elsewhere sessions fall back to
 * finding their processes in /proc (processes.ts), and labrun says so once.
 */
import { spawn, spawnSync } from "node:child_process";
import { onPath } from "../path-lookup.js";

/** Set (to anything but empty) to skip the namespace and use the fallback, e.g. to test it. */
export const NO_NAMESPACE_ENV = "LABRUN_NO_NAMESPACE";

/** unshare's options for a PID namespace that dies with its first process (also used on SSH hosts: ssh-remote.ts). */
export const NAMESPACE = ["--pid", "--fork", "--mount-proc", "--kill-child"] as const;
/** Root first (no user namespace: the shell keeps every privilege), then as the current user. */
const CANDIDATES: readonly (readonly string[])[] = [
  ["unshare", ...NAMESPACE],
  ["unshare", "--user", "--map-current-user", ...NAMESPACE],
];
/**
 * In a user namespace setuid programs gain nothing: `sudo` would fail in every step that uses
 * it (workshop decks do), so where sudo is installed, a user namespace is not used.
 */
export const USER_NAMESPACE_BREAKS = "sudo";
const PROBE_TIMEOUT_MS = 5_000;

export interface Containment {
  /** The command line the shell is started under (ends with `--`); empty for the fallback. */
  readonly wrapper: readonly string[];
  /** Why there is no namespace, for the fallback. */
  readonly reason?: string;
}

let cached: Containment | undefined;
let probing: Promise<Containment> | undefined;

/**
 * Starts the probe in the background (it is a process of its own: it runs while the deck is
 * planned); containmentReady() then finds it done. Never rejects.
 */
export function prefetchContainment(): void {
  if (cached !== undefined || probing !== undefined) return;
  probing = probeAsync().then(
    (found) => (cached ??= found),
    () => (cached ??= probe()),
  );
}

/** containment(), without blocking when prefetchContainment() already started the probe. */
export async function containmentReady(warn?: (line: string) => void): Promise<Containment> {
  if (cached === undefined && probing !== undefined) await probing;
  return containment(warn);
}

let warned = false;

/**
 * How sessions are contained, probed once per process (a few ms: `unshare ... true`). The first
 * call that finds no namespace writes one line about it to `warn` (stderr by default).
 */
export function containment(warn: (line: string) => void = (line) => process.stderr.write(line + "\n")): Containment {
  cached ??= probe();
  if (cached.reason !== undefined && !warned) {
    warned = true;
    warn(`labrun: no PID namespace here (${cached.reason}): processes a step detaches from its session may outlive the run`);
  }
  return cached;
}

interface Probed {
  readonly status: number | null;
  readonly error?: Error;
  readonly stderr: string;
}

/** The probe's logic, shared by probe() and probeAsync(): yields each candidate to try (`unshare ... true`), is sent how it went. */
function* probeSteps(): Generator<readonly string[], Containment, Probed> {
  if (process.platform !== "linux") return { wrapper: [], reason: `not Linux but ${process.platform}` };
  if (process.env[NO_NAMESPACE_ENV]) return { wrapper: [], reason: `${NO_NAMESPACE_ENV} is set` };
  let failure = "";
  for (const candidate of CANDIDATES) {
    const [command = "unshare", ...args] = candidate;
    if (args.includes("--user") && onPath(USER_NAMESPACE_BREAKS, process.env.PATH ?? "")) {
      return { wrapper: [], reason: `${failure || "not root"}; a user namespace would keep ${USER_NAMESPACE_BREAKS} from working` };
    }
    const probed = yield candidate;
    if (probed.status === 0) return { wrapper: [command, ...args, "--"] };
    if (probed.error) return { wrapper: [], reason: `${command}: ${probed.error.message}` };
    failure ||= probed.stderr.trim().split("\n").pop() ?? `exit ${probed.status}`;
  }
  return { wrapper: [], reason: failure };
}

function probe(): Containment {
  const steps = probeSteps();
  for (let step = steps.next(); ; ) {
    if (step.done) return step.value;
    const [command = "unshare", ...args] = step.value;
    const r = spawnSync(command, [...args, "true"], { stdio: ["ignore", "ignore", "pipe"], timeout: PROBE_TIMEOUT_MS, encoding: "utf8" });
    step = steps.next({ status: r.status, ...(r.error ? { error: r.error } : {}), stderr: r.stderr ?? "" });
  }
}

async function probeAsync(): Promise<Containment> {
  const steps = probeSteps();
  for (let step = steps.next(); ; ) {
    if (step.done) return step.value;
    const [command = "unshare", ...args] = step.value;
    step = steps.next(await new Promise<Probed>((resolve) => {
      let stderr = "";
      const child = spawn(command, [...args, "true"], { stdio: ["ignore", "ignore", "pipe"], timeout: PROBE_TIMEOUT_MS });
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.on("error", (error) => resolve({ status: null, error, stderr }));
      child.on("close", (status) => resolve({ status, stderr }));
    }));
  }
}
