/** Small mdast helpers shared by the parse stage's modules. */
import { unified } from "unified";
import remarkParse from "remark-parse";
import type { Nodes, Parents } from "mdast";

export const markdown = unified().use(remarkParse);

/** Pre-order walk with the parent and index of each node. */
export function walk(node: Parents, visit: (node: Nodes, parent: Parents, index: number) => void) {
  node.children.forEach((child, i) => {
    visit(child, node, i);
    if ("children" in child) walk(child, visit);
  });
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
    const text = plainText(prev).replace(MACRO_OPENERS, "").trim();
    if (text) return text;
  }
  return "";
}

const MACRO_OPENERS = /(\s*\.[A-Za-z][\w-]*\[)+\s*$/;

export function plainText(node: Nodes): string {
  if ("value" in node && node.type !== "html") return node.value;
  if ("children" in node) return (node.children as Nodes[]).map(plainText).join("");
  return "";
}

/**
 * The command as it will be typed: backticks are highlighting (remark.js), not shell syntax, and
 * indentation common to every line (a block indented deeper than its list item) is not part of it.
 */
export function stripHighlighting(command: string): string {
  const lines = command.replace(/`/g, "").split("\n");
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join("\n").replace(/\s+$/, "");
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

