import { parseArgs, type ParseArgsConfig } from "node:util";
import { DeckError, formatProblem } from "./problem.js";
import { planDeck, lintDeck } from "./index.js";
import { planJson, planOutline } from "./plan/outline.js";
import { RULES, PARSER_RULES } from "./lint/lint.js";

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

const HELP = `labrun: run hands-on workshop decks (container.training-style Markdown slides)

Usage:
  labrun DECK                     step through the deck in the terminal UI
  labrun run DECK [options]       run the deck's steps (--ci: non-interactive)
  labrun plan DECK [--json]       show the steps that would run, without running anything
  labrun lint DECK                check the deck without running anything

DECK is a .md file, a folder of .md files, or a YAML manifest (title, exclude, content).

Exit codes: 0 success, 1 failed steps or lint errors, 2 the deck cannot be read or bad usage.
Run 'labrun lint --help' for the lint rules.`;

const LINT_HELP = `labrun lint DECK: report problems as file:line:col: error|warning: message (rule-id)
Exit 1 when there is an error, 0 otherwise, 2 when the deck cannot be read.
Options: --env NAME (a variable the environment provides; repeatable)

Rules:
${[...Object.entries(PARSER_RULES), ...RULES.map((r) => [r.id, r.description] as const)].map(([id, d]) => `  ${id.padEnd(28)} ${d}`).join("\n")}`;

interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const defaultIo: Io = {
  out: (t) => process.stdout.write(t + "\n"),
  err: (t) => process.stderr.write(t + "\n"),
};

/** Parse argv and run a command; returns the exit code. Never throws for bad input. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof DeckError) {
      io.err(`labrun: ${e.format()}`);
      return EXIT.badInput;
    }
    if (e instanceof UsageError) {
      io.err(`labrun: ${e.message} (see 'labrun --help')`);
      return EXIT.badInput;
    }
    throw e;
  }
}

class UsageError extends Error {}

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options: { help: { type: "boolean", short: "h" }, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split("\n")[0]!);
  }
}

function onlyDeck(positionals: string[], command: string): string {
  if (positionals.length === 0) throw new UsageError(`${command}: which deck? give a .md file, a folder or a YAML manifest`);
  if (positionals.length > 1) throw new UsageError(`${command}: one deck at a time (got ${positionals.join(", ")})`);
  return positionals[0]!;
}

async function dispatch(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    io.out(HELP);
    return EXIT.ok;
  }
  if (command === "--version") {
    io.out("labrun 0.1.0");
    return EXIT.ok;
  }
  switch (command) {
    case "plan":
      return plan(rest, io);
    case "lint":
      return lintCommand(rest, io);
    default:
      if (command.startsWith("-")) throw new UsageError(`unknown option '${command}'`);
      throw new UsageError(`unknown command '${command}'`);
  }
}

async function plan(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: "boolean" } });
  if (values.help) {
    io.out("labrun plan DECK [--json]: the steps that would run, in order, without running anything");
    return EXIT.ok;
  }
  const planned = await planDeck(onlyDeck(positionals, "plan"));
  if (planned.graph.steps.length === 0) io.err(`labrun: ${planned.deck.source}: warning: no steps to run in this deck`);
  for (const p of planned.parsed.problems.filter((p) => p.severity === "error")) io.err(formatProblem(p));
  io.out(values.json ? planJson(planned.graph.steps) : planOutline(planned));
  return EXIT.ok;
}

async function lintCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { env: { type: "string", multiple: true } });
  if (values.help) {
    io.out(LINT_HELP);
    return EXIT.ok;
  }
  const planned = await planDeck(onlyDeck(positionals, "lint"));
  const problems = lintDeck(planned, { env: (values.env ?? []).map((e) => e.split("=")[0]!) });
  for (const p of problems) io.out(formatProblem(p));
  const errors = problems.filter((p) => p.severity === "error").length;
  const warnings = problems.length - errors;
  io.err(`${planned.deck.source}: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`);
  return errors > 0 ? EXIT.failed : EXIT.ok;
}
