/**
 * Static facts about a bash step, read from the tree-sitter-bash syntax tree: which variables it
 * sets and needs, whether it moves the shell, which programs and images it involves.
 * A deck's bash blocks are typed into one long-lived shell, so "defines" means "still set in that
 * shell afterwards", and "uses" means "needs a value from an earlier step".
 */
import { createRequire } from "node:module";
import { Language, Parser, type Node } from "web-tree-sitter";

export interface ImageRef {
  readonly ref: string;
  /** Index in the analyzed text where the image reference starts. */
  readonly offset: number;
}

export interface ShellFacts {
  readonly defines: readonly string[];
  readonly uses: readonly string[];
  readonly optionalUses: readonly string[];
  readonly changesCwd: boolean;
  readonly programs: readonly string[];
  /** Functions (`greet() {...}`, `function f {...}`) and aliases (`alias k=kubectl`) it defines: later steps may call them. */
  readonly functions: readonly string[];
  readonly aliases: readonly string[];
  readonly commands: readonly (readonly string[])[];
  readonly images: readonly ImageRef[];
  readonly syntaxError: boolean;
}

// ---------------------------------------------------------------------------------------------
// Parser lifecycle

let parser: Parser | undefined;
let loading: Promise<void> | undefined;

/** Load the bash grammar once; later calls return the same promise. */
export function initShellParser(): Promise<void> {
  loading ??= loadParser().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function loadParser(): Promise<void> {
  await Parser.init();
  const wasm = createRequire(import.meta.url).resolve("tree-sitter-bash/tree-sitter-bash.wasm");
  const bash = await Language.load(wasm);
  const created = new Parser();
  created.setLanguage(bash);
  parser = created;
}

function requireParser(): Parser {
  if (!parser) throw new Error("analyzeShell() called before the bash parser was loaded: await initShellParser() first");
  return parser;
}

/** Parse `text`, hand the tree's root to `use`, and free the tree's wasm memory. */
function withTree<T>(text: string, use: (root: Node) => T): T {
  const tree = requireParser().parse(text);
  if (!tree) throw new Error("tree-sitter-bash failed to parse the text");
  try {
    return use(tree.rootNode);
  } finally {
    tree.delete();
  }
}

export function analyzeShell(text: string): ShellFacts {
  return withTree(text, (root) => {
    const analyzer = new Analyzer();
    analyzer.visit(root, { scope: { defined: new Set(), topLevel: true }, optional: false, arith: false, base: 0 });
    return analyzer.facts(root.hasError);
  });
}

/**
 * tree-sitter-bash splits some assignments in two: `CN=$SERVICE.$NAMESPACE.svc` comes out as the
 * assignment `CN=$SERVICE.$` prefixed to a command named `NAMESPACE.svc` (k8s/admission.md). A
 * command name glued to an assignment ending in `$` is that: one assignment, read from its text.
 */
function splitAssignment(node: Node): { name: string; uses: string[] } | undefined {
  const [assignment, name, ...rest] = node.namedChildren;
  if (rest.length > 0 || assignment?.type !== "variable_assignment" || name?.type !== "command_name") return undefined;
  if (assignment.endIndex !== name.startIndex || !assignment.text.endsWith("$")) return undefined;
  const target = assignment.namedChildren[0];
  if (target?.type !== "variable_name") return undefined;
  const value = node.text.slice(target.text.length + 1);
  return { name: target.text, uses: [...value.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1]!) };
}

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

