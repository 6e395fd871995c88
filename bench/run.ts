/** `npm run bench [plan|run|shard|versus]`: every benchmark, each against its baseline measured in the same run. */
import { benchPlan } from "./plan.js";
import { benchRunner } from "./runner.js";
import { benchShard } from "./shard.js";
import { benchVersus } from "./versus.js";

const only = process.argv[2];
if (!only || only === "plan") await benchPlan();
if (!only || only === "run") await benchRunner();
if (!only || only === "shard") await benchShard();
if (!only || only === "versus") await benchVersus();
