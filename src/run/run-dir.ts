/**
 * One temp folder per labrun process, `$TMPDIR/labrun-pid<pid>-XXXXXX`, holding its sessions' files
 * (rc file, nonce). Its `owner` file says which process it belongs to; it goes when that process
 * exits. Only SIGKILL leaves it behind: the next labrun to create its own removes the folders of
 * dead owners, after killing what their sessions left running (found by their environment nonce:
 * without a PID namespace, a SIGKILLed labrun could not do it).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NONCE_ENV } from "./markers.js";
import * as processes from "./processes.js";

const PREFIX = "labrun-pid";
const OWNED = /^labrun-pid(\d+)-[^/]+$/;
/** A session's folder records its environment nonce in this file. */
export const NONCE_FILE = "nonce";

let current: string | null = null;

/** This process's temp folder, created (and old ones cleaned) on first use. */
export function runDir(): string {
  if (current !== null && existsSync(current)) return current;
  removeStaleRunDirs();
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  writeFileSync(join(dir, "owner"), `${process.pid} ${processes.readStat(process.pid)?.startTime ?? 0} ${pidNamespace()}\n`);
  if (current === null) process.once("exit", removeRunDir);
  current = dir;
  return dir;
}

/** A new folder for one session in this process's temp folder, with its nonce recorded. */
export function sessionDir(nonce: string): string {
  const dir = mkdtempSync(join(runDir(), "session-"));
  writeFileSync(join(dir, NONCE_FILE), nonce);
  return dir;
}

export function removeRunDir(): void {
  if (current !== null) rmSync(current, { recursive: true, force: true });
}

/**
 * Removes the temp folders of labrun processes that are gone, after SIGKILLing the processes
 * their sessions' nonces still mark. Returns the folders removed.
 */
export function removeStaleRunDirs(parent: string = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = OWNED.exec(name);
    if (owner === null) continue;
    const dir = join(parent, name);
    if (ownerAlive(dir, Number(owner[1]))) continue;
    for (const nonce of nonces(dir)) {
      processes.signalRefs(processes.refsOf(processes.processesWithEnv(NONCE_ENV, nonce)), "SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

function ownerAlive(dir: string, pid: number): boolean {
  let recorded: string;
  try {
    recorded = readFileSync(join(dir, "owner"), "utf8");
  } catch {
    // Being created right now (or not labrun's): not ours to judge.
    return true;
  }
  // Written but not yet whole (another labrun started at the same moment, as shards side by side do): being created.
  if (!recorded.endsWith("\n")) return true;
  const [, startTime, namespace = ""] = recorded.trim().split(" ");
  // A labrun in another PID namespace (one run inside a step of another, a container sharing
  // /tmp) has pids this one cannot see: its folder is not ours to judge.
  // (Folders of labruns older than this record no namespace: judged as before.)
  if (namespace !== "" && namespace !== pidNamespace()) return true;
  const stat = processes.readStat(pid);
  return stat !== null && stat.state !== "Z" && Number(startTime) === stat.startTime;
}

/** This process's PID namespace (`pid:[4026531836]`), or "" where /proc does not say. */
function pidNamespace(): string {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return "";
  }
}

function nonces(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => {
        try {
          return readFileSync(join(dir, entry.name, NONCE_FILE), "utf8").trim();
        } catch {
          return "";
        }
      })
      .filter((nonce) => /^[0-9a-f]+$/.test(nonce));
  } catch {
    return [];
  }
}
