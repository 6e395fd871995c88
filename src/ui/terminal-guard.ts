/**
 * However labrun ends (q, Ctrl-C, SIGTERM, a crash), the attendee gets their terminal back: raw
 * mode off, cursor visible, the alternate screen left, and no shell of the run left behind.
 */
import { closeAllSessionsSync } from "../run/session.js";
import { releaseTerminalAfterHangup, STOP_SIGNALS } from "../run/signals.js";

const ENTER_ALT_SCREEN = "\x1b[?1049h\x1b[H";
const LEAVE_ALT_SCREEN = "\x1b[?1049l";
const SHOW_CURSOR = "\x1b[?25h";
/** Attributes reset, and synchronized output ended should a frame have been cut short. */
const RESET = "\x1b[0m\x1b[?2026l";

export interface TerminalGuard {
  /** The ink app to unmount first when the process must end at once. */
  track(unmount: (() => void) | undefined): void;
  /** What to do first when a signal stops labrun (save the progress, the running step interrupted). */
  onStop(fn: ((signal: NodeJS.Signals) => void) | undefined): void;
  /** Puts the terminal back; idempotent. */
  restore(): void;
  /** Removes the process handlers (after restore). */
  dispose(): void;
}

interface GuardStreams {
  readonly stdout: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  readonly stderr: NodeJS.WriteStream;
}

/** SIGTERM 143, SIGHUP 129, SIGINT 130: the exit codes `run --ci` ends with too. */
const SIGNALS = Object.entries(STOP_SIGNALS) as [NodeJS.Signals, number][];

export function guardTerminal({ stdout, stdin, stderr }: GuardStreams, options: { readonly altScreen: boolean }): TerminalGuard {
  let unmount: (() => void) | undefined;
  let beforeStop: ((signal: NodeJS.Signals) => void) | undefined;
  let restored = false;
  if (options.altScreen) stdout.write(ENTER_ALT_SCREEN);

  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      unmount?.();
    } catch {
      // The app may be half torn down already; the terminal matters more.
    }
    try {
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
    } catch {
      // stdin closed: nothing to restore there.
    }
    try {
      stdout.write(RESET + SHOW_CURSOR + (options.altScreen ? LEAVE_ALT_SCREEN : ""));
    } catch {
      // stdout closed (the terminal went away).
    }
    closeAllSessionsSync();
  };

  const onSignal = (signal: NodeJS.Signals) => {
    try {
      beforeStop?.(signal);
    } catch {
      // Nothing may keep the terminal from being given back.
    }
    restore();
    if (signal === "SIGHUP") releaseTerminalAfterHangup();
    process.exit(SIGNALS.find(([s]) => s === signal)?.[1] ?? 1);
  };
  const onCrash = (error: unknown) => {
    // The terminal went away (its SIGHUP may not be here yet): a hangup, not a crash.
    if ((error as NodeJS.ErrnoException | undefined)?.code === "EIO") return onSignal("SIGHUP");
    restore();
    stderr.write(`labrun: internal error in the terminal UI: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  };
  const onExit = () => restore();

  for (const [signal] of SIGNALS) process.on(signal, onSignal);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  process.on("exit", onExit);

  return {
    track(fn) {
      unmount = fn;
    },
    onStop(fn) {
      beforeStop = fn;
    },
    restore,
    dispose() {
      for (const [signal] of SIGNALS) process.off(signal, onSignal);
      process.off("uncaughtException", onCrash);
      process.off("unhandledRejection", onCrash);
      process.off("exit", onExit);
    },
  };
}
