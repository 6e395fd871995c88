/** Small mdast helpers shared by the parse stage's modules. */
import { unified } from "unified";
import remarkParse from "remark-parse";
import type { Nodes, Parents } from "mdast";

export const markdown = unified().use(remarkParse);

/** Pre-order walk with the parent and index of each node; an explicit stack, so no depth exhausts it. */
export function walk(node: Parents, visit: (node: Nodes, parent: Parents, index: number) => void) {
  const stack: { parent: Parents; index: number }[] = [{ parent: node, index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.index >= top.parent.children.length) {
      stack.pop();
      continue;
    }
    const child = top.parent.children[top.index]! as Nodes;
    visit(child, top.parent, top.index);
    top.index++;
    if ("children" in child) stack.push({ parent: child, index: 0 });
  }
}

/**
 * The prose just before a code block, in the same parent (a paragraph, or a list item's last
 * paragraph). A paragraph that only opens macros (`.small[`) stands between them and is skipped.
 */
export function proseBefore(parent: Parents, index: number): string {
  for (let i = index - 1; i >= 0; i--) {
    const prev = parent.children[i]!;
    if (prev.type === "html") continue;
    if (prev.type !== "paragraph") return "";
    const text = withoutMacroOpeners(plainText(prev)).trim();
    if (text) return text;
  }
  return "";
}

const MACRO_NAME = /^[A-Za-z][\w-]*$/;

/** The text less the macro openers it ends with (`.small[ .lab[`); a loop, not a regex ending in `\s*$` (quadratic on long blank runs). */
function withoutMacroOpeners(text: string): string {
  let t = text.trimEnd();
  while (t.endsWith("[")) {
    const dot = t.lastIndexOf(".", t.length - 2);
    if (dot < 0 || !MACRO_NAME.test(t.slice(dot + 1, -1))) break;
    t = t.slice(0, dot).trimEnd();
  }
  return t;
}

/** The text of a node and its descendants, in order (HTML left out). */
export function plainText(node: Nodes): string {
  return textOf(node, (n) => n.type !== "html");
}

/** The `value`s under a node, in document order, of the nodes `keep` accepts; iterative. */
export function textOf(node: Nodes, keep: (node: Nodes) => boolean): string {
  let text = "";
  const stack: Nodes[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if ("value" in n) {
      if (keep(n)) text += n.value;
    } else if ("children" in n) {
      const children = n.children as Nodes[];
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  return text;
}

/**
 * The command as it will be typed: backticks are highlighting (remark.js), not shell syntax, and
 * indentation common to every line (a block indented deeper than its list item) is not part of it.
 */
export function stripHighlighting(command: string): string {
  const lines = command.replace(/`/g, "").split("\n");
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join("\n").trimEnd();
}

export function slug(title: string): string {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

