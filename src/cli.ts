/** The command line: dispatch to a command (src/cli/*-command.ts), usage errors as one line. */
import { existsSync } from "node:fs";
import { DeckError } from "./problem.js";
import { EXIT, type Io, UsageError } from "./cli/args.js";

export { EXIT } from "./cli/args.js";

const HELP = `labrun: run hands-on workshop decks (container.training-style Markdown slides)

Usage:
  labrun DECK                     step through the deck in the terminal UI
  labrun run DECK [options]       run the deck's steps (--ci: non-interactive)
  labrun plan DECK [--json]       show the steps that would run, without running anything
  labrun lint DECK                check the deck without running anything
  labrun watch DECK [options]     on each save, run the slides whose steps changed (q to quit)
  labrun merge-reports FILES...   one report from the JSON reports of a run's shards (run --shard I/N)

DECK is a .md file, a folder of .md files, or a YAML course manifest (title, exclude, content or chapters).

Exit codes: 0 success, 1 failed steps or lint errors, 2 the deck cannot be read or bad usage.
Run 'labrun lint --help' for the lint rules.`;

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
  // Each command's modules load when it runs: `--help` or `plan` never pay for the runner or the UI.
  switch (command) {
    case "plan":
      return (await import("./cli/plan-command.js")).planCommand(rest, io);
    case "lint":
      return (await import("./cli/lint-command.js")).lintCommand(rest, io);
    case "run":
      return (await import("./cli/run-command.js")).runCommand(rest, io);
    case "watch":
      return (await import("./cli/watch-command.js")).watchCommand(rest, io);
    case "merge-reports":
      return (await import("./cli/merge-reports-command.js")).mergeReportsCommand(rest, io);
    default:
      if (command.startsWith("-")) throw new UsageError(`unknown option '${command}'`);
      // `labrun DECK`: the attendee's way in (the UI in a terminal, --ci otherwise).
      if (existsSync(command) || /\.(md|ya?ml)$/i.test(command) || command.includes("/")) return (await import("./cli/run-command.js")).runCommand(argv, io);
      throw new UsageError(`unknown command '${command}'`);
  }
}

