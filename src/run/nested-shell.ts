/**
 * What the session needs to follow a step into another interactive shell
 * (`docker exec -ti $CID sh`, `su`, `ssh node2`...): recognising its prompt,
 * guessing from a command line that it may start one, telling where the echo
 * of a typed line ends, and noticing that output went quiet.
 */
import { stripVTControlCharacters } from "node:util";
import { linearRegex, type LinearRegex } from "../deck/linear-regex.js";

/**
 * Prompts recognised on the cursor's line (the text left of the cursor), whatever the shell:
 * `$ `, `# `, `% `, `/ # `, `~ $ `, `bash-5.2# `, `root@host:/# `, `k8s@shpod:~$ `,
 * `[user@node1 ~]$ `, `(venv) user@host:~/src$ `. Not REPLs that look alike (`postgres=# `).
 */
export const DEFAULT_PROMPTS: readonly string[] = [
  String.raw`^(\([^)]*\) )?[\w.~/@:+-]* ?[$#] $`,
  String.raw`^(\([^)]*\) )?\[[^\]]+\] ?[$#%] $`,
  String.raw`^(\([^)]*\) )?[\w.-]+@[\w.-]+:.*[$#] $`,
  // zsh: `host% `, `~/src % `; not a progress figure (`50% `).
  String.raw`^(\([^)]*\) )?([\w.~/@:+-]*[A-Za-z~/] ?)?% $`,
];

/** A deck's own prompt patterns see at most this end of the line: a prompt is short, and a slow pattern has little to chew on. */
export const PROMPT_WINDOW = 200;

export class PromptMatcher {
  private readonly patterns: readonly RegExp[];
  private readonly extra: readonly LinearRegex[];

  /**
   * `extra`: regular expressions from labrun.yml's `prompts:`, tried as well as the defaults
   * (matched in linear time by re2js: no pattern can stall a run; the configuration refuses
   * what RE2 cannot compile).
   */
  constructor(extra: readonly string[] = []) {
    this.patterns = DEFAULT_PROMPTS.map((p) => new RegExp(p));
    this.extra = extra.map((p) => linearRegex(p));
  }

  /** `beforeCursor`: the cursor's row up to the cursor, spaces kept. */
  matches(beforeCursor: string): boolean {
    if (beforeCursor.trim() === "") return false;
    if (this.patterns.some((p) => p.test(beforeCursor))) return true;
    const end = beforeCursor.slice(-PROMPT_WINDOW);
    return this.extra.some((p) => p.test(end));
  }
}

const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "fish", "busybox", "rbash"]);
/** Container and cluster clients whose `-ti` run or exec opens a terminal in a shell. */
const LAUNCHER = /^(docker|podman|nerdctl|kubectl|oc|crictl)\b(?:\s+compose)?\s+(run|exec|attach|debug)\b/;
const TTY_FLAGS = /\s(-[a-z]*t[a-z]*i|-[a-z]*i[a-z]*t|-i\s+-t|-t\s+-i|--interactive\s+--tty|--tty\s+--interactive|--stdin\s+--tty|-it|-ti)\b/;

/**
 * Whether the last command of a line is likely to start an interactive shell. Only a hint:
 * the shell is believed once its prompt shows, sooner for a line this says yes to.
 */
