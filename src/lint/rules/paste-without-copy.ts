import type { LintRule } from "../rule.js";

export const pasteWithoutCopy: LintRule = {
  id: "paste-without-copy",
  description: "a paste directive with no copy before it: the clipboard would be empty",
  check({ graph }) {
    let copied = false;
    return graph.steps.flatMap((s) => {
      if (s.kind === "copy") copied = true;
      if (s.kind !== "paste" || copied) return [];
      return [{ file: s.file, line: s.line, column: s.column, severity: "error" as const, message: "'paste' with no 'copy' before it", ruleId: this.id }];
    });
  },
};
