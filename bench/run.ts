/** `npm run bench [plan|run|shard|versus|ssh]`: every benchmark, each against its baseline measured in the same run. */
import { benchPlan } from "./plan.js";
import { benchRunner } from "./runner.js";
import { benchShard } from "./shard.js";
import { benchVersus } from "./versus.js";
import { benchSsh } from "./ssh.js";

const only = process.argv[2];
if (!only || only === "plan") await benchPlan();
if (!only || only === "run") await benchRunner();
if (!only || only === "shard") await benchShard();
if (!only || only === "versus") await benchVersus();
if (!only || only === "ssh") await benchSsh();
