import * as processes from "./processes.js";

/** When to check, after an interrupt, for a job that missed it. */
const FOLLOW_UP_MS = [2, 5, 10, 20, 80, 300, 1000];
/** A process started this close to an interrupt (in 10 ms ticks) may have been forked but not exec'd when it came. */
const YOUNG_PROCESS_TICKS = 2;

interface MissedInterrupt {
  /** When the interrupt came, in process start time ticks. */
  readonly at: number;
  /** Process groups that got SIGINT already. */
  readonly groups: Set<number>;
  /** Young processes that got a second SIGINT. */
  readonly resent: Set<number>;
  /** The job bash waits for when the interrupt came, which bash is to hear of too (null: not, or done). */
  shellJob: number | null;
}

/** How long after the ^C bash gets its SIGINT, if the job it waits for is still there. */
const SHELL_SIGINT_AFTER_MS = 20;

/**
 * A process bash has just forked takes the terminal before it execs the
 * command, and a ^C landing in between is caught by the bash handler it
 * still has: lost, the command runs on. A person would press ^C again.
 * Here, until the prompt is back, a job that took the terminal after the
 * interrupt gets SIGINT, and so does, once, a foreground process started
 * about when the interrupt came (a longer-running one got the ^C).
 */
export class InterruptFollowUp {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Bash's pid: known once it prompted (containment.ts). */
    private readonly shellPid: () => number,
    /** False once the prompt is back (or the shell gone): the follow-up stops. */
    private readonly stillRunning: () => boolean,
  ) {}

  /**
   * Called right after ^C went to the terminal; `group` was the foreground group then, `reached`
   * the processes known to have got it (foregroundJob): none of them gets a second SIGINT.
   */
  start(group: number | null, reached: readonly number[] = [], tellShell = false): void {
    this.schedule({ at: processes.uptimeTicks(), groups: new Set([this.shellPid(), group ?? this.shellPid()]), resent: new Set(reached), shellJob: tellShell ? group : null }, 0);
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(missed: MissedInterrupt, attempt: number, elapsed = 0): void {
    this.cancel();
    const delay = FOLLOW_UP_MS[attempt];
    if (delay === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stillRunning()) return;
      if (elapsed + delay >= SHELL_SIGINT_AFTER_MS) this.tellShell(missed);
      this.resend(missed);
      this.schedule(missed, attempt + 1, elapsed + delay);
    }, delay);
  }

  /**
   * SIGINT to bash too, so that a loop whose program handles ^C itself ends, once the job had time
   * to die of the ^C: only while bash still waits for that same job. Sent at once, it could land
   * after the job died and bash prompted again, where readline drops what is being typed
   * (`echo done` ran as `cho done`).
   */
  private tellShell(missed: MissedInterrupt): void {
    const job = missed.shellJob;
    if (job === null) return;
    missed.shellJob = null;
    const shellPid = this.shellPid();
    if (processes.foregroundGroup(shellPid) === job && processes.waitsForChild(shellPid) !== false) processes.signal(shellPid, "SIGINT");
  }

  private resend(missed: MissedInterrupt): void {
    const shellPid = this.shellPid();
    const group = processes.foregroundGroup(shellPid);
    if (group === null || group === shellPid) return;
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
}

/**
 * The terminal's foreground job, once a ^C typed on the terminal reaches it: its group and its
 * processes. Null while bash itself holds the terminal (the job is not forked yet, or bash runs
 * a builtin), or while a process of the job is still a copy of bash that has not exec'd its
 * program: it runs bash's SIGINT handler, which swallows the ^C. (A subshell has handlers of its
 * own and children; a nested interactive bash looks like such a copy, and is waited for in vain.)
 */
export function foregroundJob(shellPid: number): { readonly group: number; readonly pids: readonly number[] } | null {
  const group = processes.foregroundGroup(shellPid);
  if (group === null || group === shellPid) return null;
  const program = processes.programOf(shellPid);
  const caught = processes.caughtSignals(shellPid);
  const stats = processes.allStats();
  const pids = processes.groupMembers(group, stats);
  const forkedShell = (pid: number): boolean =>
    processes.programOf(pid) === program && processes.caughtSignals(pid) === caught && processes.children(pid, stats).length === 0;
  if (pids.length === 0 || (program !== null && pids.some(forkedShell))) return null;
  return { group, pids };
}

/** SIGKILLs what hangs in the foreground of the shell's terminal. */
export function killForeground(shellPid: number): void {
  const group = processes.foregroundGroup(shellPid);
  if (group !== null && group !== shellPid) {
    processes.signal(-group, "SIGKILL");
    return;
  }
  // Bash itself is in the foreground: what hangs runs in bash's own group (a command substitution...).
  for (const pid of processes.groupMembers(shellPid)) {
    if (pid !== shellPid) processes.signal(pid, "SIGKILL");
  }
}
