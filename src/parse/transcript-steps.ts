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
/**
 * The ids the deck's transcripts showed as output (`docker run -d` printed `47d677dcfba4...`): a
 * later command that names one (`docker stop 47d6`) names the author's container, not the run's,
 * so it is a value to fill in, as `<containerID>` is.
 */
export class AuthorIds {
  private readonly ids = new Set<string>();

  /** Remembers the ids an output shows. */
  add(output: string): void {
    for (const m of output.matchAll(/(?<![\w.-])[0-9a-f]{12,64}(?![\w.-])/g)) if (/[a-f]/.test(m[0]) && /\d/.test(m[0])) this.ids.add(m[0]);
  }

  /** The id a command's word is (a prefix of, 3 characters at least), if any. */
  named(command: string): string | undefined {
    if (this.ids.size === 0) return undefined;
    for (const word of command.split(/[\s;|&()<>'"=:,/]+/)) {
      if (!/^[0-9a-f]{3,64}$/.test(word)) continue;
      for (const id of this.ids) if (id.startsWith(word)) return id;
    }
    return undefined;
  }
}

/** Editors, pagers and screens that wait for keys the slide does not give: shown, not run. */
const INTERACTIVE = /(?:^|[|;&]\s*|\bsudo\s+)(?:vim?|nano|emacs|less|more|top|htop|watch)(?=\s|$)/;

/** `^C` alone on a line: the key that stopped the command. */
const INTERRUPT = /^\s*\^C\s*$/;
/** `^C--- redis ping statistics ---`: the key, then what the command printed as it stopped, on the same line. */
const INTERRUPT_THEN = /^\s*\^C(?=\S)(.*)$/;
/** The author's note in place of output: `... (nothing happens until we interrupt it with Ctrl-C)`. */
const INTERRUPT_NOTE = /^\s*(?:\.\.\.|…)?\s*\([^()]*(?:\bctrl-c\b|\bcontrol-c\b|\^C|\binterrupt)[^()]*\)\s*$/i;
/** Values that change between runs, or stand for anything: a line holding one is not waited for. */
const UNSTABLE = /\.\.\.|…|\b[xXyYzZ]{3,}\b|<[A-Za-z][\w-]*>|\b[0-9a-f]{12,64}\b|\d{1,2}:\d{2}|\b\d{4}-\d{2}-\d{2}\b|\b\d+(\.\d+)?\s?(ms|s|m|h|d)\b|\bago\b|\b\d{1,3}(\.\d{1,3}){3}\b/;
/** At most this many lines like those shown are waited for before a ^C. */
const LINES_LIKE_MAX = 5;
/** An elision: not a line the command printed. */
const ELISION = /^\s*(?:\.\.\.|…|\[\.\.\.\])\s*$/;

/**
 * Prose right after a transcript that says to stop its command with ^C: `To stop it, press ^C.`,
 * `Hit Ctrl-C to stop the stack`, `Interrupt it with Ctrl-C.` Imperative only, at a sentence's start
 * (`But not by hitting ^C` and `^C will detach` are not it).
 */
const STOP_WITH_CTRL_C =
  /^(?:(?:then|now|next),?\s+)?(?:(?:to|when done,?\s+to)\s+(?:stop|exit|quit|end|interrupt|terminate)\b[^,.;:]*,\s*)?(?:press|hit|type|use|stop it with|interrupt it with|exit with)\s+`?(?:\^C|ctrl-c|ctrl\+c|control-c)`?(?=$|[\s.,;:!)])/i;

/** Whether `prose` (what follows a transcript, list markers and all) tells the reader to stop the command with ^C. */
export function saysStopWithCtrlC(prose: string): boolean {
  return prose
    .split("\n")
    .map((l) => l.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, ""))
    .join(" ")
    .split(/(?<=[.!?])\s+/)
    .some((sentence) => STOP_WITH_CTRL_C.test(sentence.trim()));
}

/**
 * Where the prose right after a block (`lines[from]` on: its next paragraph or list, blank lines
 * skipped) tells the reader to stop the command with ^C: that line's index, or undefined. A
 * comment (the hidden directives that drive the command) or another block first means no.
 */
