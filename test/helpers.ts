import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { onTestFinished } from "vitest";
import { execa } from "execa";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
export const fixture = (...p: string[]) => join(ROOT, "fixtures", ...p);
export const slides = (...p: string[]) => join(ROOT, "slides", ...p);

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI (from source, through tsx) as a user would. */
export async function cli(args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await execa(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts"), ...args], {
    cwd: opts.cwd ?? ROOT,
    env: opts.env,
    timeout: opts.timeoutMs ?? 120_000,
    reject: false,
    stripFinalNewline: false,
    stdin: "ignore",
  });
  return { code: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** A temp folder that goes when the current test ends, passed or failed (call it inside a test). */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
