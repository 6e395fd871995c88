/**
 * One long-lived interactive bash in a pseudo-terminal, driven the way a
 * person at a terminal drives it, with its screen kept by a headless xterm.
 *
 * Bash reports on itself through invisible OSC escape sequences ("markers")
 * in its prompts: PS0 says a command line was read and starts running, PS2
 * says it wants another line of the same command, PS1 says the command ended
 * and carries its status. Everything is event-driven from those markers.
 */
import pty from "@lydell/node-pty";
import type { IPty } from "@lydell/node-pty";
import xterm from "@xterm/headless";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { Masker } from "./masker.js";
import * as processes from "./processes.js";

const { Terminal } = xterm;
type HeadlessTerminal = InstanceType<typeof Terminal>;

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
}

export interface CommandResult {
  /** First non-zero status of the commands (else 0); null when it never finished (timeout, shell gone). */
  exitCode: number | null;
  /** The status of each command of the text, in order. */
  statuses: number[];
  /** What the commands printed, ANSI stripped, `\r\n` as `\n`, masked. */
  output: string;
  /** What the commands printed as the terminal received it, masked. */
  rawOutput: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunningCommand {
  readonly startedAt: number;
  /** Stripped output since the command started (so far). */
  output(): string;
  /**
   * True as soon as `text` appears in the command's output (ANSI stripped;
   * also tried with whitespace runs collapsed). False on timeout or when the
   * command ended without printing it.
   */
  waitFor(text: string, opts?: { timeoutMs?: number }): Promise<boolean>;
  /** Resolves when the command finishes (prompt back), whatever the cause. */
  readonly done: Promise<CommandResult>;
}

const MARKER_OSC = 7770;
const NONCE_ENV = "LABRUN_SESSION";
const START_TIMEOUT_MS = 10_000;
const DEFAULT_WAIT_MS = 60_000;
/** After ^C on a timeout, how long the prompt may take to come back before the foreground job is killed. */
const INTERRUPT_GRACE_MS = 2_000;
const KILL_GRACE_MS = 2_000;
/** When to check, after an interrupt, for a job that missed it (see followUpInterrupt). */
const INTERRUPT_FOLLOW_UP_MS = [2, 5, 10, 20, 80, 300, 1000];
/** How long a ^C at the prompt may take to bring a fresh prompt, before typing goes on regardless. */
const STRAY_PROMPT_MS = 1_000;
/** A process started this close to an interrupt (in 10 ms ticks) may have been forked but not exec'd when it came. */
const YOUNG_PROCESS_TICKS = 2;
/** On close, how long bash may take to exit after SIGHUP before everything gets SIGKILL. */
const HANGUP_GRACE_MS = 500;

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
  readonly pid: number;
  private readonly term: HeadlessTerminal;
  private readonly masker: Masker;
  private readonly markers: MarkerStream;
  private readonly listeners = new Set<(chunk: string) => void>();
  private readonly idleWaiters = new Set<() => void>();
  private readonly exited: Promise<void>;
  private hasExited = false;
  private closing: Promise<void> | null = null;
  /** Between a start marker and the next done marker: bash is running something. */
  private commandRunning = false;
  /** Markers carry an increasing number: readline re-prints a prompt (resize, ^L) with the same one. */
  private lastMarkerSeq = 0;
  /** The command whose lines are being typed, or whose last line runs. */
  private current: Command | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private unfinishedCommands = 0;
  private lineWaiter: LineWaiter | null = null;
  /** ^C sent so far: tells a prompt that ^C caused from the end of a line typed after it. */
  private interruptsSent = 0;
  private unparsedWrites = 0;
  private interruptFollowUp: NodeJS.Timeout | null = null;
  private strayPromptTimer: NodeJS.Timeout | null = null;
  private readonly settleWaiters = new Set<() => void>();
  private disposed = false;
  /** The screen when the session closed, for reports written afterwards. */
  private lastScreen = "";

