// Watching every process's command line (/proc/*/cmdline, what `ps` shows every user) for a secret.
import { readdirSync, readFileSync } from "node:fs";

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The command lines of all processes that hold `secret`, as is or base64-encoded (at any offset),
 * but `except`'s: that process (labrun, whose own command line the person typed) and its forks
 * before they exec (the same command line).
 */
export function commandLinesWith(secret: string, except?: number): string[] {
  const found: string[] = [];
  const own = except === undefined ? undefined : commandLine(except);
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const line = commandLine(pid);
    if (line === undefined || (own !== undefined && line === own)) continue;
    const args = line.split("\0");
    const decoded = args.flatMap((a) => [0, 1, 2, 3].map((shift) => Buffer.from(a.slice(shift), "base64").toString("latin1")));
    if ([...args, ...decoded].some((a) => a.includes(secret))) found.push(`${pid}: ${args.join(" ")}`);
  }
  return found;
}

/** Samples every process's command line every few ms until `done` settles; resolves with what held the secret. */
export async function watchCommandLines(secret: string, except: number | undefined, done: Promise<unknown>): Promise<string[]> {
  const found = new Set<string>();
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished) {
    for (const line of commandLinesWith(secret, except)) found.add(line);
    await new Promise((r) => setTimeout(r, 20));
  }
  return [...found];
}
