/** `npm run bench [plan|run|shard|versus|ssh]`: every benchmark, each against its baseline measured in the same run. */
import { benchPlan } from "./plan.js";
import { benchRunner } from "./runner.js";
import { benchShard } from "./shard.js";
import { benchVersus } from "./versus.js";
import { benchSsh } from "./ssh.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The built labrun caches its plans (src/plan/plan-cache.ts): here in a folder of the run's own,
// not the user's (`plan` measures making plans: it turns the cache off; `versus` measures both).
const plans = mkdtempSync(join(tmpdir(), "labrun-bench-plans-"));
process.env.LABRUN_CACHE_DIR = plans;
try {
  const only = process.argv[2];
  if (!only || only === "plan") await benchPlan();
  if (!only || only === "run") await benchRunner();
  if (!only || only === "shard") await benchShard();
  if (!only || only === "versus") await benchVersus();
  if (!only || only === "ssh") await benchSsh();
} finally {
  rmSync(plans, { recursive: true, force: true });
}
