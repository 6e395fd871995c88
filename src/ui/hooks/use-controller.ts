import { useCallback, useEffect, useRef } from "react";
import type { Step } from "../../graph/step.js";
import type { StepResult } from "../../run/result.js";
import type { PaneTerminal } from "../pane-terminal.js";
import { isRunning, nextToRun, type Intent, type SavedPosition, type UiState } from "../state.js";

/** What the UI needs of the shell a take-over drives. */
export interface ShellControl {
  /** A command is running (one a wait left behind, one started in a take-over). */
  readonly busy: boolean;
  send(bytes: string): void;
  interrupt(): void;
  resize(cols: number, rows: number): void;
}

/** What the UI needs of the Runner (src/run/runner.ts). */
export interface StepRunner {
  runStep(step: Step, next: Step | undefined): Promise<StepResult>;
  activeSession(): Promise<ShellControl>;
  close(): Promise<void>;
}

export interface ProgressSink {
  /** Returns an error message when the progress could not be saved. */
  save(position: SavedPosition): string | undefined;
  /** The step being run, or undefined between steps: what a signal marks interrupted. */
  running?(stepId: string | undefined): void;
}

export interface ControllerOptions {
  readonly state: UiState;
  readonly dispatch: (intent: Intent) => void;
  readonly runner: StepRunner;
  readonly pane: PaneTerminal;
  readonly output: { readonly width: number; readonly height: number };
  readonly store?: ProgressSink;
  /** Called once every shell is closed after a quit. */
  readonly onExit: (exit: "quit" | "tour") => void;
}

/** Kinds that never touch a shell. */
const SHELL_FREE = new Set(["manual", "open"]);

/**
 * The effects: runs the step the state asks for and reports its result, sizes the shell like the
 * output pane, hands a take-over's keys to the shell, saves progress after every change, and
 * closes every shell on the way out.
 */
export function useController({ state, dispatch, runner, pane, output, store, onExit }: ControllerOptions): { sendToShell: (bytes: string) => void } {
  const busy = useRef(false);
  const closed = useRef(false);
  const shellStarted = useRef(false);
  const size = useRef(output);
  size.current = output;

  /** The first start is shared: two callers at once (keys typed in a take-over) must not start two shells. */
  const starting = useRef<Promise<ShellControl> | undefined>(undefined);
  const shell = useCallback(async (): Promise<ShellControl | undefined> => {
    if (closed.current) return undefined;
    if (shellStarted.current) return runner.activeSession();
    starting.current ??= runner.activeSession().then(
      (session) => {
        shellStarted.current = true;
        session.resize(size.current.width, size.current.height);
        return session;
      },
      (error: unknown) => {
        starting.current = undefined;
        throw error;
      },
    );
    return starting.current;
  }, [runner]);

  useEffect(() => {
    pane.resize(output.width, output.height);
    if (shellStarted.current && !closed.current) void runner.activeSession().then((s) => s.resize(output.width, output.height), () => undefined);
  }, [pane, runner, output.width, output.height]);

  // After every render: is there a step to run? The reducer takes it (stepStarted) before it runs,
  // so that a Ctrl-C that lands first cancels it instead of racing it.
  useEffect(() => {
    const job = nextToRun(state);
    if (job && !busy.current && !closed.current) dispatch({ type: "stepStarted", index: job.index });
  });

  const running = isRunning(state.mode) ? state.mode : undefined;
  const inFlight = running?.inFlight;
  const stopRequested = running?.stopRequested === true;
  const latest = useRef(state);
  latest.current = state;
  useEffect(() => {
    if (inFlight === undefined || busy.current || closed.current) return;
    const index = latest.current.current;
    const step = latest.current.steps[index];
    if (!step || step.id !== inFlight) return;
    busy.current = true;
    void (async () => {
      let result: StepResult;
      try {
        store?.running?.(step.id);
        if (!SHELL_FREE.has(step.kind)) await shell();
        result = await runner.runStep(step, latest.current.steps[index + 1]);
      } catch (e) {
        result = { step, status: "failed", exitCode: null, durationMs: 0, output: "", assertions: [], reason: (e as Error).message };
      }
      store?.running?.(undefined);
      busy.current = false;
      if (!closed.current) dispatch({ type: "stepFinished", result });
    })();
  }, [inFlight, runner, shell, dispatch, store]);

  // Ctrl-C on a running step: interrupt the shell until the step ends, as a person would press
  // Ctrl-C again (the first one may land before the command is even typed).
  useEffect(() => {
    if (!stopRequested) return;
    const stop = () => {
      if (shellStarted.current && !closed.current) void shell().then((s) => s?.busy && s.interrupt(), () => undefined);
    };
    stop();
    const timer = setInterval(stop, 500);
    return () => clearInterval(timer);
  }, [stopRequested, shell]);

  const breakPending = state.breakPending === true;
  useEffect(() => {
    if (!breakPending) return;
    void (async () => {
      const session = shellStarted.current ? await shell().catch(() => undefined) : undefined;
      const interrupted = session?.busy === true;
      if (interrupted) session.interrupt();
      dispatch({ type: "breakHandled", interrupted });
    })();
  }, [breakPending, shell, dispatch]);

  const takeover = state.mode.kind === "takeover";
  useEffect(() => {
    // The prompt should be there when the attendee starts typing.
    if (takeover) void shell().catch((e: unknown) => dispatch({ type: "notice", message: { tone: "error", text: `No shell: ${(e as Error).message}` } }));
  }, [takeover, shell, dispatch]);

  const saveFailed = useRef(false);
  const prompting = state.mode.kind === "resume-prompt" || state.mode.kind === "tour-offer";
  useEffect(() => {
    if (!store || prompting || saveFailed.current) return;
    const statuses: Record<string, SavedPosition["statuses"][string]> = {};
    for (const [id, outcome] of Object.entries(state.outcomes)) statuses[id] = outcome.status;
    const error = store.save({ current: state.steps[state.current]?.id ?? null, statuses });
    if (error) {
      saveFailed.current = true;
      dispatch({ type: "notice", message: { tone: "error", text: error } });
    }
  }, [store, prompting, state.current, state.outcomes, state.steps, dispatch]);

  const exit = state.exit;
  useEffect(() => {
    if (!exit || closed.current) return;
    closed.current = true;
    void runner.close().then(
      () => onExit(exit),
      () => onExit(exit),
    );
  }, [exit, runner, onExit]);

  const sendToShell = useCallback(
    (bytes: string) => {
      void shell().then(
        (s) => s?.send(bytes),
        () => undefined,
      );
    },
    [shell],
  );
  return { sendToShell };
}
