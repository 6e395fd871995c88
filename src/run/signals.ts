/** The signals that stop a run, and the exit code labrun ends with after each (128 + its number). */
export const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const satisfies Partial<Record<NodeJS.Signals, number>>;

export type StopSignal = keyof typeof STOP_SIGNALS;

export function isStopSignal(value: unknown): value is StopSignal {
  return typeof value === "string" && Object.hasOwn(STOP_SIGNALS, value);
}
