/**
 * How a session stops what runs in its shell: ^C as a person would, SIGINT for a job that
 * missed it (interrupt.ts), and once the grace time is over, SIGKILL for the job in the
 * terminal's foreground. Used by a step's timeout, by stop() and on close (which also ends
 * the shell and everything it started).
 */
import type { Command, CommandResult } from "./command.js";
import { foregroundJob, InterruptFollowUp } from "./interrupt.js";
import type { LineTracker } from "./line-tracker.js";
import { NESTED_ENV } from "./markers.js";
import * as processes from "./processes.js";
import type { ShellPlace } from "./shell-place.js";
import { withTimeout } from "./with-timeout.js";

/** After ^C on a timeout, how long the prompt may take to come back before the foreground job is killed. */
const INTERRUPT_GRACE_MS = 2_000;
const KILL_GRACE_MS = 2_000;
/** On close, how long bash may take to exit after SIGHUP before everything gets SIGKILL. */
const HANGUP_GRACE_MS = 500;
/** A ^C for a line just typed waits this long at most for bash to start running it (its start marker). */
const START_WAIT_MS = 1_000;
/** Then, this long at most after the start marker, for the job to hold the terminal: bash's builtins and loops never hand it over. */
const JOB_WAIT_MS = 500;
/** Pauses between two looks at the terminal's foreground job, the last one repeated. */
const LOOK_MS = [1, 2, 4, 8, 16, 25];

/** What the stopper needs of its session. */
export interface Stoppable {
  readonly nonce: string;
  readonly lines: LineTracker;
  readonly place: ShellPlace;
  /** Its state now: bash's pid (as this process sees it), the command being typed or running... */
  readonly get: {
    pid(): number;
    hasExited(): boolean;
    busy(): boolean;
    goneReason(): string | undefined;
    current(): Command | null;
  };
  setCurrent(command: Command | null): void;
  /** Keys to the terminal (session.send). */
  send(data: string): void;
  idle(timeoutMs: number): Promise<boolean>;
  screen(): string;
}

/** A nested shell as it was found, on this machine: what its programs are told apart by. */
interface NestedShell {
  /** The terminal's foreground group at its first prompt: it runs the shell (the shell, or `docker`, `ssh`...). */
  readonly group: number | null;
  /** When it was found, in process start time ticks: its programs started after. */
  readonly since: number;
}

/** A ^C waiting for the command it stops to run its job (see interrupt()). */
interface PendingInterrupt {
  readonly command: Command;
  /** Until then the start marker is awaited. */
  readonly startBy: number;
  /** Keys sent meanwhile, typed after it. */
  readonly held: string[];
  looks: number;
  timer: NodeJS.Timeout | null;
}

export class SessionStopper {
  private readonly followUp: InterruptFollowUp;
  private pending: PendingInterrupt | null = null;
  /** The nested shells found, by level (index 0: level 1); deeper ones than the tracker's depth have exited. */
  private readonly nested: NestedShell[] = [];

  constructor(private readonly session: Stoppable) {
    this.followUp = new InterruptFollowUp(() => session.get.pid(), () => !session.get.hasExited() && session.lines.commandRunning);
  }

  /**
   * An interrupt was for the command it stopped: neither its follow-up nor a ^C still waiting for
   * the job may land once the prompt is back or the next command is typed.
   */
  cancelFollowUp(): void {
    this.followUp.cancel();
    this.dropPending();
  }

  /** The line tracker found a nested shell at `level` (its prompt shows). */
  nestedShellFound(level: number): void {
    if (!this.session.place.local) return;
    this.nested.length = level - 1;
    this.nested.push({ group: processes.foregroundGroup(this.session.get.pid()), since: processes.uptimeTicks() });
  }

  /**
   * See Session.interrupt(). A ^C typed right after a line reaches bash's readline, which drops
   * the line, or the job between fork and exec, which drops the ^C; so a ^C for a command that
   * has just been typed waits (bounded) for bash to start it and, on this machine, for its job to
   * hold the terminal and run its own programs. Keys sent meanwhile follow it.
   */
  interrupt(): void {
    const { session } = this;
    if (this.pending !== null) return;
    const command = session.get.current();
    const { lines } = session;
    const fresh = lines.commandRunning && session.place.local && Date.now() - lines.startedAt < JOB_WAIT_MS;
    if (command === null || command.finished || session.get.hasExited() || lines.depth > 0 || !(lines.awaitingStart || fresh)) {
      this.interruptNow();
      return;
    }
    this.pending = { command, startBy: Date.now() + START_WAIT_MS, held: [], looks: 0, timer: null };
    this.lookForJob();
  }

  /** The pending ^C goes out once its job runs, or once waiting for it is over; not if its command ended meanwhile. */
  private lookForJob(): void {
    const pending = this.pending;
    if (pending === null) return;
    const { session } = this;
    const { lines } = session;
    if (pending.command.finished || session.get.hasExited()) return this.dropPending();
    const waiting = lines.awaitingStart
      ? Date.now() < pending.startBy
      : lines.commandRunning && lines.depth === 0 && session.place.local && Date.now() - lines.startedAt < JOB_WAIT_MS;
    const job = session.place.local && lines.commandRunning ? foregroundJob(session.get.pid()) : null;
    if (waiting && job === null) {
      pending.timer = setTimeout(() => this.lookForJob(), LOOK_MS[Math.min(pending.looks++, LOOK_MS.length - 1)]);
      return;
    }
    this.pending = null;
    this.interruptNow(job?.pids);
    for (const data of pending.held) session.send(data);
  }