  private constructor(
    private readonly child: IPty,
    private readonly nonce: string,
    private readonly rcDir: string,
    opts: SessionOptions,
  ) {
    this.pid = child.pid;
    this.masker = new Masker(opts.mask ?? []);
    this.markers = new MarkerStream(nonce);
    this.term = new Terminal({ cols: child.cols, rows: child.rows, allowProposedApi: true, scrollback: 1000 });
    // Programs query the terminal (cursor position, device attributes) and may wait for the answer.
    this.term.onData((reply) => {
      if (reply !== "" && this.commandRunning && !this.hasExited) this.child.write(reply);
    });
    this.exited = new Promise((resolve) => {
      child.onExit(() => {
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
    const rcDir = mkdtempSync(join(tmpdir(), "labrun-session-"));
    const rcFile = join(rcDir, "bashrc");
    writeFileSync(rcFile, bashRc(nonce));
    let child: IPty;
    try {
      child = pty.spawn(opts.shell ?? "bash", ["--noprofile", "--rcfile", rcFile, "-i"], {
        name: "xterm-256color",
        cols: opts.cols ?? 120,
        rows: opts.rows ?? 40,
        cwd: opts.cwd ?? process.cwd(),
        env: { ...process.env, ...opts.env, TERM: "xterm-256color", INPUTRC: "/dev/null", [NONCE_ENV]: nonce },
      });
    } catch (error) {
      rmSync(rcDir, { recursive: true, force: true });
      throw error;
    }
    const session = new Session(child, nonce, rcDir, opts);
    const firstPrompt = await withTimeout(session.nextLineEnd(false), START_TIMEOUT_MS);
    if (firstPrompt === null || firstPrompt.kind !== "done") {
      const screen = session.screen();
      await session.close();
      throw new Error(`${opts.shell ?? "bash"} did not show its prompt within ${START_TIMEOUT_MS} ms; its screen:\n${screen}`);
    }
    return session;
  }

  get busy(): boolean {
    return this.unfinishedCommands > 0 || this.bashBusy;
  }

  /** Running a command, or about to print the fresh prompt a ^C at the prompt asks for. */
  private get bashBusy(): boolean {
    return !this.hasExited && (this.commandRunning || this.strayPromptTimer !== null);
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
    return result ?? this.stopTimedOut(command);
  }

  /**
   * Types the text line by line, each once bash asked for it, and returns
   * without waiting for the last command to finish. Waits for a command
   * still running first.
   */
  begin(text: string): RunningCommand {
    return this.startCommand(text);
  }

  private startCommand(text: string): Command {
    const command = new Command(() => this.settled());
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

  /** Raw bytes to the terminal, as keys typed by a person. */
  send(data: string): void {
    if (this.hasExited) return;
    // ^C means "stop": lines of the text not typed yet are dropped.
    if (data.includes("\x03")) {
      this.interruptsSent++;
      if (this.current !== null) this.current.aborted = true;
      if (!this.commandRunning && this.lineWaiter === null) this.expectStrayPrompt();
    }
    this.child.write(data);
  }

  /**
   * Stops the running command: ^C on the terminal and, while a job runs in
   * the foreground, SIGINT to bash too, so that a loop or a list stops once
   * its current process ends. Unlike a bare ^C key (`send(keyBytes("^C"))`),
   * the rest of the command text is abandoned even if the program catches
   * SIGINT and exits normally.
   */
  interrupt(): void {
    this.send("\x03");
    if (this.hasExited || !this.commandRunning) return;
    const group = processes.foregroundGroup(this.pid);
    // At its prompt bash owns the terminal; a SIGINT there would print a new prompt and confuse line tracking.
    if (group !== null && group !== this.pid) processes.signal(this.pid, "SIGINT");
    this.followUpInterrupt({
      at: processes.uptimeTicks(),
      groups: new Set([this.pid, group ?? this.pid]),
      resent: new Set(),
    });
  }

  /**
   * A process bash has just forked takes the terminal before it execs the
   * command, and a ^C landing in between is caught by the bash handler it
   * still has: lost, the command runs on. A person would press ^C again.
   * Here, until the prompt is back, a job that took the terminal after the
   * interrupt gets SIGINT, and so does, once, a foreground process started
   * about when the interrupt came (a longer-running one got the ^C).
   */
  private followUpInterrupt(missed: MissedInterrupt, attempt = 0): void {
    this.cancelInterruptFollowUp();
    const delay = INTERRUPT_FOLLOW_UP_MS[attempt];
    if (delay === undefined) return;
    this.interruptFollowUp = setTimeout(() => {
      this.interruptFollowUp = null;
      if (this.hasExited || !this.commandRunning) return;
      this.resendInterrupt(missed);
      this.followUpInterrupt(missed, attempt + 1);
    }, delay);
  }

  private resendInterrupt(missed: MissedInterrupt): void {
    const group = processes.foregroundGroup(this.pid);
    if (group === null || group === this.pid) return;
    if (!missed.groups.has(group)) {
      missed.groups.add(group);
      processes.signal(-group, "SIGINT");
      return;
    }
    for (const pid of processes.groupMembers(group)) {
      const started = processes.readStat(pid)?.startTime ?? 0;
      if (started >= missed.at - YOUNG_PROCESS_TICKS && !missed.resent.has(pid)) {
        missed.resent.add(pid);
        processes.signal(pid, "SIGINT");
      }
    }
  }

  private cancelInterruptFollowUp(): void {
    if (this.interruptFollowUp !== null) clearTimeout(this.interruptFollowUp);
    this.interruptFollowUp = null;
  }

  /** The visible screen: one line per row, trailing spaces and blank rows at the bottom trimmed. */
  screen(): string {
    if (this.disposed) return this.lastScreen;
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < this.term.rows; row++) {
      lines.push(buffer.getLine(buffer.baseY + row)?.translateToString(true).trimEnd() ?? "");
    }
    while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return this.masker.mask(lines.join("\n"));
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
      this.current = command;
      await this.typeLines(command, lines);
      if (this.current === command) this.current = null;
    }
    await this.settled();
    command.finish({ neverFinished: this.hasExited });
    this.unfinishedCommands--;
    this.notifyIdle();
  }

  private async typeLines(command: Command, lines: readonly string[]): Promise<void> {
    let continuing = false;
    for (const line of lines) {
      if (command.aborted || command.finished) return;
      // At the primary prompt, a blank or comment line runs nothing: bash would report a stale $?.
      if (!continuing && runsNothing(line)) continue;
      const end = await this.typeLine(line, !continuing);
      if (end === null) return;
      continuing = command.record(end);
    }
    // The text left bash wanting more (an unfinished heredoc): keys may complete it, ^C cancel it.
    while (continuing && !command.finished) {
      const end = await this.nextLineEnd(false);
      if (end === null) return;
      continuing = command.record(end);
    }
  }

  private typeLine(line: string, atPrimaryPrompt: boolean): Promise<LineEnd | null> {
    const end = this.nextLineEnd(atPrimaryPrompt);
    // Readline would act on control characters (Tab completes): ^V makes it insert the next one as is.
    this.child.write(line.replace(/[\x00-\x1f\x7f]/g, "\x16$&") + "\r");
    return end;
  }

  private nextLineEnd(atPrimaryPrompt: boolean): Promise<LineEnd | null> {
    if (this.hasExited) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.lineWaiter = { resolve, atPrimaryPrompt, started: false, interruptsBefore: this.interruptsSent };
    });
  }

  private endLine(end: LineEnd | null): void {
    const waiter = this.lineWaiter;
    this.lineWaiter = null;
    waiter?.resolve(end);
  }

  /**
   * Bash answers a ^C at its prompt with a fresh prompt, and part of what is
   * typed before that prompt is lost: the next line waits for it (or for a
   * while, should it not come).
   */
  private expectStrayPrompt(): void {
    this.clearStrayPromptTimer();
    this.strayPromptTimer = setTimeout(() => {
      this.strayPromptTimer = null;
      this.notifyIdle();
    }, STRAY_PROMPT_MS);
  }

  private clearStrayPromptTimer(): void {
    if (this.strayPromptTimer !== null) clearTimeout(this.strayPromptTimer);
    this.strayPromptTimer = null;
  }

  /**
   * A ^C reaching bash at its prompt (sent just as a command ended) makes it
   * print a new prompt, status 130: that prompt must not pass for the end of
   * a line typed after the ^C, which bash reads and runs next.
   */
  private isStrayPrompt(status: number): boolean {
    const waiter = this.lineWaiter;
    return (
      waiter !== null &&
      waiter.atPrimaryPrompt &&
      !waiter.started &&
      status === 130 &&
      waiter.interruptsBefore === this.interruptsSent
    );
  }

  private untilNothingRuns(): Promise<void> {
    if (!this.bashBusy) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.bashBusy) return;
        this.idleWaiters.delete(check);
        resolve();
      };
      this.idleWaiters.add(check);
    });
  }

  private notifyIdle(): void {
    for (const notify of [...this.idleWaiters]) notify();
  }

  private async stopTimedOut(command: Command): Promise<CommandResult> {
    command.timedOut = true;
    command.aborted = true;
    this.interrupt();
    const interrupted = await withTimeout(command.done, INTERRUPT_GRACE_MS);
    if (interrupted !== null) return interrupted;
    this.killForeground();
    const killed = await withTimeout(command.done, KILL_GRACE_MS);
    if (killed !== null) return killed;
    // The prompt never came back: give up on this command, the session may be unusable.
    if (this.current === command) {
      this.current = null;
      this.endLine(null);
    }
    command.finish({ neverFinished: true });
    return command.done;
  }

  private killForeground(): void {
    const group = processes.foregroundGroup(this.pid);
    if (group !== null && group !== this.pid) {
      processes.signal(-group, "SIGKILL");
      return;
    }
    // Bash itself is in the foreground: what hangs runs in bash's own group (a command substitution...).
    for (const pid of processes.groupMembers(this.pid)) {
      if (pid !== this.pid) processes.signal(pid, "SIGKILL");
    }
  }

  private onPtyData(data: string): void {
    for (const piece of this.markers.feed(data)) {
      if (piece.kind === "text") {
        this.emit(this.masker.push(piece.text));
      } else {
        this.emit(this.masker.flush());
        this.onMarker(piece);
      }
    }
  }

  /** Hands masked, marker-free terminal output to the screen, the running command and listeners. */
  private emit(chunk: string): void {
    if (chunk === "" || this.disposed) return;
    this.unparsedWrites++;
    // xterm parses a write on a later tick, unless it follows user input: claiming some
    // (an empty one) makes it parse now, so screen() is current without waiting a tick.
    this.term.input("", true);
    this.term.write(chunk, () => this.unparsedWrites--);
    if (this.commandRunning) this.current?.append(chunk);
    for (const listener of this.listeners) listener(chunk);
  }

  private onMarker(marker: Marker): void {
    if (marker.seq <= this.lastMarkerSeq) return;
    this.lastMarkerSeq = marker.seq;
    switch (marker.kind) {
      case "start":
        this.commandRunning = true;
        if (this.lineWaiter !== null) this.lineWaiter.started = true;
        break;
      case "more":
        this.endLine({ kind: "more" });
        break;
      case "done":
        this.commandRunning = false;
        this.cancelInterruptFollowUp();
        this.clearStrayPromptTimer();
        if (!this.isStrayPrompt(marker.status)) this.endLine({ kind: "done", status: marker.status });
        this.notifyIdle();
        break;
    }
  }

  /** Resolves once the headless terminal parsed everything written so far (it parses asynchronously). */
  private settled(): Promise<void> {
    if (this.unparsedWrites === 0 || this.disposed) return Promise.resolve();
    return new Promise((resolve) => {
      this.settleWaiters.add(resolve);
      this.term.write("", () => {
        this.settleWaiters.delete(resolve);
        resolve();
      });
    });
  }

  private onExit(): void {
    this.hasExited = true;
    this.cancelInterruptFollowUp();
    this.clearStrayPromptTimer();
    this.emit(this.masker.flush());
    this.commandRunning = false;
    this.endLine(null);
    this.notifyIdle();
  }

  private async shutdown(): Promise<void> {
    liveSessions.delete(this);
    const found = this.ownProcesses();
    processes.signalRefs(found, "SIGHUP");
    processes.signalRefs(found, "SIGTERM");
    await withTimeout(this.exited, HANGUP_GRACE_MS);
    processes.signalRefs([...found, ...this.ownProcesses()], "SIGKILL");
    await withTimeout(this.exited, KILL_GRACE_MS);
    this.cancelInterruptFollowUp();
    this.clearStrayPromptTimer();
    this.lastScreen = this.screen();
    this.disposed = true;
    this.term.dispose();
    for (const resolve of this.settleWaiters) resolve();
    rmSync(this.rcDir, { recursive: true, force: true });
  }

  private killNowSync(): void {
    processes.signalRefs(this.ownProcesses(), "SIGKILL");
    rmSync(this.rcDir, { recursive: true, force: true });
  }

  /**
   * Bash, its descendants, its session (bash leads one), the terminal's
   * foreground group, and anything that inherited the session's environment
   * marker (`setsid cmd &` leaves the session and the parent tree).
   */
  private ownProcesses(): processes.ProcessRef[] {
    const stats = processes.allStats();
    const pids = [
      this.pid,
      ...processes.descendants(this.pid, stats),
      ...processes.sessionMembers(this.pid, stats),
      ...processes.processesWithEnv(NONCE_ENV, this.nonce, stats.map((stat) => stat.pid)),
    ];
    const foreground = processes.foregroundGroup(this.pid);
    if (foreground !== null) pids.push(...processes.groupMembers(foreground, stats));
    return processes.refsOf(pids.filter((pid) => pid !== process.pid));
  }
}