export function ctrlCAfter(lines: readonly string[], from: number): number | undefined {
  let i = from;
  while (i < lines.length && lines[i]!.trim() === "") i++;
  const start = i;
  while (i < lines.length && lines[i]!.trim() !== "" && !/^\s*(?:```|~~~|<!--|\]\s*$)/.test(lines[i]!)) i++;
  if (i === start || !saysStopWithCtrlC(lines.slice(start, i).join("\n"))) return undefined;
  for (let k = start; k < i; k++) if (/\^C|ctrl-c|ctrl\+c|control-c/i.test(lines[k]!)) return k;
  return start;
}

/**
 * The steps of a transcript's entries. `line` is the block's first content line. `mode`: transcript
 * mode (keys and errors read from the transcript); without it, each entry is its command and its
 * expected output, as they are in an exercise. `stopLine`: the prose after the block says to stop
 * its last command with ^C (saysStopWithCtrlC), on that line.
 */
export function transcriptSteps(entries: readonly TranscriptEntry[], line: number, stripHighlighting: (s: string) => string, mode: boolean, stopLine?: number, authorIds?: AuthorIds): BlockStep[] {
  return entries.flatMap((entry, n) => {
    const command: BlockStep = { kind: "bash", text: stripHighlighting(entry.command), line: line + entry.line };
    // What it printed is not checked: nothing runs for it.
    // Quoted text is the command's own (`echo '<h1>hi</h1>'`), not a value to fill in.
    const unquoted = command.text.replace(/'[^']*'|"[^"]*"/g, "''");
    const template = mode && (TEMPLATE.test(unquoted) || INTERACTIVE.test(unquoted) || authorIds?.named(unquoted) !== undefined);
    if (mode) authorIds?.add(entry.output);
    if (template) return [{ ...command, kind: "manual", template: true }];
    const lines = entry.output.split("\n");
    const interrupts = mode ? lines.flatMap((l, i) => (INTERRUPT.test(l) || INTERRUPT_THEN.test(l) || INTERRUPT_NOTE.test(l) ? [i] : [])) : [];
    // The prose after the block stops the last command, unless its transcript already shows how.
    const stopped = mode && stopLine !== undefined && n === entries.length - 1 && interrupts.length === 0 && !shownError(entry.output);
    if (interrupts.length === 0 && !stopped) {
      const steps: BlockStep[] = [];
      const error = mode ? shownError(entry.output) : undefined;
      steps.push(error ? { ...command, failsWith: error } : command);
      if (entry.output.trim()) {
        steps.push({ kind: "expect", text: entry.output, line: line + entry.outputLine, endLine: line + entry.outputEndLine, expectation: strictness(entry.output, { transcript: true }) });
      }
      return steps;
    }
    return interruptedSteps(command, lines, interrupts, (i) => (i < lines.length ? line + entry.outputLines[i]! : stopLine!), stopped);
  });
}

/**
 * A command the transcript shows stopped by ^C (`interrupts`: the lines where; `stopped`: once more
 * after its last line, as the prose after it says): before each ^C, a hidden wait for the first
 * line it printed since; when every such line changes from run to run, for lines like those shown
 * (the first few), and not seeing them is no failure. Then what it printed, the ^C lines left out,
 * is its expected output.
 */
function interruptedSteps(command: BlockStep, lines: readonly string[], interrupts: readonly number[], at: (i: number) => number, stopped: boolean): BlockStep[] {
  const keyAt = new Set(interrupts);
  const isKey = (i: number) => keyAt.has(i);
  const steps: BlockStep[] = [command];
  let from = 0;
  const waited = new Set<number>();
  for (const i of stopped ? [...interrupts, lines.length] : interrupts) {
    const before = lines.slice(from, i).map((l, k) => ({ l, k: from + k })).filter(({ l }) => l.trim() !== "" && !ELISION.test(l));
    const stable = before.find(({ l }) => !UNSTABLE.test(l));
    if (stable) {
      waited.add(stable.k);
      steps.push({ kind: "wait", text: stable.l.trim(), line: at(stable.k), hidden: true });
    } else if (before.length > 0) {
      // As a person would: the lines the slide shows (a few) seen, then ^C.
      const shown = before.slice(0, LINES_LIKE_MAX);
      for (const { k } of shown) waited.add(k);
      steps.push({ kind: "wait", text: shown.map(({ l }) => l.trim()).join("\n"), line: at(shown[0]!.k), hidden: true, lineLike: true });
    }
    steps.push({ kind: "key", text: "^C", line: at(i) });
    from = i + 1;
  }
  // What each line shows of the output: none of a ^C alone or of a note; the part after a `^C` on its line.
  const shown = (l: string): string => (INTERRUPT.test(l) || INTERRUPT_NOTE.test(l) ? "" : (INTERRUPT_THEN.exec(l)?.[1] ?? l));
  const printed = lines.filter((l, i) => !isKey(i) || shown(l) !== "").map(shown);
  const first = lines.findIndex((l) => shown(l).trim() !== "");
  if (first >= 0) {
    // Where ^C was typed the terminal shows what it shows (`^C` echoed, or nothing): any lines.
    // The line printed just before it may be cut there (`labr^C`), unless labrun waited for it whole.
    const cut = (i: number) => (isKey(i) && !INTERRUPT_THEN.test(lines[i]!)) || ((isKey(i + 1) || (stopped && i === lines.length - 1)) && !waited.has(i));
    const expected = lines
      .map((l, i) => (cut(i) ? "..." : isKey(i) ? `...${shown(l)}` : l))
      .filter((l, i, all) => l !== "..." || all[i - 1] !== "...")
      .join("\n")
      .replace(/(?:\n\.\.\.)+$/, "");
    // No expectedBlock: --update would write the output over the `^C` lines.
    if (expected.trim() !== "" && expected.trim() !== "...") steps.push({ kind: "expect", text: expected, line: at(first), expectation: strictness(printed.join("\n"), { transcript: true }) });
  }
  return steps;
}
