import { join } from "node:path";
import { visible } from "../visible.js";
import { packageRoot } from "../package-root.js";
// This module is loaded for `run` only (cli.ts): the runner's modules load with it, in one piece.
import { runDeck } from "../run/run-deck.js";
import { containmentReady, prefetchContainment } from "../run/containment.js";
import { STOP_SIGNALS } from "../run/signals.js";
import { missingPrograms } from "../run/preflight.js";
import { Masker } from "../run/masker.js";
import { CiReporter } from "../report/ci-reporter.js";
import { JsonReporter } from "../report/json-reporter.js";
import { GithubReporter } from "../report/github-reporter.js";
import { AsciicastReporter } from "../report/asciicast-reporter.js";
import { planDeck } from "../plan/plan-deck.js";
import { formatProblem, limitErrors, refusalLine, structuralErrors } from "../problem.js";
import { selectSteps } from "../graph/select.js";
import { DEFAULT_MUTATING, nodeChanges } from "../graph/from.js";
import type { RunDeckOptions } from "../run/run-deck.js";
import type { Reporter } from "../run/result.js";
import type { ShardPlan } from "../graph/select.js";
import { formatDuration } from "../report/format.js";
import { orConnectionError, readyHost, SSH_HELP, SSH_OPTIONS, sshTarget } from "./ssh-options.js";
import { EXIT, type Io, isTruthy, maskValues, noStepsLine, onlyDeck, parse, parseEnv, SELECTION_OPTIONS, seconds, selection, UsageError, withCatchUpValue } from "./args.js";

const RUN_HELP = `labrun run DECK [options]: run the deck's steps in a real shell

  --ci                 non-interactive: one line per step and a summary (also when stdout is
                       not a terminal, CI=true, or a report, recording, --keep-going or
                       --retries is asked for); otherwise, in a terminal, the step-by-step UI
  --keep-going         do not stop at the first failure
  --strict-expectations
                       every expected output that does not match fails its step (by default,
                       loose expectations, that labrun is not sure are outputs, only warn)
  --reporter json|html with --output FILE: a report of every step; json: the JSON report;
                       html: one self-contained page (chapter > slide > step, output in
                       colour, diffs, the slides, the recording playable in place, a failure
                       filter) that opens offline. Repeatable, in pairs:
                       --reporter json --output r.json --reporter html --output r.html
  --output FILE        where the report of the --reporter before it goes
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
  --transcripts        transcript mode (also \`transcripts: true\` in labrun.yml): \`$ cmd\` blocks outside
                       exercises run too; the lines under a command are its expected output,
                       a \`^C\` line is the key that stops it, an error it shows (\`command not
                       found\`, \`No such file or directory\`...) means it must fail
  --mask VAR           VAR's value never appears in output, reports or recordings (repeatable)
  --no-preflight       do not stop when programs the deck calls are missing
${SSH_HELP}
  --restart            in the terminal UI: start over instead of offering to resume
  --force              run a deck with structural errors (a fence, comment or macro never
                       closed, an empty keys/key/copy/wait); without it such a deck stops
                       before anything runs, with exit 2 (a slide nested too deep or with
                       too many markers stops it even with --force)
  --update             rewrite in the slides each strict expected output that did not match
                       with what the command printed (placeholders that still match kept);
                       a failed expectation does not stop the run; implies --ci; exit 0 when
                       every failure was an expected output now rewritten
  --source-url URL     in the HTML report, link each step to URL + file + #L + line (a forge:
                       https://github.com/OWNER/REPO/blob/main/); else to the file on disk
  --retries N          try a failed or timed-out step again, up to N times, after a pause
                       (1 s, then twice as long each time): commands that only read (not
                       matching the deck's mutating patterns, as for --from) and the checks
                       (wait, expect, check, open); a step that passes on a retry is flaky
  --shard I/N          run the I-th of N parts of the course (contiguous, cut between slides,
                       balanced by expected time), after replaying the earlier steps it needs
                       (as --from does); replayed steps are marked catch-up, not counted as
                       this shard's results; merge the shards' JSON reports with merge-reports
  --durations FILE     with --shard: balance by the step durations of an earlier JSON report
                       (else waits and longwaits count more than commands, manual steps nothing)

Exit codes: 0 all passed, 1 a step failed or timed out, 2 bad input or missing programs;
130, 143, 129 stopped by SIGINT, SIGTERM, SIGHUP (the running step is reported interrupted,
the rest skipped, every report and recording still written).`;