interface LineWaiter {
  readonly resolve: (end: LineEnd | null) => void;
  /** Typed at PS1, not as the continuation of a command. */
  readonly atPrimaryPrompt: boolean;
  /** Bash started running it (PS0). */
  started: boolean;
  readonly interruptsBefore: number;
}

interface MissedInterrupt {
  /** When the interrupt came, in process start time ticks. */
  readonly at: number;
  /** Process groups that got SIGINT already. */
  readonly groups: Set<number>;
  /** Young processes that got a second SIGINT. */
  readonly resent: Set<number>;
}

type LineEnd = { readonly kind: "more" } | { readonly kind: "done"; readonly status: number };

/** A text typed into the session: its commands' statuses and output. */
class Command implements RunningCommand {
  readonly startedAt = Date.now();
  readonly done: Promise<CommandResult>;
  readonly statuses: number[] = [];
  /** No more lines are typed (^C, timeout). */
  aborted = false;
  timedOut = false;
  private readonly log = new OutputLog();
  private readonly waiters = new Set<PendingWait>();
  private resolveDone: (result: CommandResult) => void = () => {};
  private result: CommandResult | null = null;

  constructor(private readonly settled: () => Promise<void>) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  get finished(): boolean {
    return this.result !== null;
  }

  output(): string {
    return this.log.text.toString();
  }

