import { readdirSync, readFileSync } from "node:fs";
import { allPids, isLive } from "../src/run/processes.js";

/**
 * Live (not zombie) processes whose command line or environment contains `token`, read from the
 * host's /proc: pids a step writes are its PID namespace's, meaningless out here.
 */
export function processesWith(token: string): number[] {
  const wanted = Buffer.from(token);
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        if (stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z") return false;
        return readFileSync(`/proc/${pid}/cmdline`).includes(wanted) || readFileSync(`/proc/${pid}/environ`).includes(wanted);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** SIGKILLs what `processesWith(token)` finds: a failed test leaves nothing running either. */
export function killProcessesWith(token: string): void {
  for (const pid of processesWith(token)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
}

/** Live (not zombie) processes whose command line is exactly `args`. */
export function processesRunning(...args: string[]): number[] {
  const wanted = args.join("\0") + "\0";
  return allPids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8") === wanted && isLive(pid);
    } catch {
      return false;
    }
  });
}
