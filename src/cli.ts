import { parseArgs, type ParseArgsConfig } from "node:util";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DeckError, formatProblem, limitErrors, refusalLine, structuralErrors } from "./problem.js";
import { planDeck, lintDeck } from "./index.js";
import { planJson, planOutline } from "./plan/outline.js";
import { selectSteps, type Selection } from "./graph/select.js";
import { RULES, PARSER_RULES } from "./lint/lint.js";
import type { RunDeckOptions } from "./run/run-deck.js";
import type { Reporter } from "./run/result.js";

export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

const HELP = `labrun: run hands-on workshop decks (container.training-style Markdown slides)

Usage:
  labrun DECK                     step through the deck in the terminal UI
  labrun run DECK [options]       run the deck's steps (--ci: non-interactive)
  labrun plan DECK [--json]       show the steps that would run, without running anything
  labrun lint DECK                check the deck without running anything

DECK is a .md file, a folder of .md files, or a YAML course manifest (title, exclude, content or chapters).

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
    const message = (e as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new UsageError(unknown ? `unknown option '${unknown[1]}'` : message.split("\n")[0]!);
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
    case "run":
      return runCommand(rest, io);
    default:
      if (command.startsWith("-")) throw new UsageError(`unknown option '${command}'`);
      // `labrun DECK`: the attendee's way in (the UI in a terminal, --ci otherwise).
      if (existsSync(command) || /\.(md|ya?ml)$/i.test(command) || command.includes("/")) return runCommand(argv, io);
      throw new UsageError(`unknown command '${command}'`);
  }
}

async function plan(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(withCatchUpValue(argv), { json: { type: "boolean" }, ...SELECTION_OPTIONS });
  if (values.help) {
    io.out(`labrun plan DECK [--json] [--from SLIDE] [--catch-up [PROFILE]] [--only ID|SLIDE]...
  the steps that would run, in order, without running anything; with --from, the earlier steps
  that would be replayed first to bring the node to the state the slide assumes
  exit 1 (the plan is still printed) when the deck has structural errors that 'run' refuses`);
    return EXIT.ok;
  }
  const planned = await planDeck(onlyDeck(positionals, "plan"));
  // A slide past the parser's limits was not parsed: there is no plan to show.
  const overLimits = limitErrors(planned.parsed.problems);
  if (overLimits.length > 0) {
    for (const p of overLimits) io.err(formatProblem(p));
    return EXIT.badInput;
  }
  const selected = selectSteps(planned, selection(values));
  if (planned.graph.steps.length === 0) io.err(`labrun: ${planned.deck.source}: warning: no steps to run in this deck`);
  for (const p of planned.parsed.problems.filter((p) => p.severity === "error")) io.err(formatProblem(p));
  io.out(values.json ? planJson(selected.steps, selected) : planOutline(planned, selected));
  // The plan is still printed (it shows what the broken structure would run), but a deck that
  // `run` would refuse is not a success.
  const broken = structuralErrors(planned.parsed.problems);
  if (broken.length > 0) {
    io.err(`labrun: ${planned.deck.source}: ${broken.length} structural error${broken.length === 1 ? "" : "s"}: 'run' refuses this deck without --force`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

/** --catch-up, --from, --only: shared by plan and run. */
const SELECTION_OPTIONS = {
  "catch-up": { type: "string" },
  "skip-extra": { type: "boolean" },
  from: { type: "string" },
  only: { type: "string", multiple: true },
} as const;

function selection(values: { "catch-up"?: string; from?: string; only?: string[]; "skip-extra"?: boolean }): Selection {
  const catchUp = values["catch-up"];
  return { only: values.only, from: values.from, skipExtra: values["skip-extra"], ...(catchUp !== undefined ? { catchUp: catchUp === "" ? true : catchUp } : {}) };
}

/**
 * `--catch-up` takes an optional profile name: bare (last, or before another option or before
 * the deck's path) it means the deck's default profile.
 */
function withCatchUpValue(argv: readonly string[]): string[] {
  return argv.map((arg, i) => {
    if (arg !== "--catch-up") return arg;
    const next = argv[i + 1];
    const isName = next !== undefined && !next.startsWith("-") && !existsSync(next) && !/[/\\]|\.(md|ya?ml)$/i.test(next);
    return isName ? arg : "--catch-up=";
  });
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

const RUN_HELP = `labrun run DECK [options]: run the deck's steps in a real shell

  --ci                 non-interactive: one line per step and a summary (also when stdout is
                       not a terminal, CI=true, or a report, recording or --keep-going is asked
                       for); otherwise, in a terminal, the step-by-step UI
  --keep-going         do not stop at the first failure
  --strict-expectations
                       every expected output that does not match fails its step (by default,
                       loose expectations, that labrun is not sure are outputs, only warn)
  --reporter json      with --output FILE: a JSON report of every step
  --output FILE        where the JSON report goes
  --junit FILE         a JUnit XML report (a testsuite per chapter)
  --record FILE        record the session as an asciicast v2 file (asciinema play FILE)
  --env KEY=VALUE      set a variable in the shell (repeatable)
  --cwd DIR            the shell's starting directory
  --step-timeout S     per step (default 60; longwait: ten times this)
  --timeout S          for the whole run
  --only ID|SLIDE      run only this step id, slide number or slide title (repeatable)
  --catch-up [PROFILE] apply a catch-up profile of the deck's labrun.yml (default: the deck's
                       default profile, or its only one): its variables, its skipped steps
  --skip-extra         skip the steps of optional slides (class: extra-details)
  --from SLIDE         start at a slide (number, title, or step id): first replay the earlier
                       steps it needs (variables, cwd, panes, and what changes the cluster or
                       the node), then go on from there
  --mask VAR           VAR's value never appears in output, reports or recordings (repeatable)
  --no-preflight       do not stop when programs the deck calls are missing
  --restart            in the terminal UI: start over instead of offering to resume
  --force              run a deck with structural errors (a fence, comment or macro never
                       closed, an empty keys/key/copy/wait); without it such a deck stops
                       before anything runs, with exit 2 (a slide nested too deep or with
                       too many markers stops it even with --force)