  waitFor(text: string, opts: { timeoutMs?: number } = {}): Promise<boolean> {
    const search = new TextSearch(text);
    if (search.foundInAll(this.log)) return this.settled().then(() => true);
    if (this.finished) return Promise.resolve(false);
    return new Promise((resolve) => {
      const pending: PendingWait = {
        search,
        end: (found) => {
          clearTimeout(timer);
          this.waiters.delete(pending);
          if (found) void this.settled().then(() => resolve(true));
          else resolve(false);
        },
      };
      const timer = setTimeout(() => pending.end(false), opts.timeoutMs ?? DEFAULT_WAIT_MS);
      this.waiters.add(pending);
    });
  }

  /** Output between a start and a done marker. */
  append(chunk: string): void {
    if (this.finished) return;
    this.log.append(chunk);
    this.checkWaiters();
  }

  /** Returns whether bash wants another line of the same command. */
  record(end: LineEnd): boolean {
    if (end.kind === "more") return true;
    this.statuses.push(end.status);
    return false;
  }

  finish({ neverFinished }: { neverFinished: boolean }): void {
    if (this.result !== null) return;
    this.log.end();
    this.checkWaiters();
    const failed = this.statuses.find((status) => status !== 0);
    this.result = {
      exitCode: neverFinished || this.timedOut ? null : (failed ?? 0),
      statuses: [...this.statuses],
      output: this.log.text.toString(),
      rawOutput: this.log.raw.toString(),
      timedOut: this.timedOut,
      durationMs: Date.now() - this.startedAt,
    };
    for (const pending of [...this.waiters]) pending.end(false);
    this.resolveDone(this.result);
  }