  private dropPending(): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    if (pending.timer !== null) clearTimeout(pending.timer);
    for (const data of pending.held) this.session.send(data);
  }

  /** Keeps keys sent while a ^C waits for its job (session.send): true if they were kept. */
  held(data: string): boolean {
    this.pending?.held.push(data);
    return this.pending !== null;
  }

  /** ^C now, and for a job that may miss it, SIGINT (interrupt.ts); `reached`: processes known to get the ^C. */
  private interruptNow(reached: readonly number[] = []): void {
    const { session } = this;
    session.send("\x03");
    // In a nested shell, the ^C is the nested shell's business: a signal to bash would hit what runs it.
    // On a remote host, the ^C is all there is (its processes are not this machine's).
    if (session.get.hasExited() || !session.lines.commandRunning || session.lines.depth > 0 || !session.place.local) return;
    const group = processes.foregroundGroup(session.get.pid());
    // At its prompt bash owns the terminal; a SIGINT there would print a new prompt and confuse line tracking.
    // Bash hears of it later, if the job is still running (InterruptFollowUp.tellShell).
    this.followUp.start(group, reached, group !== null && group !== session.get.pid());
  }

  /** See Session.stop(). */
  async stop(): Promise<void> {
    const { session } = this;
    if (!session.get.busy() || session.get.hasExited()) return;
    const current = session.get.current();
    if (current !== null) current.aborted = true;
    this.interrupt();
    if (await session.idle(INTERRUPT_GRACE_MS)) return;
    await this.killForeground();
    await session.idle(KILL_GRACE_MS);
  }

  /** On close, once the place let the shell go: SIGHUP and SIGTERM to the session's processes, then SIGKILL. */
  async endAll(exited: Promise<void>, own: () => processes.ProcessRef[]): Promise<void> {
    const found = own();
    processes.signalRefs(found, "SIGHUP");
    processes.signalRefs(found, "SIGTERM");
    await withTimeout(exited, HANGUP_GRACE_MS);
    processes.signalRefs([...found, ...own()], "SIGKILL");
    await withTimeout(exited, KILL_GRACE_MS);
    this.followUp.cancel();
  }

  /** A command's time is up: it is stopped (interrupted, then killed) and resolves with its result. */
  async stopTimedOut(command: Command): Promise<CommandResult> {
    const { session } = this;
    command.lastScreenLine = session.screen().split("\n").pop() ?? "";
    command.shellWithoutMarkers = session.lines.settingUpShell;
    command.timedOut = true;
    command.aborted = true;
    this.interrupt();
    const interrupted = await withTimeout(command.done, INTERRUPT_GRACE_MS);
    if (interrupted !== null) return interrupted;
    await this.killForeground();
    const killed = await withTimeout(command.done, KILL_GRACE_MS);
    if (killed !== null) return killed;
    // The prompt never came back: give up on this command, the session may be unusable.
    if (session.get.current() === command) {
      session.setCurrent(null);
      session.lines.endLine(null);
    }
    command.finish({ neverFinished: true, shellGone: session.get.goneReason() });
    return command.done;
  }

  /**
   * SIGKILLs the job in the terminal's foreground (on the host, for a remote session). In a
   * nested shell, the job is the one that shell runs in the foreground of its own terminal
   * (a container's, whose shell the terminal's foreground `docker` runs): never what runs the
   * shell, which would end it and leave the lines after typed into the shell around it.
   */
  private async killForeground(): Promise<void> {
    const { session } = this;
    if (session.get.hasExited()) return;
    const depth = session.lines.depth;
    if (depth === 0 || !session.place.local) return session.place.killForeground(session.get.pid());
    if (this.killNestedForeground(depth)) return;
    const group = processes.foregroundGroup(session.get.pid());
    const runsShell = this.nested.slice(0, depth).some((shell) => shell.group === group);
    if (group !== null && group !== session.get.pid() && !runsShell) processes.signal(-group, "SIGKILL");
  }

  /** Kills the foreground jobs of the nested shell at `depth`, found by NESTED_ENV; false if none is found. */
  private killNestedForeground(depth: number): boolean {
    const since = this.nested[depth - 1]?.since ?? 0;
    const leaders = processes.allStats().filter((stat) => stat.tpgid > 0 && stat.pgid === stat.tpgid && stat.state !== "Z" && stat.startTime >= since);
    const marked = processes.processesWithEnv(NESTED_ENV, `${this.session.nonce}-${depth}`, leaders.map((stat) => stat.pid));
    const groups = new Set(leaders.filter((stat) => marked.includes(stat.pid)).map((stat) => stat.pgid));
    for (const group of groups) processes.signal(-group, "SIGKILL");
    return groups.size > 0;
  }
}