export async function runCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(withCatchUpValue(argv), {
    ...SELECTION_OPTIONS,
    ci: { type: "boolean" },
    "keep-going": { type: "boolean" },
    "strict-expectations": { type: "boolean" },
    reporter: { type: "string", multiple: true },
    output: { type: "string", multiple: true },
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
    update: { type: "boolean" },
    "source-url": { type: "string" },
    retries: { type: "string" },
    transcripts: { type: "boolean" },
    ...SSH_OPTIONS,
  });
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT.ok;
  }
  const source = onlyDeck(positionals, "run");
  const reports = reportOutputs(values.reporter ?? [], values.output ?? []);
  if (values["source-url"] !== undefined && !reports.some((r) => r.reporter === "html")) throw new UsageError("run: --source-url is for the HTML report: add --reporter html --output FILE");
  const retries = retryCount(values.retries);
  const ssh = sshTarget(values);
  const env = parseEnv(values.env ?? []);
  const fullEnv = { ...process.env, ...env } as Record<string, string>;
  const mask = maskValues("run", values.mask ?? [], fullEnv);
  // Whether shells get a PID namespace is probed by a process of its own, while the deck is planned.
  if (!ssh) prefetchContainment();
  // What this command prints itself (the deck's problems, the catch-up) is masked too; the run masks the rest.
  const masker = new Masker(mask);
  // Its lines quote the deck (titles, programs): control characters shown, never obeyed.
  const err = (line: string): void => io.err(visible(masker.mask(line)));
  const planned = await planDeck(source, { transcripts: values.transcripts });
  const errors = planned.parsed.problems.filter((p) => p.severity === "error");
  for (const p of errors) err(formatProblem(p));
  const broken = structuralErrors(errors);
  if (broken.length > 0 && (!values.force || limitErrors(errors).length > 0)) {
    err(refusalLine(source, broken));
    return EXIT.badInput;
  }
  const selected = selectSteps(planned, await selection(values));
  const { steps, catchUp } = selected;
  if (catchUp) Object.assign(env, Object.fromEntries(Object.entries(catchUp.env).filter(([k]) => !(k in env))));
  if (selected.shard) err(shardLine(selected.shard, selected.from?.catchUp.length ?? 0));
  else if (selected.from) err(`labrun: catching up: ${selected.from.catchUp.length} earlier steps before "${selected.from.target.title}" (slide ${selected.from.target.slide})`);
  if (steps.length === 0 && values.only) {
    io.err(`labrun: ${source}: no steps to run (nothing matches --only)`);
    return EXIT.badInput;
  }
  // Reports and recordings belong to non-interactive runs: asking for one chooses --ci.
  const wantsCi = values.ci || reports.length > 0 || values.junit !== undefined || values.record !== undefined || values["keep-going"] || values.update || retries > 0 || selected.shard !== undefined;
  const interactive = !wantsCi && process.stdout.isTTY === true && process.stdin.isTTY === true && !isTruthy(process.env.CI);
  // A deck with nothing to run (a shard with no steps likewise) is a run that passes: its reports still say so.
  const nothingToRun = steps.length === 0 && !selected.shard ? noStepsLine(planned) : undefined;
  if (nothingToRun) {
    io.err(nothingToRun);
    if (interactive) return EXIT.ok;
  }
  // A remote host is reached once before anything runs: a host that cannot be reached, or lacks
  // the deck's programs, stops the run here, in one line.
  const runnable = steps.filter((s) => !selected.skip.has(s.id));
  const host = ssh ? await orConnectionError(() => readyHost(ssh, runnable, planned.graph.facts, env), err) : undefined;
  if (host === null) return EXIT.badInput;
  // Said here, once, before the UI owns the screen: whether a step's processes can escape the run.
  if (host?.namespaceNote) err(host.namespaceNote);
  else if (!host) await containmentReady((line) => io.err(line));
  const baseOptions = {
    env,
    cwd: values.cwd,
    stepTimeoutMs: seconds(values["step-timeout"], "--step-timeout") ?? planned.deck.config.stepTimeout * 1000,
    prompts: planned.deck.config.prompts,
    runTimeoutMs: seconds(values.timeout, "--timeout"),
    skip: selected.skip,
    strictExpectations: values["strict-expectations"] ?? false,
    ...(catchUp ? { replace: catchUp.replace } : {}),
    ...(ssh ? { ssh } : {}),
    mask,
  };
  if (interactive) {
    const { runUi } = await import("../ui/run-ui.js");
    // Saved progress goes there: a state folder that cannot hold it is bad input, said before anything runs.
    const { defaultStateDir, stateDirProblem } = await import("../ui/progress-store.js");
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
    const remoteMissing = host ? { remoteMissing: [...new Set(host.missing.map((m) => m.program))] } : {};
    return runUi({ force: values.force, source, planned, steps, runOptions: baseOptions, restart: values.restart || replayFirst > 0, replayFirst, tourDeck: tourDeck(), ...remoteMissing });
  }
  if (!values["no-preflight"]) {
    const missing = host ? host.missing : missingPrograms(runnable, planned.graph.facts, fullEnv.PATH);
    if (missing.length) {
      io.err(`labrun: ${source}: the deck calls programs that are not on PATH${host ? ` on ${ssh!.given}` : ""} (run with --no-preflight to go on anyway):`);
      for (const m of missing) err(`  ${m.program}  (first at ${m.step.file}:${m.step.line})`);
      return EXIT.badInput;
    }
  }
  // A terminal that goes away (SIGHUP) makes writes to it fail: the files asked for are still written.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  // A shard's catch-up is marked as such, and left out of its results (the shard that owns those steps reports them).
  const replayed = selected.shard ? selected.replayed : new Set<string>();
  const reporters: Reporter[] = [new CiReporter(process.stdout, { color, catchUp: replayed, mask })];
  const deck = { title: masker.mask(planned.deck.title), source: masker.mask(source) };
  const shard = selected.shard ? { index: selected.shard.index, total: selected.shard.total } : undefined;
  const note = selected.shard && steps.length === 0 ? noStepsNote(selected.shard) : nothingToRun ? "no steps to run in this deck" : undefined;
  const context = { deck, ...(shard ? { shard } : {}), catchUp: replayed, ...(note ? { note } : {}) };
  // The JUnit and HTML writers (and what they use) load only when asked for.
  const jsonReports = reports.filter((r) => r.reporter === "json");
  for (const report of jsonReports) reporters.push(new JsonReporter(report.output, context));
  if (values.junit) {
    const { JunitReporter } = await import("../report/junit-reporter.js");
    const junit = new JunitReporter(values.junit, { name: masker.mask(planned.deck.title) });
    reporters.push({ onRunEnd: (results, summary) => junit.onRunEnd(results.filter((r) => !replayed.has(r.step.id)), summary) });
  }
  if (process.env.GITHUB_ACTIONS === "true") reporters.push(new GithubReporter(process.stdout, mask));
  const cols = 120;
  const rows = 40;
  if (values.record) reporters.push(new AsciicastReporter(values.record, { cols, rows, title: masker.mask(planned.deck.title), mask }));
  const htmlReports = reports.filter((r) => r.reporter === "html");
  if (htmlReports.length > 0) {
    const { HtmlReporter, slideMarkdown } = await import("../report/html-report.js");
    const slides = slideMarkdown(planned, (text) => masker.mask(text));
    const sourceUrl = values["source-url"];
    for (const report of htmlReports) {
      reporters.push(new HtmlReporter(report.output, { cols, rows, title: masker.mask(planned.deck.title), slides, context, mask, ...(sourceUrl !== undefined ? { sourceUrl } : {}) }));
    }
  }
  const options: RunDeckOptions = {
    ...baseOptions,
    keepGoing: values["keep-going"],
    ...(values.update ? { goOnAfterExpectations: true } : {}),
    ...(retries > 0 ? { retry: { retries, nodeChanges: nodeChanges(steps, planned.graph.facts, planned.deck.config.mutating ?? DEFAULT_MUTATING) } } : {}),
    reporters,
    cols,
    rows,
  };
  const { summary, signal, results } = await runDeck(steps, options);
  // Stopped by a signal: every report was written, and the exit code says which signal (130, 143, 129).
  if (signal) {
    if (values.update) io.err("labrun: --update: the run was stopped: no slide was changed");
    return STOP_SIGNALS[signal];
  }
  if (values.update) return (await import("./run-update.js")).updateAfterRun(planned.parsed, steps, results, mask.length > 0, io);
  return summary.failed + summary.timedOut > 0 ? EXIT.failed : EXIT.ok;
}

