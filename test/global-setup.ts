/**
 * The whole suite plans with a plan cache of its own (src/plan/plan-cache.ts), as the built CLI
 * does by default: a temp folder, removed at the end. Tests that plan the same deck twice read it
 * back from there. `LABRUN_CACHE=off npm test` runs the suite without it; a LABRUN_CACHE_DIR
 * already set is kept.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): (() => void) | undefined {
  if (process.env.LABRUN_CACHE_DIR || process.env.LABRUN_CACHE) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "labrun-test-plans-"));
  process.env.LABRUN_CACHE_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
