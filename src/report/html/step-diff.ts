import { matchExpected } from "../../run/expect-match.js";
import { assertionDiff } from "../format.js";

/**
 * The diff of an expectation when the report does not carry the runner's (a JSON report holds
 * expected and actual only): matched again as the runner matches, wildcards and all, so that
 * the lines shown as different are the ones that were. (Without the block's language, JSON and
 * regex blocks are compared as text.)
 */
export function stepDiff(expected: string, actual: string): string {
  const match = matchExpected(expected, actual);
  return match.diff !== undefined && match.diff !== "" ? match.diff : assertionDiff({ expected, actual, passed: false });
}
