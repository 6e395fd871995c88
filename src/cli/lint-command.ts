import { planDeck } from "../plan/plan-deck.js";
import { lintDeck } from "../lint/lint-deck.js";
import { formatProblem } from "../problem.js";
import { RULES, PARSER_RULES } from "../lint/lint.js";
import { EXIT, type Io, onlyDeck, parse } from "./args.js";

const LINT_HELP = `labrun lint DECK: report problems as file:line:col: error|warning: message (rule-id)
Exit 1 when there is an error, 0 otherwise, 2 when the deck cannot be read.
Options: --env NAME (a variable the environment provides; repeatable)
         --transcripts (transcript mode, as for run: \`$ cmd\` blocks outside exercises are steps too)

Rules:
${[...Object.entries(PARSER_RULES), ...RULES.map((r) => [r.id, r.description] as const)].map(([id, d]) => `  ${id.padEnd(28)} ${d}`).join("\n")}`;

export async function lintCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { env: { type: "string", multiple: true }, transcripts: { type: "boolean" } });
  if (values.help) {
    io.out(LINT_HELP);
    return EXIT.ok;
  }
  const planned = await planDeck(onlyDeck(positionals, "lint"), { transcripts: values.transcripts });
  const problems = lintDeck(planned, { env: (values.env ?? []).map((e) => e.split("=")[0]!) });
  for (const p of problems) io.out(formatProblem(p));
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  io.err(`${planned.deck.source}: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`);
  return errors > 0 ? EXIT.failed : EXIT.ok;
}