Exit codes: 0 all passed, 1 a step failed or timed out, 2 bad input or missing programs;
130, 143, 129 stopped by SIGINT, SIGTERM, SIGHUP (the running step is reported interrupted,
the rest skipped, every report and recording still written).`;

async function runCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(withCatchUpValue(argv), {
    ...SELECTION_OPTIONS,
    ci: { type: "boolean" },
    "keep-going": { type: "boolean" },
    "strict-expectations": { type: "boolean" },
    reporter: { type: "string" },
    output: { type: "string" },
    junit: { type: "string" },
    record: { type: "string" },
    env: { type: "string", multiple: true },
    cwd: { type: "string" },
    "step-timeout": { type: "string" },
    timeout: { type: "string" },
    mask: { type: "string", multiple: true },
    "no-preflight": { type: "boolean" },
    restart: { type: "boolean" },
    force: { type: "boolean" },
  });
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT.ok;
  }
  const source = onlyDeck(positionals, "run");
  if (values.reporter !== undefined && values.reporter !== "json") throw new UsageError(`run: unknown reporter '${values.reporter}' (json is the one there is)`);
  if (values.reporter && !values.output) throw new UsageError("run: --reporter json needs --output FILE");
  const env = parseEnv(values.env ?? []);
  const fullEnv = { ...process.env, ...env } as Record<string, string>;
  const mask = (values.mask ?? []).map((name) => {
    const value = fullEnv[name];
    if (value === undefined) throw new UsageError(`run: --mask ${name}: no such variable in the environment or --env`);
    return value;
  });
  // Loaded here, not at the top: plan and lint never load the terminal machinery.
  const { runDeck } = await import("./run/run-deck.js");
  const { STOP_SIGNALS } = await import("./run/signals.js");
  const { missingPrograms } = await import("./run/preflight.js");
  const { CiReporter } = await import("./report/ci-reporter.js");
  const { JsonReporter } = await import("./report/json-reporter.js");
  const { JunitReporter } = await import("./report/junit-reporter.js");
  const { GithubReporter } = await import("./report/github-reporter.js");
  const { AsciicastReporter } = await import("./report/asciicast-reporter.js");
  const { Masker } = await import("./run/masker.js");
  // What this command prints itself (the deck's problems, the catch-up) is masked too; the run masks the rest.
  const masker = new Masker(mask);
  const err = (line: string): void => io.err(masker.mask(line));
  const planned = await planDeck(source);
  const errors = planned.parsed.problems.filter((p) => p.severity === "error");
  for (const p of errors) err(formatProblem(p));
  const broken = structuralErrors(errors);
  if (broken.length > 0 && (!values.force || limitErrors(errors).length > 0)) {
    err(refusalLine(source, broken));
    return EXIT.badInput;
  }
  const selected = selectSteps(planned, selection(values));
  const { steps, catchUp } = selected;
  if (catchUp) Object.assign(env, Object.fromEntries(Object.entries(catchUp.env).filter(([k]) => !(k in env))));
  if (selected.from) err(`labrun: catching up: ${selected.from.catchUp.length} earlier steps before "${selected.from.target.title}" (slide ${selected.from.target.slide})`);
  if (steps.length === 0) {
    io.err(`labrun: ${source}: no steps to run${values.only ? " (nothing matches --only)" : ""}`);
    return EXIT.badInput;
  }
  // Reports and recordings belong to non-interactive runs: asking for one chooses --ci.
  const wantsCi = values.ci || values.output !== undefined || values.junit !== undefined || values.record !== undefined || values["keep-going"];
  const interactive = !wantsCi && process.stdout.isTTY === true && process.stdin.isTTY === true && !isTruthy(process.env.CI);
  // Said here, once, before the UI owns the screen: whether a step's processes can escape the run.
  (await import("./run/containment.js")).containment((line) => io.err(line));
  const baseOptions = {
    env,
    cwd: values.cwd,
    stepTimeoutMs: seconds(values["step-timeout"], "--step-timeout") ?? planned.deck.config.stepTimeout * 1000,
    prompts: planned.deck.config.prompts,
    runTimeoutMs: seconds(values.timeout, "--timeout"),
    skip: selected.skip,
    strictExpectations: values["strict-expectations"] ?? false,
    ...(catchUp ? { replace: catchUp.replace } : {}),
    mask,
  };
  if (interactive) {
    const { runUi } = await import("./ui/run-ui.js");
    // Saved progress goes there: a state folder that cannot hold it is bad input, said before anything runs.
    const { defaultStateDir, stateDirProblem } = await import("./ui/progress-store.js");
    const stateDir = defaultStateDir();
    const stateProblem = stateDirProblem(stateDir);
    if (stateProblem) {
      const where = process.env.LABRUN_STATE_DIR ? `LABRUN_STATE_DIR=${stateDir}` : process.env.XDG_STATE_HOME ? `XDG_STATE_HOME=${process.env.XDG_STATE_HOME}` : stateDir;
      io.err(`labrun: ${where}: ${stateProblem}`);
      return EXIT.badInput;
    }
    // The UI runs its own preflight: it says what is missing and offers the bundled tour deck.
    const replayFirst = selected.from?.catchUp.length ?? 0;
    // A --from run starts from the replay, not from saved progress.
    return runUi({ force: values.force, source, planned, steps, runOptions: baseOptions, restart: values.restart || replayFirst > 0, replayFirst, tourDeck: TOUR_DECK });
  }
  if (!values["no-preflight"]) {
    const missing = missingPrograms(steps.filter((s) => !selected.skip.has(s.id)), planned.graph.facts, fullEnv.PATH);
    if (missing.length) {
      io.err(`labrun: ${source}: the deck calls programs that are not on PATH (run with --no-preflight to go on anyway):`);
      for (const m of missing) err(`  ${m.program}  (first at ${m.step.file}:${m.step.line})`);
      return EXIT.badInput;
    }
  }
  // A terminal that goes away (SIGHUP) makes writes to it fail: the files asked for are still written.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const reporters: Reporter[] = [new CiReporter(process.stdout, { color })];
  if (values.output) reporters.push(new JsonReporter(values.output));
  if (values.junit) reporters.push(new JunitReporter(values.junit, { name: masker.mask(planned.deck.title) }));
  if (process.env.GITHUB_ACTIONS === "true") reporters.push(new GithubReporter(process.stdout));
  const cols = 120;
  const rows = 40;
  if (values.record) reporters.push(new AsciicastReporter(values.record, { cols, rows, title: masker.mask(planned.deck.title) }));
  const options: RunDeckOptions = {
    ...baseOptions,
    keepGoing: values["keep-going"],
    reporters,
    cols,
    rows,
  };
  const { summary, signal } = await runDeck(steps, options);
  // Stopped by a signal: every report was written, and the exit code says which signal (130, 143, 129).
  if (signal) return STOP_SIGNALS[signal];
  return summary.failed + summary.timedOut > 0 ? EXIT.failed : EXIT.ok;
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

/** The short deck that runs on any machine with bash, offered when a deck's programs are missing. */
const TOUR_DECK = fileURLToPath(new URL("../slides/tour.md", import.meta.url));

function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--env ${pair}: expected KEY=VALUE`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function seconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} ${value}: expected a number of seconds`);
  return n * 1000;
}
