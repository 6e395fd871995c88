/**
 * The whole suite plans with a plan cache of its own (src/plan/plan-cache.ts), as the built CLI
 * does by default: a temp folder, removed at the end. Tests that plan the same deck twice read it
 * back from there. `LABRUN_CACHE=off npm test` runs the suite without it; a LABRUN_CACHE_DIR
 * already set is kept.
 *
 * At the end, the temp folders of labrun processes that are gone are removed (src/run/run-dir.ts):
 * the test workers that drive sessions in-process are such processes, and a worker is ended
 * without its exit handlers running.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeStaleRunDirs } from "../src/run/run-dir.js";

export default function setup(): () => void {
  const own = !process.env.LABRUN_CACHE_DIR && !process.env.LABRUN_CACHE;
  const dir = own ? mkdtempSync(join(tmpdir(), "labrun-test-plans-")) : undefined;
  if (dir) process.env.LABRUN_CACHE_DIR = dir;
  return () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    removeStaleRunDirs();
  };
}
