/**
 * The steps of a transcript: each command, then what the slide shows it printed as its expected
 * output. In transcript mode (`--transcripts`, `transcripts: true`) a transcript also says how its
 * command ends: a `^C` alone on a line is the key that stops it (typed once the command has shown
 * its first line, when that line is the same from one run to the next), an error it prints
 * (`bash: figlet: command not found`) means the command is expected to fail, and a command with a
 * value to fill in (`<containerID>`) or that opens an editor or a pager is shown, not run.
 */
import type { BlockStep } from "./block-step.js";
import { strictness } from "./expectations.js";
import type { TranscriptEntry } from "./transcript.js";

/**
 * What a failing command prints, as the courses show it; matched on the first or last line of the
 * output. Narrow on purpose: a line an application logs (`docker logs`) must not read as its own failure.
 */
const ERROR_LINES: readonly RegExp[] = [
  // bash: figlet: command not found; sh: 1: figlet: not found (dash); sh: figlet: not found (busybox)
  /^[\w./-]+: (?:line \d+: |\d+: )?[^:\s]+: (?:command )?not found$/,
  /^zsh: command not found: /,
  /: No such file or directory$/,
  /: Permission denied$/,
  /: Operation not permitted$/,
  // docker: Error response from daemon: ...; Error response from daemon: This node is not a swarm manager.
  /^(?:docker: )?Error response from daemon: /,
  // kubectl: Error from server (NotFound): ..., error: the server doesn't have a resource type "endpoint"
  /^Error from server\b/,
  /^error: /,
  // helm and other Go CLIs
  /^Error: /,
  /^fatal: /,
  // apt-get
  /^E: /,
];

/** Lines that are not what a command printed: elisions, and docker's "See 'docker run --help'." after its error. */
const NOT_PRINTED = /^(?:\.\.\.|…|\[\.\.\.\])$|^See '[^']+--help'\.$/;

/** The error the output shows, when its first or last line is one. */
export function shownError(output: string): string | undefined {
  const lines = output.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !NOT_PRINTED.test(l));
  const ends = lines.length > 1 ? [lines[0]!, lines[lines.length - 1]!] : lines;
  return ends.find((l) => ERROR_LINES.some((re) => re.test(l)));
}

/** A value the attendee fills in (`docker inspect <containerID>`, `pingpong-xxxxx`, `X.X.X.X`): the command is a template. */
const TEMPLATE = /<[A-Za-z][\w-]*>|\bX\.X\.X\.X\b|(?:^|[^A-Za-z0-9])(?:x{3,}|y{3,}|z{3,})(?=$|[^A-Za-z0-9])/;
/** Editors, pagers and screens that wait for keys the slide does not give: shown, not run. */
const INTERACTIVE = /(?:^|[|;&]\s*|\bsudo\s+)(?:vim?|nano|emacs|less|more|top|htop|watch)(?=\s|$)/;

const INTERRUPT = /^\s*\^C\s*$/;
/** Values that change between runs, or stand for anything: a line holding one is not waited for. */
const UNSTABLE = /\.\.\.|…|\b[xXyYzZ]{3,}\b|<[A-Za-z][\w-]*>|\b[0-9a-f]{12,64}\b|\d{1,2}:\d{2}|\b\d{4}-\d{2}-\d{2}\b|\b\d+(\.\d+)?\s?(ms|s|m|h|d)\b|\bago\b|\b\d{1,3}(\.\d{1,3}){3}\b/;

/**
 * The steps of a transcript's entries. `line` is the block's first content line. `mode`: transcript
 * mode (keys and errors read from the transcript); without it, each entry is its command and its
 * expected output, as they are in an exercise.
 */
export function transcriptSteps(entries: readonly TranscriptEntry[], line: number, stripHighlighting: (s: string) => string, mode: boolean): BlockStep[] {
  return entries.flatMap((entry) => {
    const command: BlockStep = { kind: "bash", text: stripHighlighting(entry.command), line: line + entry.line };
    // What it printed is not checked: nothing runs for it.
    // Quoted text is the command's own (`echo '<h1>hi</h1>'`), not a value to fill in.
    const unquoted = command.text.replace(/'[^']*'|"[^"]*"/g, "''");
    if (mode && (TEMPLATE.test(unquoted) || INTERACTIVE.test(unquoted))) return [{ ...command, kind: "manual", template: true }];
    const lines = entry.output.split("\n");
    const interrupts = mode ? lines.flatMap((l, i) => (INTERRUPT.test(l) ? [i] : [])) : [];
    if (interrupts.length === 0) {
      const steps: BlockStep[] = [];
      const error = mode ? shownError(entry.output) : undefined;
      steps.push(error ? { ...command, failsWith: error } : command);
      if (entry.output.trim()) {
        steps.push({ kind: "expect", text: entry.output, line: line + entry.outputLine, endLine: line + entry.outputEndLine, expectation: strictness(entry.output, { transcript: true }) });
      }
      return steps;
    }
    const at = (i: number) => line + entry.outputLines[i]!;
    const steps: BlockStep[] = [command];
    let from = 0;
    const waited = new Set<number>();
    for (const i of interrupts) {
      const stable = lines.slice(from, i).findIndex((l) => l.trim() !== "" && !UNSTABLE.test(l));
      if (stable >= 0) {
        waited.add(from + stable);
        steps.push({ kind: "wait", text: lines[from + stable]!.trim(), line: at(from + stable), hidden: true });
      }
      steps.push({ kind: "key", text: "^C", line: at(i) });
      from = i + 1;
    }
    const printed = lines.filter((l) => !INTERRUPT.test(l));
    const first = lines.findIndex((l) => l.trim() !== "" && !INTERRUPT.test(l));
    if (first >= 0) {
      // Where ^C was typed the terminal shows what it shows (`^C` echoed, or nothing): any lines.
      // The line printed just before it may be cut there (`labr^C`), unless labrun waited for it whole.
      const cut = (i: number) => INTERRUPT.test(lines[i] ?? "") || (INTERRUPT.test(lines[i + 1] ?? "") && !waited.has(i));
      const expected = lines
        .map((l, i) => (cut(i) ? "..." : l))
        .filter((l, i, all) => l !== "..." || all[i - 1] !== "...")
        .join("\n")
        .replace(/(?:\n\.\.\.)+$/, "");
      // No expectedBlock: --update would write the output over the `^C` lines.
      steps.push({ kind: "expect", text: expected, line: at(first), expectation: strictness(printed.join("\n"), { transcript: true }) });
    }
    return steps;
  });
}
