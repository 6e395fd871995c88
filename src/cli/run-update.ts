/** `labrun run DECK --update`: after the run, the failed expectations rewritten in the slides, and a summary. */
import type { Step } from "../graph/step.js";
import type { ParsedDeck } from "../parse/parse-deck.js";
import type { StepResult } from "../run/result.js";
import type { StaleExpectation } from "../update/plan-updates.js";
import { EXIT, type Io } from "./args.js";

/**
 * Rewrites what can be and prints what was (and what was not, with why). `steps` are the real
 * (unmasked) steps the run was given, `results` its (masked) results, in the same order. Exit 0
 * when every failure was an expectation now rewritten, else 1.
 */
export async function updateAfterRun(parsed: ParsedDeck, steps: readonly Step[], results: readonly StepResult[], masking: boolean, io: Io): Promise<number> {
  const raw = new Map(parsed.steps.map((s) => [s.id, s]));
  const stale: StaleExpectation[] = [];
  results.forEach((result, i) => {
    const step = steps[i]!;
    if (step.kind !== "expect" || result.status !== "failed" || !result.assertions.some((a) => !a.passed)) return;
    stale.push({
      where: `${step.file}:${step.line}`,
      expected: step.text,
      ...(step.lang ? { lang: step.lang } : {}),
      ...(step.fragment ? { fragment: true } : {}),
      block: raw.get(step.id)?.expectedBlock,
      actual: result.output,
      masking,
    });
  });
  const { updateExpectations } = await import("../update/apply-updates.js");
  const outcome = await updateExpectations(stale);
  const n = outcome.updated.length;
  if (stale.length === 0) io.out("labrun: --update: no expected output to update");
  else io.out(`labrun: --update: ${n} expected output${n === 1 ? "" : "s"} updated${outcome.refused.length ? `, ${outcome.refused.length} left as ${outcome.refused.length === 1 ? "it is" : "they are"}` : ""}`);
  for (const where of outcome.updated) io.out(`  updated  ${where}`);
  for (const r of outcome.refused) io.out(`  left     ${r.where}: ${r.reason}`);
  const unresolved = results.some((r, i) => (r.status === "failed" || r.status === "timedOut") && !outcome.updatedWhere.has(`${steps[i]!.file}:${steps[i]!.line}`));
  return unresolved ? EXIT.failed : EXIT.ok;
}
