/**
 * The walk over a bash syntax tree: it tracks scope (this shell, a subshell, a function body) and
 * context (arithmetic, optional operands), and records what each node sets, needs and runs.
 */
import type { Node } from "web-tree-sitter";
import { FactsRecord, type ShellFacts } from "./shell-facts.js";
import { dockerImageArgs, imageFlagArgs, valueStart, type ImageArg } from "./shell-images.js";
import { withTree } from "./shell-parser.js";
import { knownFacts } from "./known-facts.js";
import { commandWordNodes, readExpansion, sameNode, splitAssignment, strayRedirectArgs, targetName } from "./shell-syntax.js";
import {
  ARITH_ASSIGNMENTS,
  ASSIGNING_OPERATORS,
  BUILTIN_DEFINES,
  CWD_BUILTINS,
  DEFAULTING_OPERATORS,
  aliasNames,
  isIdentifier,
  unwrapCommand,
} from "./shell-vocabulary.js";
import { literalOf, toWord, type Word } from "./shell-words.js";

export function analyzeShell(text: string): ShellFacts {
  const known = knownFacts.get(text);
  if (known) return known;
  return withTree(text, (root) => {
    const analyzer = new Analyzer();
    analyzer.visit(root, { scope: { defined: new Set(), topLevel: true }, optional: false, arith: false, base: 0 });
    return analyzer.facts(root.hasError);
  });
}

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
  private readonly record = new FactsRecord();

  facts(syntaxError: boolean): ShellFacts {
    return this.record.facts(syntaxError);
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
    (ctx.optional ? this.record.optional : this.record.uses).add(name);
  }

  define(name: string, ctx: Ctx): void {
    if (!isIdentifier(name)) return;
    ctx.scope.defined.add(name);
    if (ctx.scope.topLevel) this.record.defines.add(name);
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
    this.record.commands.push(words.map((w) => w.text));
    const chain = unwrapCommand(words);
    for (const program of chain.programs) this.record.programs.add(program);
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
      if (ctx.scope.topLevel) this.record.changesCwd = true;
      return;
    }
    // Own keys only: a command named `__proto__` or `constructor` is no builtin.
    const names = Object.hasOwn(BUILTIN_DEFINES, name) ? BUILTIN_DEFINES[name]!(args) : [];
    for (const defined of names) this.define(defined, ctx);
    if (name === "alias") for (const alias of aliasNames(args)) this.record.aliases.add(alias);
  }

  addImage(image: ImageArg, ctx: Ctx): void {
    const ref = image.word.text.slice(image.prefixLength);
    if (ref !== "") this.record.images.push({ ref, offset: ctx.base + valueStart(image.word.node, image.prefixLength) });
  }

  visitFunction(node: Node, ctx: Ctx): void {
    const name = node.childForFieldName("name");
    if (name) this.record.functions.add(literalOf(name) ?? name.text);
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
