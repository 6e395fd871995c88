/**
 * Reading tree-sitter-bash nodes: the parts of commands, redirects, assignments and expansions,
 * with the grammar's quirks worked around.
 */
import type { Node } from "web-tree-sitter";

/**
 * tree-sitter-bash splits some assignments in two: `CN=$SERVICE.$NAMESPACE.svc` comes out as the
 * assignment `CN=$SERVICE.$` prefixed to a command named `NAMESPACE.svc` (k8s/admission.md). A
 * command name glued to an assignment ending in `$` is that: one assignment, read from its text.
 */
export function splitAssignment(node: Node): { name: string; uses: string[] } | undefined {
  const [assignment, name, ...rest] = node.namedChildren;
  if (rest.length > 0 || assignment?.type !== "variable_assignment" || name?.type !== "command_name") return undefined;
  if (assignment.endIndex !== name.startIndex || !assignment.text.endsWith("$")) return undefined;
  const target = assignment.namedChildren[0];
  if (target?.type !== "variable_name") return undefined;
  const value = node.text.slice(target.text.length + 1);
  return { name: target.text, uses: [...value.matchAll(/\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1]!) };
}

/** The variable an assignment sets: `X` in `X=1` or `X[i]=1`. */
export function targetName(target: Node | undefined): string | undefined {
  return target?.type === "subscript" ? target.namedChildren[0]?.text : target?.text;
}

export function sameNode(a: Node, b: Node | null): boolean {
  return b !== null && a.equals(b);
}

/** The words of a simple command: its name and arguments, without prefix assignments and redirections. */
export function commandWordNodes(node: Node): Node[] {
  const words: Node[] = [];
  for (const child of node.namedChildren) {
    if (child.type === "command_name") words.push(child.firstNamedChild ?? child);
    else if (words.length > 0 && !child.type.endsWith("redirect") && child.type !== "comment") words.push(child);
  }
  return words;
}

/** tree-sitter-bash attaches the words after `> file` to the redirect (`cmd > out -x` puts `-x` there). */
export function strayRedirectArgs(statement: Node): Node[] {
  const stray: Node[] = [];
  for (const redirect of statement.namedChildren) {
    if (redirect.type !== "file_redirect") continue;
    const targets = redirect.namedChildren.filter((c) => c.type !== "file_descriptor");
    stray.push(...targets.slice(1));
  }
  return stray;
}

export interface ExpansionParts {
  readonly name?: string;
  readonly index?: Node;
  readonly operator?: string;
  readonly operands: readonly Node[];
  /** `${!PREFIX*}` lists variable names, it reads none. */
  readonly listsNames: boolean;
}

/** Split `${#X}`, `${X:-d}`, `${A[i]}`, `${!X}` ... into name, operator and operand nodes. */
export function readExpansion(node: Node): ExpansionParts {
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
