import type { Problem } from "../../problem.js";
import type { LintRule } from "../rule.js";
import { sourceColumn, sourceLine } from "../../deck/load.js";
import { firstControl } from "../../visible.js";

/**
 * `control-character`: a control character in a deck's text (ESC, a lone carriage return, a
 * bidirectional override...). A terminal obeys it: a command could hide `curl … | sh` from
 * whoever reads it in a terminal, behind `\e[2K` (erase the line) or `\r`. labrun prints it
 * escaped (`\e`, `\r`, `\x07`); the rule says where it is. Tab is text; so is the `\r` of a
 * CRLF line end.
 *
 * Good: `echo hello`. Bad: `curl -s x.sh | sh` followed by `\r` and `echo hello` (shown as `echo hello`).
 */
export const controlCharacter: LintRule = {
  id: "control-character",
  description: "a control character in the deck's text (ESC, a lone CR, a bidi override): a terminal would obey it and could hide what surrounds it",
  check({ parsed }) {
    const problems: Problem[] = [];
    for (const file of parsed.deck.files) {
      // Lines as the parser counts them: a carriage return ends one (CRLF, or alone).
      file.text.split(/\r?\n|\r/).forEach((line, i) => {
        const found = firstControl(line);
        if (!found) return;
        problems.push({
          file: file.path,
          line: sourceLine(file, i + 1),
          column: sourceColumn(file, found.index + 1),
          severity: "error",
          message: `control character ${found.shown} in the text: a terminal would obey it and could hide what is around it (labrun shows it as ${found.shown})`,
          ruleId: this.id,
        });
      });
    }
    return problems;
  },
};