const CWD_BUILTINS: ReadonlySet<string> = new Set(["cd", "pushd", "popd"]);
const DEFAULTING_OPERATORS: ReadonlySet<string> = new Set(["-", ":-", "=", ":=", "+", ":+"]);
const ASSIGNING_OPERATORS: ReadonlySet<string> = new Set(["=", ":="]);
const ARITH_ASSIGNMENTS: ReadonlySet<string> = new Set(["=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="]);
const DOCKER_GLOBAL_VALUE_FLAGS = ["-H", "--host", "-c", "--context", "--config", "-l", "--log-level"];
const DOCKER_GROUPS: ReadonlySet<string> = new Set(["container", "image", "buildx", "builder"]);
const DOCKER_PULL_PUSH_VALUE_FLAGS = ["--platform"];
/** `docker run` has dozens of options taking a value, so list the few that do not. */
const DOCKER_RUN_FLAGS: ReadonlySet<string> = new Set([
  "-d", "-i", "-t", "-P", "-q", "--rm", "--detach", "--interactive", "--tty", "--privileged", "--init",
  "--read-only", "--publish-all", "--quiet", "--no-healthcheck", "--oom-kill-disable", "--disable-content-trust",
  "--help",
]);

function isIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

// ---------------------------------------------------------------------------------------------
// Words: the literal value of a word node, and its text with quotes removed

interface Word {
  readonly node: Node;
  /** The value bash would see, when it involves no expansion. */
  readonly literal: string | undefined;
  /** The source text with quoting removed but expansions kept (`"$A"/x` gives `$A/x`). */
  readonly text: string;
}

function toWord(node: Node): Word {
  return { node, literal: literalOf(node), text: unquotedText(node) };
}

function literalOf(node: Node): string | undefined {
  switch (node.type) {
    case "word":
      return unescapeWord(node.text);
    case "number":
      return node.text;
    case "raw_string":
      return node.text.slice(1, -1);
    case "string":
      return node.namedChildren.every((c) => c.type === "string_content") ? unescapeQuoted(node.text.slice(1, -1)) : undefined;
    case "concatenation": {
      const parts = node.children.map((c) => (c.isNamed ? literalOf(c) : c.text));
      return parts.every((p) => p !== undefined) ? parts.join("") : undefined;
    }
    default:
      return undefined;
  }
}

function unquotedText(node: Node): string {
  switch (node.type) {
    case "string":
      return literalOf(node) ?? node.text.slice(1, -1);
    case "concatenation":
      return node.children.map((c) => (c.isNamed ? unquotedText(c) : c.text)).join("");
    default:
      return literalOf(node) ?? node.text;
  }
}

/** Outside quotes a backslash makes the next character literal. */
function unescapeWord(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    out += c === "\\" && i + 1 < text.length ? (text[++i] ?? "") : c;
  }
  return out;
}

/** Inside double quotes a backslash only escapes $ ` " \ and newline. */
function unescapeQuoted(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    const next = text[i + 1] ?? "";
    if (c === "\\" && "$`\"\\\n".includes(next) && next !== "") {
      if (next !== "\n") out += next;
      i++;
    } else out += c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Options: enough getopt to find operands and option values in argument lists

interface OptionValue {
  readonly word: Word;
  /** Characters of `word.text` before the value (`--tag=` in `--tag=x`, 0 for a separate word). */
  readonly prefixLength: number;
}

interface ParsedOption {
  readonly flag: string;
  readonly value?: OptionValue;
}

interface ParsedArgs {
  readonly options: readonly ParsedOption[];
  /** Arguments from the first operand on (parsing stops there, as getopt does). */
  readonly operands: readonly Word[];
}

function valueText(value: OptionValue): string {
  return value.word.text.slice(value.prefixLength);
}

function flagsTakingValue(flags: readonly string[] = []): (flag: string) => boolean {
  const set = new Set(flags);
  return (flag) => set.has(flag);
}

function parseArgs(words: readonly Word[], takesValue: (flag: string) => boolean): ParsedArgs {
  const options: ParsedOption[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i];
    if (!word || !word.text.startsWith("-") || word.text === "-") break;
    if (word.text === "--") {
      i++;
      break;
    }
    const next = words[i + 1];
    const parsed = word.text.startsWith("--") ? parseLongOption(word, next, takesValue) : parseShortOptions(word, next, takesValue);
    options.push(...parsed.options);
    if (parsed.consumedNext) i++;
  }
  return { options, operands: words.slice(i) };
}

interface OptionWord {
  readonly options: readonly ParsedOption[];
  readonly consumedNext: boolean;
}

