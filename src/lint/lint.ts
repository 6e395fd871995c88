import type { Problem } from "../problem.js";
import type { LintContext, LintRule } from "./rule.js";
import { noCommandBefore } from "./rules/no-command-before.js";
import { pasteWithoutCopy } from "./rules/paste-without-copy.js";
import { undefinedVariable } from "./rules/undefined-variable.js";
import { imageTag } from "./rules/image-tag.js";
import { exerciseEmpty } from "./rules/exercise-empty.js";
import { commandOutsideExercise } from "./rules/command-outside-exercise.js";
import { doubleEncoded } from "./rules/double-encoded.js";
import { commandTypo } from "./rules/command-typo.js";
import { placeholderUnfilled } from "./rules/placeholder-unfilled.js";
import { controlCharacter } from "./rules/control-character.js";

export const RULES: readonly LintRule[] = [
  noCommandBefore,
  pasteWithoutCopy,
  undefinedVariable,
  imageTag,
  exerciseEmpty,
  commandOutsideExercise,
  commandTypo,
  doubleEncoded,
  placeholderUnfilled,
  controlCharacter,
];

/** Rules reported by the parser itself (they need the Markdown): listed here so `--help` can show them. */
export const PARSER_RULES: Readonly<Record<string, string>> = {
  "fence-unclosed": "a fenced code block never closed on its slide (it ends there; run refuses the deck, unless it is in prose with no exercise after it: a warning)",
  "comment-unclosed": "an HTML comment never closed on its slide (nothing in it runs; run refuses the deck, unless it is in prose with no exercise after it: a warning)",
  "macro-unclosed": "a macro (.exercise[, .lab[, ...) never closed on its slide (run refuses the deck, unless it is another macro in prose with no exercise after it: a warning)",
  "directive-unknown": "an unknown directive in an HTML comment",
  "directive-unclosed": "a directive fence never closed in its comment (run refuses the deck)",
  "directive-empty": "a keys, key, copy, wait or longwait directive with no text (run refuses the deck)",
  "directive-outside-exercise": "a directive outside any exercise (ignored)",
  "nesting-too-deep": "block quotes and list items nested deeper than 32 levels (the slide is not parsed; plan and run refuse the deck)",
  "markers-too-many": "more than 1000 *, _, [, ], ` in one paragraph (the slide is not parsed; plan and run refuse the deck)",
};

/** Shell and system variables every interactive bash has. */
export const SHELL_VARIABLES: readonly string[] = [
  "HOME", "PATH", "USER", "LOGNAME", "PWD", "OLDPWD", "SHELL", "TERM", "HOSTNAME", "LANG", "LC_ALL",
  "RANDOM", "SECONDS", "LINENO", "UID", "EUID", "PPID", "BASHPID", "BASH", "BASH_VERSION", "BASH_SOURCE",
  "FUNCNAME", "IFS", "PS1", "PS2", "PS4", "PROMPT_COMMAND", "HISTFILE", "HISTSIZE", "SHLVL", "TMPDIR",
  "EDITOR", "VISUAL", "PAGER", "DISPLAY", "COLUMNS", "LINES", "OSTYPE", "HOSTTYPE", "MACHTYPE", "PIPESTATUS",
  "REPLY", "OPTARG", "OPTIND", "GROUPS", "DIRSTACK", "EPOCHSECONDS", "EPOCHREALTIME", "SRANDOM",
];

export function lint(ctx: LintContext): Problem[] {
  const order = new Map(ctx.parsed.deck.files.map((f, i) => [f.path, i]));
  const problems = [...ctx.parsed.problems, ...RULES.flatMap((r) => r.check(ctx))];
  return problems.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.column - b.column);
}
