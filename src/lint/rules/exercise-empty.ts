import type { LintRule } from "../rule.js";

export const exerciseEmpty: LintRule = {
  id: "exercise-empty",
  description: "an exercise with nothing to run (no bash block and no directive)",
  check({ parsed }) {
    return parsed.emptyExercises.map((e) => ({
      file: e.file,
      line: e.line,
      column: e.column,
      severity: "warning" as const,
      message: `.${e.name}[ has nothing to run: no \`\`\`bash block and no directive`,
      ruleId: this.id,
    }));
  },
};