function parseLongOption(word: Word, next: Word | undefined, takesValue: (flag: string) => boolean): OptionWord {
  const eq = word.text.indexOf("=");
  if (eq > 0) return { options: [{ flag: word.text.slice(0, eq), value: { word, prefixLength: eq + 1 } }], consumedNext: false };
  if (next && takesValue(word.text)) return { options: [{ flag: word.text, value: { word: next, prefixLength: 0 } }], consumedNext: true };
  return { options: [{ flag: word.text }], consumedNext: false };
}

/** `-abc`: flags until one takes a value, which is the rest of the word or the next word. */
function parseShortOptions(word: Word, next: Word | undefined, takesValue: (flag: string) => boolean): OptionWord {
  const options: ParsedOption[] = [];
  const text = word.text;
  for (let j = 1; j < text.length; j++) {
    const flag = `-${text[j] ?? ""}`;
    if (!takesValue(flag)) {
      options.push({ flag });
    } else if (j < text.length - 1) {
      options.push({ flag, value: { word, prefixLength: j + 1 } });
      return { options, consumedNext: false };
    } else if (next) {
      options.push({ flag, value: { word: next, prefixLength: 0 } });
      return { options, consumedNext: true };
    } else {
      options.push({ flag });
    }
  }
  return { options, consumedNext: false };
}

// ---------------------------------------------------------------------------------------------
// Wrappers: `sudo env A=1 nohup kubectl ...` runs sudo, env, nohup and kubectl

interface CommandChain {
  /** Every literal program name along the chain, outermost first. */
  readonly programs: readonly string[];
  /** The innermost command's words (the wrapped one). */
  readonly argv: readonly Word[];
  /** False once a wrapper runs the command outside this shell (sudo, env, xargs...). */
  readonly inShell: boolean;
}

