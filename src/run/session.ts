/**
 * One long-lived interactive bash in a pseudo-terminal, driven the way a
 * person at a terminal drives it, with its screen kept by a headless xterm.
 * Everything is event-driven from the markers bash prints (markers.ts); a
 * step may open another shell, and the lines after it go there, tracked by
 * that shell's own markers (line-tracker.ts, nested-shell.ts).
 */
import pty from "@lydell/node-pty";
import type { IPty } from "@lydell/node-pty";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { Command, type CommandResult, type LineEnd, type RunningCommand } from "./command.js";
import { MarkerStream, nestedShellSetup } from "./markers.js";
import { Masker, maskRows } from "./masker.js";
import { LineTracker } from "./line-tracker.js";
import * as processes from "./processes.js";
import { sessionDir } from "./run-dir.js";
import { Screen } from "./screen.js";
import { SessionStopper } from "./session-stop.js";
import { TerminalInput } from "./terminal-input.js";
import { withTimeout } from "./with-timeout.js";
import type { SshTarget } from "./ssh-target.js";
import { shellPlace, within, type ShellPlace } from "./shell-place.js";

export type { CommandResult, RunningCommand } from "./command.js";
export { CappedText } from "./output-log.js";
export { keyBytes, keysBytes } from "./keys.js";

export interface SessionOptions {
  cwd?: string;
  /** Added to (and overriding) this process's environment. */
  env?: Record<string, string>;
  /** Default 120. */
  cols?: number;
  /** Default 40. */
  rows?: number;
  /** A bash-compatible shell, default `bash`. */
  shell?: string;
  /** Secret values: never appear in anything the session exposes (onData, output, screen text). */
  mask?: readonly string[];
  /** Regular expressions for the prompts of nested shells, besides the defaults (nested-shell.ts). */
  prompts?: readonly string[];
  /**
   * The shell runs on this host, reached with the `ssh` client (ssh-target.ts): a login bash
   * there, `cwd` and `env` applied on the host, its processes cleaned up there (ssh-remote.ts).
   */
  ssh?: SshTarget;
}

/** Characters of a remote session's output kept for ssh's last words. */
const TAIL_KEPT = 2048;

/** Sessions not closed yet, for closeAllSessionsSync(). */
const liveSessions = new Map<Session, () => void>();

/**
 * SIGKILLs every process of every session not closed yet, synchronously:
 * for the CLI's signal, uncaughtException and exit handlers.
 */
export function closeAllSessionsSync(): void {
  for (const killNow of [...liveSessions.values()]) killNow();
  liveSessions.clear();
}
export class Session {
  /** Bash's pid (on the host, when it runs in a PID namespace of its own: containment.ts). */
  private shellPid: number;
  private readonly term: Screen;
  private readonly masker: Masker;
  private readonly markers: MarkerStream;
  private readonly listeners = new Set<(chunk: string) => void>();
  private readonly idleWaiters = new Set<() => void>();
  private readonly exited: Promise<void>;
  private hasExited = false;
  private closing: Promise<void> | null = null;
  /** The command whose lines are being typed, or whose last line runs. */
  private current: Command | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private unfinishedCommands = 0;
  private readonly lines: LineTracker;
  private readonly stopper: SessionStopper;
  private disposed = false;
  /** Where the shell lives: here, or on an SSH host (shell-place.ts). */
  private readonly place: ShellPlace;
  private exitCode: number | null = null;
  /** A remote session's last output, for ssh's last words when the connection ends. */
  private tail = "";
  private readonly input: TerminalInput;

  private constructor(
    private readonly child: IPty,
    private readonly nonce: string,
    private readonly rcDir: string,
    opts: SessionOptions,
    place: ShellPlace,
  ) {
    this.shellPid = child.pid;
    this.place = place;
    this.masker = new Masker(opts.mask ?? []);
    this.markers = new MarkerStream(nonce);
    // Programs query the terminal (cursor position, device attributes) and may wait for the answer.
    this.term = new Screen(child.cols, child.rows, (reply) => this.input.reply(reply));
    this.lines = new LineTracker(this.term, opts.prompts ?? [], () => {
      if (!this.lines.commandRunning) this.stopper.cancelFollowUp();
      this.notifyIdle();
    });
    this.stopper = this.newStopper();
    this.input = new TerminalInput((data) => {
      if (!this.hasExited) this.child.write(data);
    }, this.lines);
    this.exited = new Promise((resolve) => {
      child.onExit(({ exitCode }) => {
        this.exitCode = exitCode;
        this.onExit();
        resolve();
      });
    });
    child.onData((data) => this.onPtyData(data));
    liveSessions.set(this, () => this.killNowSync());
  }