  private checkWaiters(): void {
    for (const pending of [...this.waiters]) {
      if (pending.search.foundInNew(this.log)) pending.end(true);
    }
  }
}

interface PendingWait {
  readonly search: TextSearch;
  end(found: boolean): void;
}

/**
 * A command's output, kept raw and as plain text, the plain text built
 * chunk by chunk (an escape sequence or a `\r\n` split across chunks is
 * carried to the next one) so that waiting on a long stream stays linear.
 * Memory is bounded however much a command prints: see CappedText.
 */
class OutputLog {
  readonly raw = new CappedText();
  readonly text = new CappedText();
  readonly collapsed = new CappedText();
  /** What the last append or end added, for searches that look only at what is new. */
  lastPlain = "";
  lastCollapsed = "";
  private carry = "";

  append(chunk: string): void {
    this.lastPlain = this.lastCollapsed = "";
    this.raw.append(chunk);
    const data = this.carry + chunk;
    const cut = data.length - incompleteTailLength(data);
    this.carry = data.slice(cut);
    this.addPlain(data.slice(0, cut));
  }

  end(): void {
    this.lastPlain = this.lastCollapsed = "";
    this.addPlain(this.carry);
    this.carry = "";
  }

  private addPlain(data: string): void {
    if (data === "") return;
    const plain = plainText(data);
    this.text.append(plain);
    let collapsed = collapseWhitespace(plain);
    if (this.collapsed.endsWith(" ") && collapsed.startsWith(" ")) collapsed = collapsed.slice(1);
    this.collapsed.append(collapsed);
    this.lastPlain = plain;
    this.lastCollapsed = collapsed;
  }
}