function unwrapCommand(words: readonly Word[]): CommandChain {
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

function isProgramName(name: string): boolean {
  return name !== "" && !name.includes("/") && !SHELL_WORDS.has(name);
}

// ---------------------------------------------------------------------------------------------
// Images

interface ImageArg {
  readonly word: Word;
  readonly prefixLength: number;
}

/** `--image=X` / `--image X`, on any command. */
function imageFlagArgs(words: readonly Word[]): ImageArg[] {
  const found: ImageArg[] = [];
  words.forEach((word, i) => {
    const next = words[i + 1];
    if (word.text.startsWith("--image=")) found.push({ word, prefixLength: "--image=".length });
    else if (word.text === "--image" && next) found.push({ word: next, prefixLength: 0 });
  });
  return found;
}

/** Image arguments of docker/podman pull, push, run, create, tag and build. */
function dockerImageArgs(argv: readonly Word[]): ImageArg[] {
  const tool = argv[0]?.literal;
  if (tool !== "docker" && tool !== "podman") return [];
  let rest = parseArgs(argv.slice(1), flagsTakingValue(DOCKER_GLOBAL_VALUE_FLAGS)).operands;
  let sub = rest[0]?.literal;
  rest = rest.slice(1);
  if (sub !== undefined && DOCKER_GROUPS.has(sub)) {
    sub = rest[0]?.literal;
    rest = rest.slice(1);
  }
  switch (sub) {
    case "pull":
    case "push":
      return operandArgs(parseArgs(rest, flagsTakingValue(DOCKER_PULL_PUSH_VALUE_FLAGS)).operands, 1);
    case "run":
    case "create":
      return operandArgs(parseArgs(rest, (flag) => !DOCKER_RUN_FLAGS.has(flag)).operands, 1);
    case "tag":
      return operandArgs(parseArgs(rest, () => false).operands, 2);
    case "build":
      return buildTags(rest);
    default:
      return [];
  }
}

function operandArgs(operands: readonly Word[], count: number): ImageArg[] {
  return operands.slice(0, count).map((word) => ({ word, prefixLength: 0 }));
}

/** Build options may follow the context directory, so scan every word for -t/--tag. */
function buildTags(words: readonly Word[]): ImageArg[] {
  const found: ImageArg[] = [];
  words.forEach((word, i) => {
    const next = words[i + 1];
    if (word.text.startsWith("--tag=")) found.push({ word, prefixLength: "--tag=".length });
    else if ((word.text === "-t" || word.text === "--tag") && next) found.push({ word: next, prefixLength: 0 });
  });
  return found;
}

/** Where the value starts in the source: past an opening quote, the option prefix, and a quote after it. */
function valueStart(node: Node, prefixLength: number): number {
  const raw = node.text;
  const skipQuote = (i: number): number => (raw[i] === '"' || raw[i] === "'" ? i + 1 : i);
  return node.startIndex + skipQuote(skipQuote(0) + prefixLength);
}

// ---------------------------------------------------------------------------------------------
// The walk

interface Scope {
  /** Variables this text has set so far, as seen from here. */
  readonly defined: Set<string>;
  /** The deck's shell itself, not a subshell: its changes outlive the step. */
  readonly topLevel: boolean;
}

interface Ctx {
  readonly scope: Scope;
  /** Inside the default/alternative word of `${X:-...}`: needed only sometimes. */
  readonly optional: boolean;
  /** Inside `((...))`, `$((...))` or a C-style for: bare names are variables. */
  readonly arith: boolean;
  /** Offset of the parsed text within the analyzed text (heredoc bodies are parsed on their own). */
  readonly base: number;
}

function subshell(ctx: Ctx): Ctx {
  return { ...ctx, scope: { defined: new Set(ctx.scope.defined), topLevel: false } };
}

type Handler = (this: Analyzer, node: Node, ctx: Ctx) => void;

class Analyzer {
  private readonly defines = new Set<string>();
  private readonly uses = new Set<string>();
  private readonly optional = new Set<string>();
  private readonly programs = new Set<string>();
  private readonly functions = new Set<string>();
  private readonly aliases = new Set<string>();
  private readonly commands: string[][] = [];
  private readonly images: ImageRef[] = [];
  private changesCwd = false;

  facts(syntaxError: boolean): ShellFacts {
    return {
      defines: [...this.defines],
      uses: [...this.uses],
      optionalUses: [...this.optional].filter((name) => !this.uses.has(name)),
      changesCwd: this.changesCwd,
      programs: [...this.programs].filter((p) => isProgramName(p) && !this.functions.has(p) && !this.aliases.has(p)),
      functions: [...this.functions],
      aliases: [...this.aliases],
      commands: this.commands,
      images: this.images,
      syntaxError,
    };
  }

  visit(node: Node, ctx: Ctx): void {
    const handler = HANDLERS[node.type];
    if (handler) handler.call(this, node, ctx);
    else this.visitChildren(node, ctx);
  }

  visitChildren(node: Node, ctx: Ctx): void {
    for (const child of node.namedChildren) {
      // `cmd &` runs in the background, in a subshell
      this.visit(child, child.nextSibling?.type === "&" ? subshell(ctx) : ctx);
    }
  }

  use(name: string, ctx: Ctx): void {
    if (!isIdentifier(name) || ctx.scope.defined.has(name)) return;
    (ctx.optional ? this.optional : this.uses).add(name);
  }

  define(name: string, ctx: Ctx): void {
    if (!isIdentifier(name)) return;
    ctx.scope.defined.add(name);
    if (ctx.scope.topLevel) this.defines.add(name);
  }

  // --- variables -----------------------------------------------------------------------------

  visitAssignment(node: Node, ctx: Ctx, persists: boolean): void {
    const [target, ...value] = node.namedChildren;
    if (target?.type === "subscript") this.visitChildren(target, ctx);
    for (const child of value) this.visit(child, ctx);
    const name = targetName(target);
    if (name === undefined || !persists) return;
    if (node.children.some((c) => c.type === "+=")) this.use(name, ctx);
    this.define(name, ctx);
  }

  visitDeclaration(node: Node, ctx: Ctx): void {
    const keyword = node.firstChild?.type;
    // `export X` / `readonly X` keep the value X already has
    const keepsValue = keyword === "export" || keyword === "readonly";
    const namesFunctions = node.namedChildren.some((c) => c.type === "word" && /^-[A-Za-z]*[fF]/.test(c.text));
    for (const child of node.namedChildren) {
      if (child.type === "variable_assignment") this.visitAssignment(child, ctx, true);
      else if (child.type === "variable_name" && !namesFunctions) {
        if (keepsValue) this.use(child.text, ctx);
        this.define(child.text, ctx);
      } else if (child.type !== "word" && child.type !== "variable_name") this.visit(child, ctx);
    }
  }

  visitExpansion(node: Node, ctx: Ctx): void {
    const parts = readExpansion(node);
    if (parts.index) this.visitChildren(parts.index, ctx);
    const defaulting = parts.operator !== undefined && DEFAULTING_OPERATORS.has(parts.operator);
    // operands are words (`${X:-default}`), even inside `$((...))`
    const operandCtx = { ...ctx, arith: false, optional: ctx.optional || defaulting };
    if (parts.name !== undefined && !parts.listsNames) {
      this.use(parts.name, operandCtx);
      if (parts.operator !== undefined && ASSIGNING_OPERATORS.has(parts.operator)) this.define(parts.name, ctx);
    }
    for (const operand of parts.operands) this.visit(operand, operandCtx);
  }

  visitFor(node: Node, ctx: Ctx): void {
    const variable = node.childForFieldName("variable");
    const body = node.childForFieldName("body");
    for (const child of node.namedChildren) {
      if (!sameNode(child, variable) && !sameNode(child, body)) this.visit(child, ctx);
    }
    if (variable) this.define(variable.text, ctx);
    if (body) this.visit(body, ctx);
  }

  visitCStyleFor(node: Node, ctx: Ctx): void {
    const body = node.childForFieldName("body");
    for (const child of node.namedChildren) this.visit(child, sameNode(child, body) ? ctx : { ...ctx, arith: true });
  }

  /** Inside arithmetic: `X=...`, `X+=...`, `X++`, `--X` set X; other names are reads. */
  visitArithmeticUpdate(node: Node, ctx: Ctx): void {
    const operator = node.children.find((c) => !c.isNamed)?.type ?? "";
    const isIncrement = operator === "++" || operator === "--";
    if (!ctx.arith || (!isIncrement && !ARITH_ASSIGNMENTS.has(operator))) {
      this.visitChildren(node, ctx);
      return;
    }
    const [target, ...value] = node.namedChildren;
    if (target?.type === "subscript") this.visitChildren(target, ctx);
    for (const child of value) this.visit(child, ctx);
    const name = targetName(target);
    if (name === undefined) return;
    if (operator !== "=") this.use(name, ctx);
    this.define(name, ctx);
  }

  // --- commands ------------------------------------------------------------------------------

  visitCommand(node: Node, ctx: Ctx, strayArgs: readonly Node[] = []): void {
    const split = splitAssignment(node);
    if (split) {
      for (const v of split.uses) this.use(v, ctx);
      this.define(split.name, ctx);
      return;
    }
    const words = [...commandWordNodes(node), ...strayArgs].map(toWord);
    this.commands.push(words.map((w) => w.text));
    const chain = unwrapCommand(words);
    for (const program of chain.programs) this.programs.add(program);
    for (const image of [...imageFlagArgs(words), ...dockerImageArgs(chain.argv)]) this.addImage(image, ctx);
    for (const child of node.namedChildren) {
      // `VAR=x cmd` sets VAR for cmd only
      if (child.type === "variable_assignment") this.visitAssignment(child, ctx, false);
      else this.visit(child, ctx);
    }
    if (chain.inShell) this.applyBuiltin(chain.argv, ctx);
  }

  visitRedirected(node: Node, ctx: Ctx): void {
    const body = node.childForFieldName("body");
    for (const child of node.namedChildren) {
      if (sameNode(child, body) && child.type === "command") this.visitCommand(child, ctx, strayRedirectArgs(node));
      else this.visit(child, ctx);
    }
  }

  /** Effects of builtins run in this shell. */
  applyBuiltin(argv: readonly Word[], ctx: Ctx): void {
    const name = argv[0]?.literal;
    const args = argv.slice(1);
    if (name === undefined) return;
    if (CWD_BUILTINS.has(name)) {
      if (ctx.scope.topLevel) this.changesCwd = true;
      return;
    }
    const names = BUILTIN_DEFINES[name]?.(args) ?? [];
    for (const defined of names) this.define(defined, ctx);
    if (name === "alias") for (const alias of aliasNames(args)) this.aliases.add(alias);
  }

  addImage(image: ImageArg, ctx: Ctx): void {
    const ref = image.word.text.slice(image.prefixLength);
    if (ref !== "") this.images.push({ ref, offset: ctx.base + valueStart(image.word.node, image.prefixLength) });
  }

  visitFunction(node: Node, ctx: Ctx): void {
    const name = node.childForFieldName("name");
    if (name) this.functions.add(literalOf(name) ?? name.text);
    // the body runs when called, not here: what it sets or where it cds is not this step's effect
    const body = node.childForFieldName("body");
    if (body) this.visit(body, subshell(ctx));
  }

  visitPipeline(node: Node, ctx: Ctx): void {
    for (const child of node.namedChildren) this.visit(child, subshell(ctx));
  }

  // --- heredocs ------------------------------------------------------------------------------

  visitHeredoc(node: Node, ctx: Ctx): void {
    const start = node.namedChildren.find((c) => c.type === "heredoc_start");
    const expands = start !== undefined && !/["'\\]/.test(start.text);
    for (const child of node.namedChildren) {
      if (child.type !== "heredoc_body") this.visit(child, ctx);
      else if (expands) this.visitHeredocBody(child, ctx);
    }
  }

  /**
   * tree-sitter-bash misses expansions at the start of an indented body line and never parses
   * backticks in a body, so the body is parsed again as a double-quoted string, which expands the
   * same way. Its `"` become spaces: the string stays closed and offsets stay exact.
   */
  visitHeredocBody(body: Node, ctx: Ctx): void {
    const text = body.text;
    if (!text.includes("$") && !text.includes("`")) return;
    const asString = `"${text.replaceAll('"', " ")}"`;
    withTree(asString, (root) => {
      const string = root.descendantsOfType("string")[0];
      // visit the string, not the command it forms on its own: its text is no program name
      if (string) this.visitChildren(string, { ...ctx, base: ctx.base + body.startIndex - 1 });
    });
  }
}

/** The variable an assignment sets: `X` in `X=1` or `X[i]=1`. */
function targetName(target: Node | undefined): string | undefined {
  return target?.type === "subscript" ? target.namedChildren[0]?.text : target?.text;
}

function sameNode(a: Node, b: Node | null): boolean {
  return b !== null && a.equals(b);
}

const HANDLERS: Readonly<Record<string, Handler>> = {
  command(node, ctx) {
    this.visitCommand(node, ctx);
  },
  redirected_statement(node, ctx) {
    this.visitRedirected(node, ctx);
  },
  variable_assignment(node, ctx) {
    this.visitAssignment(node, ctx, true);
  },
  declaration_command(node, ctx) {
    this.visitDeclaration(node, ctx);
  },
  unset_command(node, ctx) {
    for (const child of node.namedChildren) if (child.type !== "variable_name" && child.type !== "word") this.visit(child, ctx);
  },
  simple_expansion(node, ctx) {
    const name = node.namedChildren.find((c) => c.type === "variable_name");
    if (name) this.use(name.text, ctx);
  },
  expansion(node, ctx) {
    this.visitExpansion(node, ctx);
  },
  arithmetic_expansion(node, ctx) {
    this.visitChildren(node, { ...ctx, arith: true });
  },
  compound_statement(node, ctx) {
    // `(( ... ))` is an arithmetic command; `{ ...; }` a plain group
    this.visitChildren(node, node.firstChild?.type === "((" ? { ...ctx, arith: true } : ctx);
  },
  variable_name(node, ctx) {
    if (ctx.arith) this.use(node.text, ctx);
  },
  word(node, ctx) {
    if (ctx.arith) this.use(node.text, ctx);
  },
  binary_expression(node, ctx) {
    this.visitArithmeticUpdate(node, ctx);
  },
  postfix_expression(node, ctx) {
    this.visitArithmeticUpdate(node, ctx);
  },
  unary_expression(node, ctx) {
    this.visitArithmeticUpdate(node, ctx);
  },
  for_statement(node, ctx) {
    this.visitFor(node, ctx);
  },
  c_style_for_statement(node, ctx) {
    this.visitCStyleFor(node, ctx);
  },
  function_definition(node, ctx) {
    this.visitFunction(node, ctx);
  },
  pipeline(node, ctx) {
    this.visitPipeline(node, ctx);
  },
  subshell(node, ctx) {
    this.visitChildren(node, subshell(ctx));
  },
  command_substitution(node, ctx) {
    this.visitChildren(node, { ...subshell(ctx), arith: false });
  },
  process_substitution(node, ctx) {
    this.visitChildren(node, { ...subshell(ctx), arith: false });
  },
  heredoc_redirect(node, ctx) {
    this.visitHeredoc(node, ctx);
  },
  heredoc_body() {
    // read by visitHeredoc, which knows whether the body expands
  },
  comment() {},
  raw_string() {},
  ansi_c_string() {},
};

/** The words of a simple command: its name and arguments, without prefix assignments and redirections. */
function commandWordNodes(node: Node): Node[] {
  const words: Node[] = [];
  for (const child of node.namedChildren) {
    if (child.type === "command_name") words.push(child.firstNamedChild ?? child);
    else if (words.length > 0 && !child.type.endsWith("redirect") && child.type !== "comment") words.push(child);
  }
  return words;
}

/** tree-sitter-bash attaches the words after `> file` to the redirect (`cmd > out -x` puts `-x` there). */
function strayRedirectArgs(statement: Node): Node[] {
  const stray: Node[] = [];
  for (const redirect of statement.namedChildren) {
    if (redirect.type !== "file_redirect") continue;
    const targets = redirect.namedChildren.filter((c) => c.type !== "file_descriptor");
    stray.push(...targets.slice(1));
  }
  return stray;
}

interface ExpansionParts {
  readonly name?: string;
  readonly index?: Node;
  readonly operator?: string;
  readonly operands: readonly Node[];
  /** `${!PREFIX*}` lists variable names, it reads none. */
  readonly listsNames: boolean;
}

/** Split `${#X}`, `${X:-d}`, `${A[i]}`, `${!X}` ... into name, operator and operand nodes. */
function readExpansion(node: Node): ExpansionParts {
  let name: string | undefined;
  let index: Node | undefined;
  let operator: string | undefined;
  let indirect = false;
  let seenName = false;
  const operands: Node[] = [];
  for (const child of node.children) {
    if (!seenName) {
      if (child.type === "!") indirect = true;
      seenName = ["variable_name", "subscript", "special_variable_name"].includes(child.type);
      if (child.type === "variable_name") name = child.text;
      if (child.type === "subscript") {
        name = child.namedChildren[0]?.text;
        index = child;
      }
    } else if (child.isNamed) operands.push(child);
    else if (operator === undefined && child.type !== "}") operator = child.type;
  }
  const listsNames = indirect && (operator === "*" || operator === "@");
  return { name, index, operator, operands, listsNames };
}

/** Variables set by builtins, from their arguments. */
const BUILTIN_DEFINES: Readonly<Record<string, (args: readonly Word[]) => readonly string[]>> = {
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

function aliasNames(args: readonly Word[]): string[] {
  return args.flatMap((w) => {
    const eq = w.text.indexOf("=");
    return eq > 0 ? [w.text.slice(0, eq)] : [];
  });
}
