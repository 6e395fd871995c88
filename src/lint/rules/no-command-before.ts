import { COMMAND_KINDS } from "../../graph/step.js";
import type { LintRule } from "../rule.js";

/** wait, longwait, key, keys and check act on the command before them; an expectation checks its output. */
export const noCommandBefore: LintRule = {
  id: "no-command-before",
  description: "wait/longwait/key/keys/check (error) or an expected output (warning) with no command before it",
  check({ graph }) {
    let seenCommand = false;
    return graph.steps.flatMap((s) => {
      if (COMMAND_KINDS.has(s.kind)) seenCommand = true;
      const acts = ["wait", "longwait", "key", "keys", "check", "expect"].includes(s.kind);
      if (!acts || seenCommand) return [];
      const severity = s.kind === "expect" ? ("warning" as const) : ("error" as const);
      const what = s.kind === "expect" ? "expected output" : `'${s.kind}'`;
      return [{ file: s.file, line: s.line, column: s.column, severity, message: `${what} has no command before it to act on`, ruleId: this.id }];
    });
  },
};