/** How much of a command's output is kept: its beginning and its latest part (a `--follow` may run for hours). */
const HEAD_KEPT = 256 * 1024;
const TAIL_KEPT = 1024 * 1024;

/**
 * A growing text of which the first HEAD_KEPT and the last TAIL_KEPT characters
 * are kept, the middle replaced by a note. Offsets are absolute (as if all were kept).
 */
export class CappedText {
  private head = "";
  private tail = "";
  private total = 0;
  /** The last few characters, kept apart: asking a string built by appends flattens it. */
  private last = "";

  constructor(
    private readonly headMax = HEAD_KEPT,
    private readonly tailMax = TAIL_KEPT,
  ) {}

  get length(): number {
    return this.total;
  }

  private get elided(): number {
    return this.total - this.head.length - this.tail.length;
  }

  append(data: string): void {
    this.total += data.length;
    this.last = (this.last + data.slice(-16)).slice(-16);
    if (this.head.length < this.headMax) {
      const room = this.headMax - this.head.length;
      this.head += data.slice(0, room);
      data = data.slice(room);
    }
    if (data === "") return;
    this.tail += data;
    // Trimmed in halves, so each character is copied a bounded number of times.
    if (this.tail.length > 2 * this.tailMax) this.tail = this.tail.slice(this.tail.length - this.tailMax);
  }

  /** For short suffixes (up to 16 characters). */
  endsWith(s: string): boolean {
    return this.last.endsWith(s);
  }

  toString(): string {
    const elided = this.elided;
    return elided === 0 ? this.head + this.tail : `${this.head}\n[labrun: ${elided} characters of output not kept]\n${this.tail}`;
  }
}

/**
 * Looks for a text in a growing OutputLog: once in all of it, then only in what arrives, with
 * the end of what came before (a match may straddle two chunks). Searching the whole log on
 * every chunk would be quadratic: a string built by appends is flattened by each search.
 */