export function mayStartShell(line: string): boolean {
  const last = (line.split(/&&|\|\||;|\|/).pop() ?? "").trim();
  // Words as the shell splits them, quotes kept out: `env PS1='a b' sh` is env, an assignment, sh.
  const words = (last.match(/(?:[^\s'"]+|'[^']*'|"(?:\\.|[^"\\])*")+/g) ?? []).filter((w) => !/^\w+=/.test(w));
  while (words[0] === "sudo" || words[0] === "exec" || words[0] === "env" || words[0] === "command") {
    const wrapper = words.shift();
    const options: string[] = [];
    while (words[0]?.startsWith("-")) {
      const option = words.shift() ?? "";
      options.push(option);
      if (wrapper === "sudo" && /^-[ugCDhpRrT]$/.test(option)) words.shift();
    }
    // `sudo -i`, `sudo -s`, `sudo -u x -i`: a shell.
    if (wrapper === "sudo" && words.length === 0) return options.some((o) => /^-[a-zA-Z]*[is]$|^--login$|^--shell$/.test(o));
  }
  const [program = "", ...args] = words;
  const name = program.split("/").pop() ?? "";
  const operands = args.filter((a) => !a.startsWith("-"));
  if (name === "busybox") return operands[0] !== undefined && SHELLS.has(operands[0]) && operands.length === 1;
  if (SHELLS.has(name)) return operands.length === 0 && !args.includes("-c");
  const lastOperand = operands[operands.length - 1]?.split("/").pop() ?? "";
  if (name === "su") return !args.includes("-c");
  // `chroot DIR`, `nsenter -t PID -m`: the default shell; or a shell named last.
  if (name === "chroot" || name === "nsenter") return operands.length <= 1 || SHELLS.has(lastOperand);
  if (name === "ssh") return operands.length <= 1 && !/\s-[a-zA-Z]*[NfT]\b/.test(last);
  if (/^(vagrant|multipass)$/.test(name)) return operands[0] === "ssh" || operands[0] === "shell";
  // A shell given a command to run (`docker exec -ti web sh -c 'ls'`) runs it and leaves.
  if (/\s(sh|bash|ash|dash|zsh)\s+-c\b/.test(last)) return false;
  return LAUNCHER.test(last) && (TTY_FLAGS.test(` ${last}`) || /\bcompose\s+exec\b/.test(last));
}

/**
 * The ids of the command steps a deck types into nested shells, read from the text alone: after a
 * line that may start a shell, until an `exit`, a `logout` or a `key ^D`. Their programs are the
 * nested shell's (a container's, another host's), not this machine's: preflight leaves them out.
 */
export function stepsInNestedShells(steps: readonly { readonly id: string; readonly kind: string; readonly text: string }[]): Set<string> {
  const inside = new Set<string>();
  let depth = 0;
  for (const step of steps) {
    if (step.kind === "bash" || step.kind === "hide") {
      if (depth > 0) inside.add(step.id);
      for (const line of step.text.split("\n")) {
        if (depth > 0 && /^\s*(exit|logout)\b/.test(line)) depth--;
        else if (mayStartShell(line)) depth++;
      }
    } else if (step.kind === "key" && depth > 0 && /^\^d$/i.test(step.text.trim())) {
      depth--;
    }
  }
  return inside;
}

/** Printable text without escape sequences, control characters or whitespace: how an echo is compared with what was typed. */
function squash(text: string): string {
  return stripVTControlCharacters(text).replace(/[\x00-\x20\x7f]/g, "");
}

/**
 * A nested shell has no PS0: a typed line's echo (the line editor's or the terminal
 * driver's, wrapped or not) comes back, then its output. The echo ends at the first
 * newline after which everything typed has been seen.
 */
export class EchoFilter {
  /** The echo is over: what comes now is the command's output. */
  passed = false;
  /** Some newline came back: a marker after it is a prompt, not a redraw of the one the line was typed at. */
  sawNewline = false;
  private readonly wanted: string;
  private buffer = "";
  private checkedTo = 0;
  private leading = true;

  constructor(line: string) {
    this.wanted = squash(line);
  }

  /** Returns the part of the chunk that comes after the echo ("" while still in it). */
  push(chunk: string): string {
    if (this.passed) return this.output(chunk);
    this.buffer += chunk;
    for (let nl = this.buffer.indexOf("\n", this.checkedTo); nl >= 0; nl = this.buffer.indexOf("\n", nl + 1)) {
      this.sawNewline = true;
      this.checkedTo = nl + 1;
      if (squash(this.buffer.slice(0, nl)).includes(this.wanted)) {
        this.passed = true;
        const rest = this.buffer.slice(nl + 1);
        this.buffer = "";
        return this.output(rest);
      }
    }
    return "";
  }

  /** What a line editor prints once done with the line (bash: bracketed paste off, a carriage return) is not output. */
  private output(data: string): string {
    if (!this.leading) return data;
    const rest = data.replace(/^(?:\x1b\[\?2004l|\r(?!\n))+/, "");
    this.leading = rest === "";
    return rest;
  }
}

/** Calls back once output has been quiet for a while (re-armed by each chunk), without a timer per chunk. */
export class QuietTimer {
  private timer: NodeJS.Timeout | null = null;
  private lastDataAt = 0;
  private quietMs = 0;

  constructor(private readonly onQuiet: () => void) {}

  data(quietMs: number): void {
    this.lastDataAt = Date.now();
    this.quietMs = quietMs;
    if (this.timer === null) this.arm(quietMs);
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      const left = this.lastDataAt + this.quietMs - Date.now();
      if (left > 0) this.arm(left);
      else this.onQuiet();
    }, ms);
  }
}
