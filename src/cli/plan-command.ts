import { planDeck } from "../plan/plan-deck.js";
import { formatProblem, limitErrors, structuralErrors } from "../problem.js";
import { planJson, planOutline } from "../plan/outline.js";
import { selectSteps } from "../graph/select.js";
import { visible } from "../visible.js";
import { orConnectionError, readyHost, SSH_OPTIONS, sshTarget } from "./ssh-options.js";
import { EXIT, noStepsLine, parseEnv, type Io, onlyDeck, parse, SELECTION_OPTIONS, selection, withCatchUpValue } from "./args.js";

export async function planCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(withCatchUpValue(argv), { json: { type: "boolean" }, env: { type: "string", multiple: true }, transcripts: { type: "boolean" }, ...SELECTION_OPTIONS, ...SSH_OPTIONS });
  if (values.help) {
    io.out(`labrun plan DECK [--json] [--from SLIDE] [--catch-up [PROFILE]] [--only ID|SLIDE]...
  the steps that would run, in order, without running anything; with --from, the earlier steps
  that would be replayed first to bring the node to the state the slide assumes
  exit 1 (the plan is still printed) when the deck has structural errors that 'run' refuses
  --transcripts: transcript mode (as for run): \`$ cmd\` blocks outside exercises are steps too
  --ssh [USER@]HOST[:PORT] (with --ssh-option NAME=VALUE, --ssh-identity FILE, --env KEY=VALUE,
  as for run): also connect to the host and look the steps' programs up there (preflight);
  exit 2 if it cannot be reached or lacks some`);
    return EXIT.ok;
  }
  const ssh = sshTarget(values);
  const planned = await planDeck(onlyDeck(positionals, "plan"), { transcripts: values.transcripts });
  // A slide past the parser's limits was not parsed: there is no plan to show.
  const overLimits = limitErrors(planned.parsed.problems);
  if (overLimits.length > 0) {
    for (const p of overLimits) io.err(formatProblem(p));
    return EXIT.badInput;
  }
  const selected = selectSteps(planned, await selection(values));
  if (planned.graph.steps.length === 0) io.err(noStepsLine(planned));
  for (const p of planned.parsed.problems.filter((p) => p.severity === "error")) io.err(formatProblem(p));
  io.out(values.json ? planJson(selected.steps, selected) : planOutline(planned, selected));
  if (ssh) {
    const runnable = selected.steps.filter((s) => !selected.skip.has(s.id));
    const host = await orConnectionError(() => readyHost(ssh, runnable, planned.graph.facts, parseEnv(values.env ?? [])), io.err);
    if (host === null) return EXIT.badInput;
    if (host.namespaceNote) io.err(host.namespaceNote);
    if (host.missing.length > 0) {
      io.err(`labrun: ${planned.deck.source}: the deck calls programs that are not on PATH on ${ssh.given}:`);
      for (const m of host.missing) io.err(visible(`  ${m.program}  (first at ${m.step.file}:${m.step.line})`));
      return EXIT.badInput;
    }
    io.err(`labrun: ${ssh.given}: reachable, and every program the steps call is there`);
  }
  // The plan is still printed (it shows what the broken structure would run), but a deck that
  // `run` would refuse is not a success.
  const broken = structuralErrors(planned.parsed.problems);
  if (broken.length > 0) {
    io.err(`labrun: ${planned.deck.source}: ${broken.length} structural error${broken.length === 1 ? "" : "s"}: 'run' refuses this deck without --force`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