class TextSearch {
  private readonly exact: string;
  private readonly loose: string;
  private exactCarry = "";
  private looseCarry = "";

  constructor(text: string) {
    this.exact = text;
    this.loose = collapseWhitespace(text).trim();
  }

  foundInAll(log: OutputLog): boolean {
    return this.check(log.text.toString(), log.collapsed.toString());
  }

  foundInNew(log: OutputLog): boolean {
    return this.check(this.exactCarry + log.lastPlain, this.looseCarry + log.lastCollapsed);
  }

  private check(text: string, collapsed: string): boolean {
    const found = this.exact === "" || text.includes(this.exact) || (this.loose !== "" && collapsed.includes(this.loose));
    this.exactCarry = text.slice(Math.max(0, text.length - this.exact.length + 1));
    this.looseCarry = collapsed.slice(Math.max(0, collapsed.length - this.loose.length + 1));
    return found;
  }
}

function plainText(raw: string): string {
  return stripVTControlCharacters(raw).replace(/\r\n/g, "\n");
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, " ");
}

const INCOMPLETE_ESCAPE = /^\x1b(?:\[[\x30-\x3f]*[\x20-\x2f]*|\][^\x07\x1b]*\x1b?|[\x20-\x2f]*)$/;

/** Length of an escape sequence, or a `\r` maybe followed by `\n`, cut off at the end of `data`. */
function incompleteTailLength(data: string): number {
  if (data.endsWith("\r")) return 1;
  const escape = data.lastIndexOf("\x1b");
  if (escape < 0 || data.length - escape > 4096) return 0;
  return INCOMPLETE_ESCAPE.test(data.slice(escape)) ? data.length - escape : 0;
}

function runsNothing(line: string): boolean {
  const text = line.trim();
  return text === "" || text.startsWith("#");
}

type Marker =
  | { readonly kind: "start"; readonly seq: number }
  | { readonly kind: "more"; readonly seq: number }
  | { readonly kind: "done"; readonly seq: number; readonly status: number };

type Piece = { readonly kind: "text"; readonly text: string } | Marker;

/** Splits terminal output into text and this session's markers, whichever chunks they arrive in. */
class MarkerStream {
  private readonly prefix: string;
  private pending = "";

  constructor(nonce: string) {
    this.prefix = `\x1b]${MARKER_OSC};${nonce};`;
  }

  feed(chunk: string): Piece[] {
    const data = this.pending + chunk;
    this.pending = "";
    const pieces: Piece[] = [];
    const text = (from: number, to: number): void => {
      if (to > from) pieces.push({ kind: "text", text: data.slice(from, to) });
    };
    let from = 0;
    for (let at = data.indexOf(this.prefix); at >= 0; at = data.indexOf(this.prefix, from)) {
      const end = data.indexOf("\x07", at);
      if (end < 0) {
        text(from, at);
        this.pending = data.slice(at);
        return pieces;
      }
      text(from, at);
      const marker = parseMarker(data.slice(at + this.prefix.length, end));
      if (marker !== null) pieces.push(marker);
      from = end + 1;
    }
    const keep = this.partialPrefixLength(data, from);
    text(from, data.length - keep);
    this.pending = data.slice(data.length - keep);
    return pieces;
  }

  /** Length of a tail of data (after `from`) that could be the start of a marker. */
  private partialPrefixLength(data: string, from: number): number {
    const escape = data.lastIndexOf("\x1b");
    if (escape < from || data.length - escape >= this.prefix.length) return 0;
    return this.prefix.startsWith(data.slice(escape)) ? data.length - escape : 0;
  }
}

function parseMarker(body: string): Marker | null {
  const [kind, seqText, statusText] = body.split(";");
  const seq = Number(seqText);
  if (!Number.isInteger(seq)) return null;
  if (kind === "start" || kind === "more") return { kind, seq };
  const status = Number(statusText);
  if (kind === "done" && Number.isInteger(status)) return { kind, seq, status };
  return null;
}

