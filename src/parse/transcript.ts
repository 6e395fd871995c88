/**
 * Transcripts: a block whose first line is a shell prompt and a command (`$ docker ps`,
 * `k8s@shpod:~$ flux get all -A`, `root@node1:~# ls`, `[user@node1 ~]$ ls`, `/ # ping es`),
 * followed by what the command printed. Each prompt line starts a command; the lines under it,
 * up to the next prompt line, are its output. A command ending with `\` goes on on the next line.
 */

export interface TranscriptEntry {
  readonly command: string;
  /** 0-based line of the command in the block. */
  readonly line: number;
  /** What it printed (common indentation removed); empty when the slide shows nothing. */
  readonly output: string;
  /** 0-based line of the first output line. */
  readonly outputLine: number;
  /** 0-based line of the last output line (trailing blank and prompt-alone lines left out); outputLine - 1 when none. */
  readonly outputEndLine: number;
  /** 0-based line in the block of each line of `output` (prompt-alone lines are not in it). */
  readonly outputLines: readonly number[];
}

/**
 * user@host:path$ , [user@host dir]$ , bash-5.2# , / # (or /app # : one segment, so that
 * `/usr/bin/tool # a comment` stays a command), ~ $ , then at least one space.
 */
const FULL_PROMPT = /^(?:[\w.-]+@[\w.-]+:[^\s$#]*\s?[$#]|\[[\w.-]+@[\w.-]+(?:\s[^\]]*)?\][$#]|(?:ba|z)?sh-[\d.]+[$#]|\/[\w.-]*\s?#|~[\w/.-]*\s?\$)\s+/;
/** A prompt alone on its line: the next shell waiting (`docker run -ti alpine sh` then `/ #`), not output. */
const PROMPT_ALONE = /^\s*(?:[\w.<>-]+@[\w.<>-]+:[^\s$#]*\s?[$#]|\[[\w.-]+@[\w.-]+(?:\s[^\]]*)?\][$#]|(?:ba|z)?sh-[\d.]+[$#]|\/[\w.-]*\s?#|~[\w/.-]*\s?\$|[$#])\s*$/;
/** A bare `$ ` (never `$VAR` or `$(...)`, which are shell) or, in a `console` block, a bare `# `. */
const BARE_DOLLAR = /^\$\s+/;
const BARE_HASH = /^#\s+/;

/**
 * The prompt at the start of a line, if any. A bare `# ` is a root prompt only in a `console`
 * block: elsewhere it starts a comment (a template's `# edit this line` is never run).
 */
function promptLength(line: string, consoleBlock: boolean): number | undefined {
  const t = line.replace(/^\s+/, "");
  const m = FULL_PROMPT.exec(t) ?? BARE_DOLLAR.exec(t) ?? (consoleBlock ? BARE_HASH.exec(t) : null);
  if (!m) return undefined;
  const rest = t.slice(m[0].length);
  if (rest.trim() === "") return undefined;
  // `# Create the namespace` is a comment, `# ls -l` a command.
  if (BARE_HASH.test(t) && !FULL_PROMPT.test(t) && !/^[a-z0-9_./-]+(\s|$)/.test(rest)) return undefined;
  return line.length - t.length + m[0].length;
}

/** The commands and outputs of a transcript, or undefined when the block is not one. */
export function readTranscript(text: string, lang = ""): TranscriptEntry[] | undefined {
  const consoleBlock = lang.toLowerCase() === "console";
  const lines = text.split("\n");
  const first = lines.findIndex((l) => l.trim() !== "");
  if (first < 0 || promptLength(lines[first]!, consoleBlock) === undefined) return undefined;
  const entries: TranscriptEntry[] = [];
  let i = first;
  while (i < lines.length) {
    const cut = promptLength(lines[i]!, consoleBlock);
    if (cut === undefined) {
      i++;
      continue;
    }
    const start = i;
    const command = [lines[i]!.slice(cut)];
    while (/\\\s*$/.test(command[command.length - 1]!) && i + 1 < lines.length) command.push(lines[++i]!);
    const outputLine = i + 1;
    i++;
    while (i < lines.length && promptLength(lines[i]!, consoleBlock) === undefined) i++;
    const kept: number[] = [];
    for (let l = outputLine; l < i; l++) if (!PROMPT_ALONE.test(lines[l]!)) kept.push(l);
    let outputEndLine = i - 1;
    while (outputEndLine >= outputLine && (lines[outputEndLine]!.trim() === "" || PROMPT_ALONE.test(lines[outputEndLine]!))) outputEndLine--;
    const output = dedent(kept.map((l) => lines[l]!));
    const outputLines = output ? kept.slice(0, output.split("\n").length) : [];
    entries.push({ command: dedent(command).replace(/`/g, ""), line: start, output, outputLine, outputEndLine, outputLines });
  }
  return entries;
}

function dedent(lines: readonly string[]): string {
  const kept = [...lines];
  while (kept.length && kept[kept.length - 1]!.trim() === "") kept.pop();
  const indents = kept.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return kept.map((l) => l.slice(cut)).join("\n").trimEnd();
}
