/**
 * Finding and killing the processes a session started, from Linux's /proc.
 *
 * A shell's children do not all stay its children: `setsid cmd &` or a
 * double fork re-parents them to init, so clean-up looks for a process by
 * several traits (parent chain, session, process group, an environment
 * marker) and kills the union.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface ProcessStat {
  readonly pid: number;
  /** R running, S sleeping, T stopped, Z zombie (dead, waiting to be reaped)... */
  readonly state: string;
  readonly ppid: number;
  readonly pgid: number;
  readonly sid: number;
  /** Foreground process group of the process's controlling terminal (-1 if none). */
  readonly tpgid: number;
  /** Start time in clock ticks since boot: tells a process from a later one reusing its pid. */
  readonly startTime: number;
}

/** Parses /proc/<pid>/stat; null when the process is gone. */
export function readStat(pid: number): ProcessStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself contain ") ".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const field = (n: number): number => Number(fields[n - 3]);
  return { pid, state: fields[0] ?? "?", ppid: field(4), pgid: field(5), sid: field(6), tpgid: field(8), startTime: field(22) };
}

/** Linux reports process start times in USER_HZ ticks, 100 per second on every architecture's ABI. */
export const TICKS_PER_SECOND = 100;

/** Now, in the clock of ProcessStat.startTime: ticks since boot. */
export function uptimeTicks(): number {
  const seconds = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
  return Math.floor(seconds * TICKS_PER_SECOND);
}

/** Every pid currently in /proc. */
export function allPids(): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

export function allStats(): ProcessStat[] {
  return allPids()
    .map(readStat)
    .filter((stat): stat is ProcessStat => stat !== null);
}

/** Every process below `pid` in the parent tree (children, grandchildren...), not `pid` itself. */
export function descendants(pid: number, stats: readonly ProcessStat[] = allStats()): number[] {
  const children = new Map<number, number[]>();
  for (const stat of stats) {
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push(stat.pid);
    children.set(stat.ppid, siblings);
  }
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** The direct children of `pid`. */
export function children(pid: number, stats: readonly ProcessStat[] = allStats()): number[] {
  return stats.filter((stat) => stat.ppid === pid).map((stat) => stat.pid);
}

/** Processes whose session id is `sid` (an interactive bash is the leader of its own session). */
export function sessionMembers(sid: number, stats: readonly ProcessStat[] = allStats()): number[] {
  return stats.filter((stat) => stat.sid === sid).map((stat) => stat.pid);
}

export function groupMembers(pgid: number, stats: readonly ProcessStat[] = allStats()): number[] {
  return stats.filter((stat) => stat.pgid === pgid).map((stat) => stat.pid);
}

/** The foreground process group of the terminal `ttyOwnerPid` controls, or null. */
export function foregroundGroup(ttyOwnerPid: number): number | null {
  const stat = readStat(ttyOwnerPid);
  return stat !== null && stat.tpgid > 0 ? stat.tpgid : null;
}

/** The program a process runs (its /proc exe link), or null when it is gone or not ours. */
export function programOf(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

/**
 * Whether a process sleeps in wait() for a child, from its wchan; null when the kernel does not
 * tell (it shows 0 where kernel addresses are hidden) or the process is gone.
 */
export function waitsForChild(pid: number): boolean | null {
  try {
    const wchan = readFileSync(`/proc/${pid}/wchan`, "utf8").trim();
    return wchan === "" || wchan === "0" ? null : wchan === "do_wait";
  } catch {
    return null;
  }
}

/** The signals a process has handlers for (SigCgt, bit n-1 for signal n), or null when it is gone. */
export function caughtSignals(pid: number): bigint | null {
  try {
    const match = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] === undefined ? null : BigInt(`0x${match[1]}`);
  } catch {
    return null;
  }
}

/** Processes whose environment contains `name=value` (inherited through setsid, nohup, daemonizing). */
export function processesWithEnv(name: string, value: string, pids: readonly number[] = allPids()): number[] {
  const entry = Buffer.from(`${name}=${value}\0`);
  return pids.filter((pid) => {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`);
      return environ.subarray(0, entry.length).equals(entry) || environ.includes(Buffer.concat([Buffer.from("\0"), entry]));
    } catch {
      return false;
    }
  });
}

/** Sends a signal, ignoring processes that are already gone or not ours. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH (gone) or EPERM (not ours, e.g. a setuid helper): nothing to do.
  }
}

/** Kills `pid` and its descendants, found before the first signal so that orphans are not missed. */
export function killTree(pid: number, sig: NodeJS.Signals = "SIGKILL"): void {
  const tree = descendants(pid);
  signal(pid, sig);
  for (const child of tree) signal(child, sig);
}

/** A process seen at some time, to signal later without hitting a new process that reused its pid. */
export interface ProcessRef {
  readonly pid: number;
  readonly startTime: number;
}

export function refsOf(pids: Iterable<number>): ProcessRef[] {
  const refs: ProcessRef[] = [];
  for (const pid of new Set(pids)) {
    const stat = readStat(pid);
    if (stat !== null) refs.push({ pid, startTime: stat.startTime });
  }
  return refs;
}

export function isAlive(ref: ProcessRef): boolean {
  const stat = readStat(ref.pid);
  return stat !== null && stat.startTime === ref.startTime && stat.state !== "Z";
}

/** Exists and is not a zombie. */
export function isLive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== null && stat.state !== "Z";
}

export function signalRefs(refs: readonly ProcessRef[], sig: NodeJS.Signals): void {
  for (const ref of refs) {
    if (isAlive(ref)) signal(ref.pid, sig);
  }
}

/**
 * A session's processes: its shell, the shell's descendants, its session (the shell leads
 * one), the terminal's foreground group, and anything that inherited the session's
 * environment marker (`setsid cmd &` leaves the session and the parent tree).
 */
export function shellProcesses(shellPid: number, envName: string, envValue: string): ProcessRef[] {
  const stats = allStats();
  const pids = [
    shellPid,
    ...descendants(shellPid, stats),
    ...sessionMembers(shellPid, stats),
    ...processesWithEnv(envName, envValue, stats.map((stat) => stat.pid)),
  ];
  const foreground = foregroundGroup(shellPid);
  if (foreground !== null) pids.push(...groupMembers(foreground, stats));
  return refsOf(pids.filter((pid) => pid !== process.pid));
}
