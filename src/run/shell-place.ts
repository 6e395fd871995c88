/**
 * Where a session's shell lives, and what that changes: how it is started, how long its first
 * prompt may take, how a hung job is killed, which processes are its own on this machine, what
 * to say when it went away, and how it is left. Locally: bash with labrun's rc file, in a PID
 * namespace where allowed (containment.ts). On an SSH host: `ssh -tt HOST sh -c WRAPPER`
 * (ssh-remote.ts), whose processes are the host's business.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { containmentReady } from "./containment.js";
import { killForeground } from "./interrupt.js";
import { bashRc, NONCE_ENV } from "./markers.js";
import * as processes from "./processes.js";
import { cleanRemote, killRemoteForeground, remoteProfile, sessionCommand, writeRemoteRc } from "./ssh-remote.js";
import { connectionMessage, sshArgs, type SshTarget } from "./ssh-target.js";
import { withTimeout } from "./with-timeout.js";
import { onPath } from "../path-lookup.js";

export interface Launch {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Started under a wrapper (unshare) whose child is bash. */
  readonly wrapped: boolean;
}

/** What a session's start needs: SessionOptions' fields that say where and how. */
export interface LaunchOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  readonly shell?: string;
}

/** What a place needs of its session when the session ends. */
export interface Leaving {
  exited(): boolean;
  busy(): boolean;
  exitCode(): number | null;
  readonly childPid: number;
  stop(): Promise<void>;
  write(data: string): void;
  /** Resolves when the shell exited, or after `ms`. */
  exitedWithin(ms: number): Promise<void>;
}

export interface ShellPlace {
  /** Keeps the session's last output: ssh's last words, when it ends. */
  readonly keepsTail: boolean;
  /** Whether interrupt() may signal processes on this machine (the shell's are here). */
  readonly local: boolean;
  readonly startTimeoutMs: number;
  launch(opts: LaunchOptions, rcDir: string): Promise<Launch>;
  /** The message when the first prompt did not come: `exited`, the shell (or ssh) ended first. */
  startError(exited: boolean, tail: string, screen: string, shell: string): Error;
  /** SIGKILLs the job in the foreground of the shell's terminal. */
  killForeground(shellPid: number): Promise<void>;
  /** The session's processes on this machine. */
  ownProcesses(childPid: number, shellPid: number): processes.ProcessRef[];
  /** Why the shell went away, for the step it was running. */
  goneReason(exitCode: number | null, tail: string): string;
  /** Before the session's processes here get their signals. */
  leave(session: Leaving): Promise<void>;
}

const LOCAL_START_TIMEOUT_MS = 10_000;
/** A remote shell's first prompt: the connection, the host's login files, then bash. */
const SSH_START_TIMEOUT_MS = 30_000;
/** ^D sent at most this many times to leave a remote session (nested shells, stopped jobs). */
const LOGOUT_TRIES = 4;
const LOGOUT_GRACE_MS = 500;

export function shellPlace(ssh: SshTarget | undefined, nonce: string): ShellPlace {
  return ssh ? remotePlace(ssh, nonce) : localPlace(nonce);
}

function localPlace(nonce: string): ShellPlace {
  return {
    keepsTail: false,
    local: true,
    startTimeoutMs: LOCAL_START_TIMEOUT_MS,
    async launch(opts, rcDir) {
      const rcFile = join(rcDir, "bashrc");
      writeFileSync(rcFile, bashRc(nonce));
      const { wrapper } = await containmentReady();
      const [program = "bash", ...args] = [...wrapper, opts.shell ?? "bash", "--noprofile", "--rcfile", rcFile, "-i"];
      // The nonce in the environment finds every process the shell starts (processes.ts).
      return { program, args, cwd: opts.cwd ?? process.cwd(), env: { ...process.env, ...opts.env, [NONCE_ENV]: nonce }, wrapped: wrapper.length > 0 };
    },
    startError: (_, __, screen, shell) => new Error(`${shell} did not show its prompt within ${LOCAL_START_TIMEOUT_MS} ms; its screen:\n${screen}`),
    killForeground: async (shellPid) => killForeground(shellPid),
    ownProcesses: (_, shellPid) => processes.shellProcesses(shellPid, NONCE_ENV, nonce),
    goneReason: (exitCode) => `the shell exited${exitCode !== null ? ` (status ${exitCode})` : ""}`,
    leave: async () => undefined,
  };
}

function remotePlace(ssh: SshTarget, nonce: string): ShellPlace {
  return {
    keepsTail: true,
    local: false,
    startTimeoutMs: SSH_START_TIMEOUT_MS,
    /**
     * The run's cwd and variables go to the host, in the rc file, written over a connection of its
     * own (on ssh's standard input, never in a command line; the nonce is in the wrapper's command); this machine's ssh keeps this machine's. ssh must die with labrun, so that the host
     * hangs the session up and cleans it: a SIGKILLed labrun's terminal would do it, but node-pty's
     * terminal is inherited by every process labrun starts after it (another pane's ssh...), which
     * keeps it open. Where util-linux's setpriv is, ssh gets SIGKILL when labrun dies (as unshare
     * --kill-child does locally).
     */
    async launch(opts) {
      await writeRemoteRc(ssh, nonce, remoteProfile(opts.env ?? {}, opts.cwd) + bashRc(nonce));
      const command = ["ssh", ...sshArgs(ssh, { tty: true }), sessionCommand(nonce)];
      const [program = "ssh", ...args] = process.platform === "linux" && onPath("setpriv", process.env.PATH ?? "") ? ["setpriv", "--pdeathsig", "KILL", "--", ...command] : command;
      return { program, args, cwd: process.cwd(), env: process.env, wrapped: false };
    },
    startError: (exited, tail, screen) =>
      new Error(exited ? connectionMessage(ssh, tail, "the connection ended before bash started") : `ssh ${ssh.given}: bash did not show its prompt within ${SSH_START_TIMEOUT_MS / 1000} s; its screen:\n${screen}`),
    killForeground: async () => void (await killRemoteForeground(ssh, nonce)),
    ownProcesses: (childPid) => processes.refsOf([childPid, ...processes.descendants(childPid)]),
    goneReason: (_, tail) => `connection lost: ${connectionMessage(ssh, tail, "the connection ended")}`,
    /**
     * Leaves the host the way a person logs out: what runs is stopped, then ^D until bash exits (a
     * nested shell first, stopped jobs warned about once); the wrapper on the host then kills what
     * is left and exits 0. If it did not get there (the connection hung or went away), ssh is hung
     * up and a clean-up over a connection of its own kills what is left.
     */
    async leave(session) {
      if (!session.exited()) {
        if (session.busy()) await session.stop();
        for (let i = 0; i < LOGOUT_TRIES && !session.exited(); i++) {
          session.write("\x04");
          await session.exitedWithin(LOGOUT_GRACE_MS);
        }
      }
      if (!session.exited() || session.exitCode() !== 0) {
        processes.signal(session.childPid, "SIGHUP");
        await session.exitedWithin(LOGOUT_GRACE_MS);
        await cleanRemote(ssh, nonce);
      }
    },
  };
}

/** Resolves when `exited` does, or after `ms`. */
export const within = (exited: Promise<void>, ms: number): Promise<void> => withTimeout(exited, ms).then(() => undefined);
