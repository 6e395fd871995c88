/**
 * --ssh, --ssh-option, --ssh-identity: shared by `run` (CI and UI) and `plan`. Before anything
 * runs, the host is reached once: a host that cannot be reached is one line and exit 2, and the
 * deck's programs are looked up there (preflight), as its sessions will see them.
 */
import { spawnSync } from "node:child_process";
import type { ShellFacts } from "../graph/shell.js";
import type { Step } from "../graph/step.js";
import { missingPrograms, type MissingProgram } from "../run/preflight.js";
import { checkHost, ConnectionError } from "../run/ssh-remote.js";
import { parseSshTarget, sshArgs, SshTargetError, type SshTarget } from "../run/ssh-target.js";
import { UsageError } from "./args.js";

export const SSH_OPTIONS = {
  ssh: { type: "string" },
  "ssh-option": { type: "string", multiple: true },
  "ssh-identity": { type: "string" },
} as const;

export const SSH_HELP = `  --ssh [USER@]HOST[:PORT]
                       run every shell on this host, over SSH (the ssh client, so ~/.ssh/config,
                       agents and known_hosts apply): a login bash there, files in its home;
                       node1 in open steps is the host, asked from this machine
  --ssh-option NAME=VALUE
                       an ssh -o option (repeatable; wins over labrun's: BatchMode=yes,
                       ConnectTimeout=10, ServerAliveInterval=5, StrictHostKeyChecking=accept-new)
  --ssh-identity FILE  the private key to log in with (ssh -i)`;

/** The --ssh target, or undefined; a bad value is a usage error. */
export function sshTarget(values: { ssh?: string; "ssh-option"?: string[]; "ssh-identity"?: string }): SshTarget | undefined {
  if (values.ssh === undefined) {
    if (values["ssh-option"]?.length || values["ssh-identity"] !== undefined) throw new UsageError("--ssh-option and --ssh-identity go with --ssh HOST");
    return undefined;
  }
  try {
    const target = parseSshTarget(values.ssh, { options: values["ssh-option"] ?? [], ...(values["ssh-identity"] !== undefined ? { identity: values["ssh-identity"] } : {}) });
    return { ...target, hostname: resolvedHostname(target) };
  } catch (e) {
    if (e instanceof SshTargetError) throw new UsageError(e.message);
    throw e;
  }
}

/** The address ssh would connect to (`ssh -G`: aliases of ~/.ssh/config resolved), without connecting. */
function resolvedHostname(target: SshTarget): string {
  const args = sshArgs(target, { tty: false }).filter((a) => a !== "-T");
  const r = spawnSync("ssh", ["-G", ...args], { encoding: "utf8", timeout: 5_000 });
  if (r.error) throw new UsageError(`--ssh: cannot run ssh here (${(r.error as NodeJS.ErrnoException).code === "ENOENT" ? "no ssh client on PATH: install openssh-client" : r.error.message})`);
  return /^hostname (\S+)$/m.exec(r.stdout ?? "")?.[1] ?? target.host;
}

export interface HostReady {
  readonly target: SshTarget;
  readonly missing: readonly MissingProgram[];
  /** A line to say when the host's sessions get no PID namespace. */
  readonly namespaceNote?: string;
}

/**
 * Connects once: throws ConnectionError (one line) when the host cannot be reached or has no
 * bash; else says which of the steps' programs are missing there.
 */
export async function readyHost(target: SshTarget, steps: readonly Step[], facts: ReadonlyMap<string, ShellFacts>, env: Readonly<Record<string, string>>): Promise<HostReady> {
  const asked = [...new Set(missingPrograms(steps, facts, () => false).map((m) => m.program))];
  const check = await checkHost(target, asked, env);
  if (!check.bash) throw new ConnectionError(`ssh ${target.given}: the host has no bash (labrun's shells are bash)`);
  const absent = new Set(check.missing);
  const missing = missingPrograms(steps, facts, (program) => !absent.has(program));
  return {
    target,
    missing,
    ...(check.noNamespace ? { namespaceNote: `labrun: no PID namespace on ${target.given} (${check.noNamespace}): processes a step detaches from its session may outlive the run there` } : {}),
  };
}

/** Runs `ready`, turning a ConnectionError into its one line on stderr and null. */
export async function orConnectionError<T>(ready: () => Promise<T>, err: (line: string) => void): Promise<T | null> {
  try {
    return await ready();
  } catch (e) {
    if (!(e instanceof ConnectionError)) throw e;
    err(`labrun: ${e.message}`);
    return null;
  }
}