const REPORTERS = ["json", "html"] as const;
type ReporterName = (typeof REPORTERS)[number];

/** `--reporter R --output F` pairs, in order: each reporter writes the file given after it. */
function reportOutputs(names: readonly string[], outputs: readonly string[]): { reporter: ReporterName; output: string }[] {
  for (const name of names) {
    if (!(REPORTERS as readonly string[]).includes(name)) throw new UsageError(`run: unknown reporter '${name}' (json or html)`);
  }
  if (names.length > outputs.length) throw new UsageError(`run: --reporter ${names[outputs.length]} needs --output FILE`);
  if (outputs.length > names.length) {
    // `--output F` alone has always meant the JSON report.
    if (names.length === 0 && outputs.length === 1) return [{ reporter: "json", output: outputs[0]! }];
    throw new UsageError(`run: --output ${outputs[names.length]} has no --reporter before it`);
  }
  return names.map((name, i) => ({ reporter: name as ReporterName, output: outputs[i]! }));
}

/** `labrun: shard 2/3: slides 14-27, 35 steps, after replaying 5 earlier steps`. */
function shardLine(shard: ShardPlan, replaying: number): string {
  const head = `labrun: shard ${shard.index}/${shard.total}`;
  if (shard.steps.length === 0) return `${head}: ${noStepsNote(shard)}`;
  const first = shard.steps[0]!.slide;
  const last = shard.steps.at(-1)!.slide;
  const slides = first === last ? `slide ${first}` : `slides ${first}-${last}`;
  const expected = formatDuration(shard.expectedMs[shard.index - 1] ?? 0);
  return `${head}: ${slides}, ${shard.steps.length} step${shard.steps.length === 1 ? "" : "s"} (about ${expected})${replaying ? `, after replaying ${replaying} earlier step${replaying === 1 ? "" : "s"}` : ""}`;
}

function noStepsNote(shard: ShardPlan): string {
  return `no steps: the course has ${shard.slides} slide${shard.slides === 1 ? "" : "s"} with steps, for ${shard.total} shards`;
}

/** The short deck that runs on any machine with bash, offered when a deck's programs are missing. */
const tourDeck = (): string => join(packageRoot(), "slides", "tour.md");

/** `--retries N`: a whole number, 0 (the default) for none. */
function retryCount(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`--retries ${value}: expected a whole number of retries (0 or more)`);
  return n;
}