  /** Starts bash; resolves once its first prompt is shown. */
  static async start(opts: SessionOptions = {}): Promise<Session> {
    const nonce = randomBytes(8).toString("hex");
    const rcDir = sessionDir(nonce);
    const place = shellPlace(opts.ssh, nonce);
    let child: IPty;
    let wrapped = false;
    try {
      const launch = await place.launch(opts, rcDir);
      wrapped = launch.wrapped;
      child = pty.spawn(launch.program, [...launch.args], {
        name: "xterm-256color",
        cols: opts.cols ?? 120,
        rows: opts.rows ?? 40,
        cwd: launch.cwd,
        env: { ...launch.env, TERM: "xterm-256color", INPUTRC: "/dev/null" },
      });
    } catch (error) {
      rmSync(rcDir, { recursive: true, force: true });
      throw error;
    }
    const session = new Session(child, nonce, rcDir, opts, place);
    const firstPrompt = await withTimeout(session.lines.lineEnd(false), place.startTimeoutMs);
    if (firstPrompt === null || firstPrompt.kind !== "done") {
      const screen = session.screen();
      const exited = session.hasExited;
      await session.close();
      throw place.startError(exited, session.tail, screen, opts.shell ?? "bash");
    }
    // Started under unshare, bash is its child (and has exec'd, since it prompted).
    if (wrapped) session.shellPid = processes.children(child.pid)[0] ?? child.pid;
    return session;
  }

  /** Why the shell went away, for the step it was running: the connection, for a remote one. */
  get goneReason(): string | undefined {
    return this.hasExited ? this.place.goneReason(this.exitCode, this.tail) : undefined;
  }

  /** Bash's pid, as this process sees it. */
  get pid(): number {
    return this.shellPid;
  }

  get busy(): boolean {
    return this.unfinishedCommands > 0 || this.lines.busy;
  }

  /** How many shells deep the session is: 0 at labrun's own bash, 1 in a shell a command started (`docker run -it alpine sh`)... */
  get depth(): number {
    return this.lines.depth;
  }

