import type { LintRule } from "../rule.js";

/** `@@CHAT@@` with no `chat:` in the manifest stays as is in the slides (and in commands); so does an include of a missing file. */
export const placeholderUnfilled: LintRule = {
  id: "placeholder-unfilled",
  description: "a @@X@@ placeholder the manifest gives no value, or an @@INCLUDE[path] of a missing file",
  check({ parsed }) {
    return parsed.unfilled.map((p) => ({
      file: p.file,
      line: p.line,
      column: p.column,
      severity: "warning" as const,
      message: p.reason,
      ruleId: this.id,
    }));
  },
};
