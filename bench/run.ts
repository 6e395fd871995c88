/** `npm run bench`: every benchmark, each against its baseline measured in the same run. */
import { benchPlan } from "./plan.js";

const only = process.argv[2];
if (!only || only === "plan") await benchPlan();