  onData(listener: (chunk: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Types the text and resolves when its last command finished (or timed out and was stopped). */
  async run(text: string, opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const command = this.startCommand(text);
    if (opts.timeoutMs === undefined) return command.done;
    const result = await withTimeout(command.done, opts.timeoutMs);
    return result ?? this.stopper.stopTimedOut(command);
  }

  /**
   * Types the text line by line, each once bash asked for it, and returns
   * without waiting for the last command to finish. Waits for a command
   * still running first.
   */
  begin(text: string): RunningCommand {
    return this.startCommand(text, true);
  }

  private startCommand(text: string, drivenByKeys = false): Command {
    const command = new Command(() => this.settled(), drivenByKeys);
    this.unfinishedCommands++;
    const previous = this.queue;
    this.queue = command.done;
    void this.drive(command, text.split(/\r?\n/), previous);
    return command;
  }

  /** Resolves true once no command runs (e.g. after `:wq` closed vim); false on timeout. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (!this.busy) return true;
    let notify = (): void => {};
    const idle = new Promise<true>((resolve) => {
      notify = () => {
        if (!this.busy) resolve(true);
      };
      this.idleWaiters.add(notify);
    });
    const result = await withTimeout(idle, timeoutMs);
    this.idleWaiters.delete(notify);
    return result ?? false;
  }

  /** Raw bytes to the terminal, as keys typed by a person (after a ^C still waiting for its job). */
  send(data: string): void {
    if (this.hasExited || this.stopper.held(data)) return;
    // ^C means "stop": lines of the text not typed yet are dropped.
    if (data.includes("\x03")) {
      if (this.current !== null) this.current.aborted = true;
      this.lines.interrupted();
    }
    this.lines.keysSent(data);
    this.input.keys(data);
  }

  /**
   * Stops the running command: ^C on the terminal and, while a job runs in
   * the foreground, SIGINT to bash too, so that a loop or a list stops once
   * its current process ends. Unlike a bare ^C key (`send(keyBytes("^C"))`),
   * the rest of the command text is abandoned even if the program catches
   * SIGINT and exits normally.
   */
  interrupt(): void {
    this.stopper.interrupt();
  }

  /**
   * Stops whatever runs, as a person would and as a step timeout does: ^C, then, if the prompt
   * is not back within the grace time, the foreground process group is killed. Bounded in time.
   */
  stop(): Promise<void> {
    return this.stopper.stop();
  }

  /**
   * The visible screen: one line per row, trailing spaces and blank rows at the bottom trimmed;
   * masked with wrapped rows joined, so that a secret the terminal's line wrap cut is caught too.
   */
  screen(): string {
    const { text, wrapped } = this.term.rows();
    return maskRows(this.masker, text, wrapped).join("\n");
  }

  resize(cols: number, rows: number): void {
    if (!this.hasExited) this.child.resize(cols, rows);
    this.term.resize(cols, rows);
  }

  /** Ends bash and every process it started, then removes the rc file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async drive(command: Command, lines: readonly string[], previous: Promise<unknown>): Promise<void> {
    await previous;
    await this.untilNothingRuns();
    if (!command.finished && !this.hasExited) {
      // An interrupt's follow-up was for the command it stopped: none may land while this one is typed.
      this.stopper.cancelFollowUp();
      this.current = command;
      await this.typeLines(command, lines);
      command.allTyped();
      if (this.current === command) this.current = null;
    }
    await this.settled();
    command.finish({ neverFinished: this.hasExited, shellGone: this.goneReason });
    this.unfinishedCommands--;
    this.notifyIdle();
  }

  private async typeLines(command: Command, lines: readonly string[]): Promise<void> {
    let continuing = false;
    for (const [i, line] of lines.entries()) {
      if (command.aborted || command.finished) return;
      // At the primary prompt, a blank or comment line runs nothing: bash would report a stale $?.
      if (!continuing && runsNothing(line)) continue;
      const ended = this.typeLine(line, !continuing, { onlyShells: command.drivenByKeys });
      if (i === lines.length - 1) command.allTyped();
      let end = await ended;
      if (end?.kind === "shell") end = await this.setUpNestedShell();
      if (end === null) return;
      continuing = command.record(end);
    }
    // The text left bash wanting more (an unfinished heredoc): keys may complete it, ^C cancel it.
    while (continuing && !command.finished) {
      const end = await this.lines.lineEnd(false);
      if (end === null) return;
      continuing = command.record(end);
    }
  }

  private typeLine(line: string, atPrimaryPrompt: boolean, opts: { hidden?: boolean; onlyShells?: boolean } = {}): Promise<LineEnd | null> {
    const end = this.lines.lineEnd(atPrimaryPrompt, line, opts);
    this.input.line(line, atPrimaryPrompt);
    return end;
  }

  /** Tells the nested shell just found to print markers; its end is the end of the line that started it. */
  private setUpNestedShell(): Promise<LineEnd | null> {
    const { depth, promptColumn } = this.lines;
    this.stopper.nestedShellFound(depth);
    const rows = Math.max(1, Math.ceil((promptColumn + nestedShellSetup(this.nonce, depth, 1).length) / this.term.cols));
    return this.typeLine(nestedShellSetup(this.nonce, depth, rows), true, { hidden: true });
  }

  private untilNothingRuns(): Promise<void> {
    if (!this.lines.busy) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.lines.busy) return;
        this.idleWaiters.delete(check);
        resolve();
      };
      this.idleWaiters.add(check);
    });
  }

  private notifyIdle(): void {
    for (const notify of [...this.idleWaiters]) notify();
  }

  private onPtyData(data: string): void {
    for (const piece of this.markers.feed(data)) {
      if (piece.kind === "text") {
        this.emit(this.masker.push(piece.text));
      } else {
        this.emit(this.masker.flush());
        this.lines.onMarker(piece);
      }
    }
  }

  /** Hands masked, marker-free terminal output to the screen, the running command and listeners. */
  private emit(chunk: string): void {
    if (chunk === "" || this.disposed) return;
    this.term.write(chunk);
    if (this.place.keepsTail) this.tail = chunk.length >= TAIL_KEPT ? chunk.slice(-TAIL_KEPT) : (this.tail + chunk).slice(-TAIL_KEPT);
    const output = this.lines.output(chunk);
    if (output !== "") this.current?.append(output);
    for (const listener of this.listeners) listener(chunk);
  }

  /** Resolves once the headless terminal parsed everything written so far (it parses asynchronously). */
  private settled(): Promise<void> {
    return this.term.settled();
  }

  private onExit(): void {
    this.hasExited = true;
    this.stopper.cancelFollowUp();
    this.input.dispose();
    this.emit(this.masker.flush());
    this.lines.exited();
  }

  private async shutdown(): Promise<void> {
    liveSessions.delete(this);
    await this.place.leave({ exited: () => this.hasExited, busy: () => this.busy, exitCode: () => this.exitCode, childPid: this.child.pid,
      stop: () => this.stop(), write: (data) => this.child.write(data), exitedWithin: (ms) => within(this.exited, ms) });
    await this.stopper.endAll(this.exited, () => this.ownProcesses());
    this.lines.dispose();
    this.input.dispose();
    this.disposed = true;
    this.term.dispose();
    rmSync(this.rcDir, { recursive: true, force: true });
  }

  /** The session's processes on this machine: the shell and what it started, or for a remote one, ssh. */
  private ownProcesses(): processes.ProcessRef[] {
    return this.place.ownProcesses(this.child.pid, this.pid);
  }

  /** The stopper sees the session through this view: its state, without its private fields. */
  private newStopper(): SessionStopper {
    const get = { pid: () => this.pid, hasExited: () => this.hasExited, busy: () => this.busy, goneReason: () => this.goneReason, current: () => this.current };
    return new SessionStopper({ nonce: this.nonce, lines: this.lines, place: this.place, get, setCurrent: (command) => (this.current = command),
      send: (data) => this.send(data), idle: (ms) => this.idle(ms), screen: () => this.screen() });
  }

  private killNowSync(): void {
    processes.signalRefs(this.ownProcesses(), "SIGKILL");
    rmSync(this.rcDir, { recursive: true, force: true });
  }

}

function runsNothing(line: string): boolean {
  const text = line.trim();
  return text === "" || text.startsWith("#");
}

