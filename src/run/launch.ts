/**
 * How a session's shell is started: locally (bash with labrun's rc file, in a PID namespace where
 * allowed: containment.ts), or on an SSH host (`ssh -tt HOST sh -c WRAPPER`: ssh-remote.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { containmentReady } from "./containment.js";
import { bashRc } from "./markers.js";
import { remoteProfile, sessionCommand } from "./ssh-remote.js";
import { sshArgs } from "./ssh-target.js";
import { onPath } from "../path-lookup.js";
import type { SessionOptions } from "./session.js";

export interface Launch {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Started under a wrapper (unshare) whose child is bash. */
  readonly wrapped: boolean;
}

export async function localLaunch(opts: SessionOptions, nonce: string, rcDir: string): Promise<Launch> {
  const rcFile = join(rcDir, "bashrc");
  writeFileSync(rcFile, bashRc(nonce));
  const { wrapper } = await containmentReady();
  const [program = "bash", ...args] = [...wrapper, opts.shell ?? "bash", "--noprofile", "--rcfile", rcFile, "-i"];
  return { program, args, cwd: opts.cwd ?? process.cwd(), env: { ...process.env, ...opts.env }, wrapped: wrapper.length > 0 };
}

/**
 * `ssh -tt HOST sh -c WRAPPER`: the run's cwd and variables go to the host, in the rc file; this
 * machine's ssh keeps this machine's. ssh must die with labrun, so that the host hangs the session
 * up and cleans it: a SIGKILLed labrun's terminal would do it, but node-pty's terminal is inherited
 * by every process labrun starts after it (another pane's ssh...), which keeps it open. Where
 * util-linux's setpriv is, ssh gets SIGKILL when labrun dies (as unshare --kill-child does locally).
 */
export function remoteLaunch(ssh: NonNullable<SessionOptions["ssh"]>, opts: SessionOptions, nonce: string): Launch {
  const rc = remoteProfile(opts.env ?? {}, opts.cwd) + bashRc(nonce);
  const command = ["ssh", ...sshArgs(ssh, { tty: true }), sessionCommand(nonce, rc)];
  const [program = "ssh", ...args] = process.platform === "linux" && onPath("setpriv", process.env.PATH ?? "") ? ["setpriv", "--pdeathsig", "KILL", "--", ...command] : command;
  return { program, args, cwd: process.cwd(), env: process.env, wrapped: false };
}
