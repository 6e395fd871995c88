/**
 * What bash words mean: builtins and keywords, expansion operators, wrappers that run another
 * command (and the unwrapping of a command's words down to the one they run), and the variables
 * builtins set from their arguments.
 */
import { flagsTakingValue, parseArgs, valueText, type Word } from "./shell-words.js";

// ---------------------------------------------------------------------------------------------
// Vocabulary

/** Builtins and keywords: never external programs. */
const SHELL_WORDS: ReadonlySet<string> = new Set(
  (
    "alias bg bind break builtin caller cd command compgen complete compopt continue declare dirs disown echo " +
    "enable eval exec exit export false fc fg getopts hash help history jobs kill let local logout mapfile popd " +
    "printf pushd pwd read readarray readonly return set shift shopt source suspend test times trap true type " +
    "typeset ulimit umask unalias unset wait . : [ [[ ]] time coproc if then else elif fi case esac for select " +
    "while until do done in function { } !"
  ).split(" "),
);

interface WrapperSpec {
  /** Options that take a value (the next word, or attached: `-n1`, `--user=x`). */
  readonly valueFlags?: readonly string[];
  /** `sudo VAR=x cmd`, `env VAR=x cmd`. */
  readonly skipsAssignments?: boolean;
  /** Operands before the wrapped command (`timeout 10s cmd`). */
  readonly positionals?: number;
  /** Options that make the wrapper not run the command (`command -v x`). */
  readonly lookupFlags?: readonly string[];
  /** The wrapped command still runs in this shell, so `cd`, `read`... keep their effect. */
  readonly keepsShell?: boolean;
  /** Accepts the command as one string (`watch 'kubectl get pods'`). */
  readonly takesCommandString?: boolean;
}

const WRAPPERS: ReadonlyMap<string, WrapperSpec> = new Map<string, WrapperSpec>([
  ["sudo", {
    valueFlags: ["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "-R", "--user", "--group", "--host",
      "--prompt", "--close-from", "--chdir", "--role", "--type", "--other-user", "--command-timeout", "--chroot"],
    skipsAssignments: true,
  }],
  ["env", { valueFlags: ["-u", "-C", "-S", "--unset", "--chdir", "--split-string"], skipsAssignments: true }],
  ["time", { valueFlags: ["-o", "-f", "--output", "--format"], keepsShell: true }],
  ["nohup", {}],
  ["watch", { valueFlags: ["-n", "--interval", "-q", "--equexit"], takesCommandString: true }],
  ["xargs", {
    valueFlags: ["-I", "-n", "-P", "-L", "-d", "-E", "-s", "-a", "--replace", "--max-args", "--max-procs",
      "--max-lines", "--delimiter", "--eof", "--max-chars", "--arg-file"],
  }],
  ["exec", { valueFlags: ["-a"] }],
  ["command", { lookupFlags: ["-v", "-V"], keepsShell: true }],
  ["builtin", { keepsShell: true }],
  ["timeout", { valueFlags: ["-s", "-k", "--signal", "--kill-after"], positionals: 1 }],
  ["nice", { valueFlags: ["-n", "--adjustment"] }],
]);

export const CWD_BUILTINS: ReadonlySet<string> = new Set(["cd", "pushd", "popd"]);
export const DEFAULTING_OPERATORS: ReadonlySet<string> = new Set(["-", ":-", "=", ":=", "+", ":+"]);
export const ASSIGNING_OPERATORS: ReadonlySet<string> = new Set(["=", ":="]);
export const ARITH_ASSIGNMENTS: ReadonlySet<string> = new Set(["=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="]);

export function isIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

// ---------------------------------------------------------------------------------------------
// Wrappers: `sudo env A=1 nohup kubectl ...` runs sudo, env, nohup and kubectl

export interface CommandChain {
  /** Every literal program name along the chain, outermost first. */
  readonly programs: readonly string[];
  /** The innermost command's words (the wrapped one). */
  readonly argv: readonly Word[];
  /** False once a wrapper runs the command outside this shell (sudo, env, xargs...). */
  readonly inShell: boolean;
}

export function unwrapCommand(words: readonly Word[]): CommandChain {
  const programs: string[] = [];
  let argv = words;
  let inShell = true;
  for (;;) {
    const name = argv[0]?.literal;
    if (name === undefined) return { programs, argv, inShell };
    programs.push(name);
    const spec = WRAPPERS.get(name);
    if (!spec) return { programs, argv, inShell };
    const parsed = parseArgs(argv.slice(1), flagsTakingValue(spec.valueFlags));
    if (parsed.options.some((o) => spec.lookupFlags?.includes(o.flag))) return { programs, argv: [], inShell };
    let operands = parsed.operands;
    if (spec.skipsAssignments) operands = dropAssignments(operands);
    operands = operands.slice(spec.positionals ?? 0);
    if (spec.takesCommandString && operands.length === 1) {
      const first = firstToken(operands[0]?.text ?? "");
      if (first !== undefined) programs.push(first);
      return { programs, argv: [], inShell: false };
    }
    inShell &&= spec.keepsShell === true;
    argv = operands;
  }
}

function dropAssignments(words: readonly Word[]): readonly Word[] {
  let i = 0;
  while (i < words.length && isAssignmentWord(words[i]?.text ?? "")) i++;
  return words.slice(i);
}

function isAssignmentWord(text: string): boolean {
  const eq = text.indexOf("=");
  return eq > 0 && isIdentifier(text.slice(0, eq));
}

/** First word of a command given as one string, unless it is an expansion. */
function firstToken(command: string): string | undefined {
  const token = command.trim().split(/\s+/)[0];
  return token && !token.includes("$") && !token.includes("`") ? token : undefined;
}

export function isProgramName(name: string): boolean {
  return name !== "" && !name.includes("/") && !SHELL_WORDS.has(name);
}

// ---------------------------------------------------------------------------------------------
// Builtins: the variables they set

/** Variables set by builtins, from their arguments. */
export const BUILTIN_DEFINES: Readonly<Record<string, (args: readonly Word[]) => readonly string[]>> = {
  read(args) {
    const parsed = parseArgs(args, flagsTakingValue(["-a", "-d", "-i", "-n", "-N", "-p", "-t", "-u"]));
    const arrays = parsed.options.flatMap((o) => (o.flag === "-a" && o.value ? [valueText(o.value)] : []));
    const names = [...arrays, ...literals(parsed.operands)];
    return names.length > 0 ? names : ["REPLY"];
  },
  mapfile: arrayReader,
  readarray: arrayReader,
  printf(args) {
    return parseArgs(args, flagsTakingValue(["-v"])).options.flatMap((o) => (o.flag === "-v" && o.value ? [valueText(o.value)] : []));
  },
  let(args) {
    return literals(args).flatMap((expression) => {
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(\+\+|--|(?:[-+*/%&|^]|<<|>>)?=(?!=))/.exec(expression);
      return match?.[1] !== undefined ? [match[1]] : [];
    });
  },
};

function arrayReader(args: readonly Word[]): readonly string[] {
  const parsed = parseArgs(args, flagsTakingValue(["-d", "-n", "-O", "-s", "-u", "-C", "-c"]));
  return [literals(parsed.operands)[0] ?? "MAPFILE"];
}

function literals(words: readonly Word[]): string[] {
  return words.flatMap((w) => (w.literal !== undefined ? [w.literal] : []));
}

export function aliasNames(args: readonly Word[]): string[] {
  return args.flatMap((w) => {
    const eq = w.text.indexOf("=");
    return eq > 0 ? [w.text.slice(0, eq)] : [];
  });
}
