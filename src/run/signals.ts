import { closeSync } from "node:fs";
import { isatty } from "node:tty";

/** The signals that stop a run, and the exit code labrun ends with after each (128 + its number). */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const satisfies Partial<Record<NodeJS.Signals, number>>;

export type StopSignal = keyof typeof STOP_SIGNALS;

export function isStopSignal(value: unknown): value is StopSignal {
  return typeof value === "string" && Object.hasOwn(STOP_SIGNALS, value);
}

/** Standard descriptors that were on a terminal when labrun started (a hung-up one no longer says it is). */
const STDIO_ON_TERMINAL = [0, 1, 2].filter((fd) => isatty(fd));

/**
 * After SIGHUP the terminal may be gone, and Node, as it exits, aborts when it cannot put the
 * terminal's mode back (EIO): the descriptors still on a terminal are closed first, so that the
 * exit code stays 129. Call it only on the way out.
 */
export function releaseTerminalAfterHangup(): void {
  for (const fd of STDIO_ON_TERMINAL) {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
  }
}
