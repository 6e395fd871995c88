import type { LintRule } from "../rule.js";

/** A variable a command needs ($X, ${X}, "$X"; not ${X-default}) that no earlier step defines. */
export const undefinedVariable: LintRule = {
  id: "undefined-variable",
  description: "a variable used before any step defines it (and the environment does not provide it)",
  check({ graph, knownVariables }) {
    const defined = new Set<string>();
    const reported = new Set<string>();
    return graph.steps.flatMap((s) => {
      const facts = graph.facts.get(s.id);
      if (!facts) return [];
      const missing = facts.uses.filter((v) => !defined.has(v) && !knownVariables.has(v) && !reported.has(v));
      for (const v of facts.defines) defined.add(v);
      for (const v of missing) reported.add(v);
      return missing.map((v) => ({
        file: s.file,
        line: s.line,
        column: s.column,
        severity: "error" as const,
        message: `$${v} is used before any step defines it`,
        ruleId: this.id,
      }));
    });
  },
};
