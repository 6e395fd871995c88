import { analyzeShell } from "../../graph/shell.js";
import type { LintRule } from "../rule.js";
import { looseShellText } from "../loose-shell.js";

/** Shell blocks outside exercises are never run; if one looks like commands to type, it was probably meant to be. */
export const commandOutsideExercise: LintRule = {
  id: "command-outside-exercise",
  description: "a shell block outside any exercise that looks like a command to run (never run)",
  check({ parsed }) {
    return parsed.looseBlocks.flatMap((b) => {
      const facts = analyzeShell(looseShellText(b));
      if (facts.syntaxError || (facts.commands.length === 0 && facts.defines.length === 0 && !facts.changesCwd)) return [];
      return [
        {
          file: b.file,
          line: b.line,
          column: b.column,
          severity: "warning" as const,
          message: `this ${b.lang} block is outside any exercise, so it is never run (put it in .exercise[ or .lab[ if attendees should run it)`,
          ruleId: this.id,
        },
      ];
    });
  },
};