/**
 * The session's rc file: nothing of the user's, a plain prompt, and the
 * markers. The prompt markers sit inside \[ \] so readline knows they take
 * no room, and PROMPT_COMMAND puts them back if a deck replaces PS0/1/2.
 */
function bashRc(nonce: string): string {
  return String.raw`# Written by labrun for one session.
bind 'set enable-bracketed-paste off' >/dev/null 2>&1
bind 'set input-meta on' >/dev/null 2>&1
bind 'set output-meta on' >/dev/null 2>&1
bind 'set convert-meta off' >/dev/null 2>&1
bind 'set bell-style none' >/dev/null 2>&1
HISTFILE=/dev/null
unset MAILCHECK
__labrun_seq=0
__labrun_start=$'\e]OSC;NONCE;start;$((++__labrun_seq))\a'
__labrun_more=$'\\[\e]OSC;NONCE;more;$((++__labrun_seq))\a\\]'
__labrun_done=$'\\[\e]OSC;NONCE;done;$((++__labrun_seq));$?\a\\]'
__labrun_markers() {
  [[ $PS0 == *"$__labrun_start"* ]] || PS0="$PS0$__labrun_start"
  [[ $PS1 == *"$__labrun_done"* ]] || PS1="$__labrun_done$PS1"
  [[ $PS2 == *"$__labrun_more"* ]] || PS2="$__labrun_more$PS2"
}
PS0="$__labrun_start"
PS1="$__labrun_done"'$ '
PS2="$__labrun_more"'> '
PROMPT_COMMAND=__labrun_markers
`
    .replaceAll("OSC", String(MARKER_OSC))
    .replaceAll("NONCE", nonce);
}

/** The promise's value, or null if it did not settle within `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const NAMED_KEYS: Readonly<Record<string, string>> = {
  Escape: "\x1b",
  Esc: "\x1b",
  Space: " ",
  Enter: "\r",
  Return: "\r",
  Tab: "\t",
  Backspace: "\x7f",
  Delete: "\x1b[3~",
  Up: "\x1b[A",
  Down: "\x1b[B",
  Right: "\x1b[C",
  Left: "\x1b[D",
  Home: "\x1b[H",
  End: "\x1b[F",
  PageUp: "\x1b[5~",
  PageDown: "\x1b[6~",
};

/** `^X` as a control character: `^C` is \x03, `^[` is Escape, `^?` is DEL. */
function controlKey(spec: string): string | null {
  const match = /^\^([@-_a-z?])$/.exec(spec);
  if (match?.[1] === undefined) return null;
  if (match[1] === "?") return "\x7f";
  return String.fromCharCode(match[1].toUpperCase().charCodeAt(0) & 0x1f);
}

function namedKey(spec: string, ignoreCase: boolean): string | null {
  const control = controlKey(spec);
  if (control !== null) return control;
  const name = Object.keys(NAMED_KEYS).find((key) => (ignoreCase ? key.toLowerCase() === spec.toLowerCase() : key === spec));
  return name === undefined ? null : (NAMED_KEYS[name] ?? null);
}

/**
 * The bytes of one key as decks name it (`key` directive): `^C`, `^J` (a
 * line feed), `^[`, `Escape`/`Esc`, `Space`, `Enter`/`Return`, `Tab`,
 * `Backspace`, arrows (`Up`...); names are case-insensitive. Anything else
 * is typed as is.
 */
export function keyBytes(spec: string): string {
  const key = namedKey(spec.trim(), true);
  return key ?? spec;
}

/**
 * The bytes of a `keys TEXT` directive. A text that is one key spec (`^C`,
 * `Escape`, `Enter`..., names case-sensitive here so that words are typed)
 * is that key. Otherwise the text is typed as is, except that a newline in
 * it, and `^J` unless a letter or digit follows (`/^Java` stays a search),
 * mean Enter (\r): so `:wq^J` and a body ending in a newline save in vim.
 */
export function keysBytes(text: string): string {
  const key = namedKey(text.trim(), false);
  if (key !== null) return key;
  return text.replace(/\r?\n/g, "\r").replace(/\^J(?![A-Za-z0-9])/g, "\r");
}
