/**
 * A slide's Markdown as terminal lines: headings, paragraphs, lists, code, quotes, tables. What an
 * attendee would not see on the slide is left out: HTML comments (the hidden directives live
 * there), raw HTML, and the remark.js macro wrappers (`.lab[`, `.exercise[`, `.small[`...) whose
 * content is kept.
 */
import { unified } from "unified";
import remarkParse from "remark-parse";
import type { Nodes, PhrasingContent, Root, RootContent } from "mdast";
import { textOf } from "../parse/mdast-util.js";
import { stripMacros } from "../parse/strip-macros.js";
import { truncateLine, wrapSpans, type RichLine, type Span, type SpanStyle } from "./text.js";

const parser = unified().use(remarkParse);

export interface SlideTextOptions {
  /** The slide's title, already shown above the text: its heading is not repeated. */
  readonly title?: string;
}

export function slideLines(markdown: string, width: number, options: SlideTextOptions = {}): RichLine[] {
  const tree = parser.parse(stripMacros(markdown)) as Root;
  const out: RichLine[] = [];
  let titleSkipped = false;
  let previous: RootContent["type"] | undefined;
  for (const node of tree.children) {
    if (node.type === "html" || node.type === "definition") continue;
    if (!titleSkipped && node.type === "heading" && node.depth <= 2 && options.title !== undefined && plain(node).trim() === options.title.trim()) {
      titleSkipped = true;
      continue;
    }
    // A blank line between prose blocks; a list or code right under its paragraph stays close.
    if (previous !== undefined && (node.type === "heading" || (node.type === "paragraph" && previous !== "heading"))) out.push([]);
    block(node, width, [], out);
    previous = node.type;
  }
  while (out.length > 0 && out[0]!.length === 0) out.shift();
  while (out.length > 0 && out[out.length - 1]!.length === 0) out.pop();
  return out;
}

/** Renders one block with `prefix` before its first line and as much blank room before the others. */
function block(node: Nodes, width: number, prefix: RichLine, out: RichLine[]): void {
  const rest: RichLine = prefix.length ? [{ text: " ".repeat(prefixWidth(prefix)) }] : [];
  switch (node.type) {
    case "heading":
      out.push(...wrapSpans(inline(node.children, { bold: true, ...(node.depth === 1 ? { underline: true } : {}) }), width, prefix, rest));
      return;
    case "paragraph":
      out.push(...wrapParagraph(node.children, width, prefix, rest));
      return;
    case "code": {
      const lines = node.value.replace(/\t/g, "  ").split("\n");
      lines.forEach((line, i) => out.push(truncateLine([...(i === 0 ? prefix : rest), { text: "  " + line, style: CODE }], width)));
      return;
    }
    case "list":
      node.children.forEach((item, i) => {
        const bullet = node.ordered ? `${(node.start ?? 1) + i}. ` : "• ";
        const itemPrefix: RichLine = [...(i === 0 ? prefix : rest), { text: bullet, style: { dim: !node.ordered } }];
        const first = out.length;
        item.children.forEach((child, j) => {
          if (child.type === "html") return;
          const before = out.length;
          block(child, width, out.length === first ? itemPrefix : [{ text: " ".repeat(prefixWidth(itemPrefix)) }], out);
          if (j === 0 && out.length === before) out.push(itemPrefix);
        });
        if (out.length === first) out.push(itemPrefix);
      });
      return;
    case "blockquote":
      for (const child of node.children) block(child, width, [...prefix, { text: "│ ", style: { dim: true } }], out);
      return;
    case "thematicBreak":
      out.push([...prefix, { text: "─".repeat(Math.min(20, Math.max(1, width - prefixWidth(prefix)))), style: { dim: true } }]);
      return;
    case "table":
      node.children.forEach((row, i) => {
        const cells = row.children.map((cell) => plain(cell).trim()).join(" │ ");
        out.push(truncateLine([...(i === 0 ? prefix : rest), { text: cells, ...(i === 0 ? { style: { bold: true } } : {}) }], width));
      });
      return;
    default:
      // html, definitions, footnotes: nothing the attendee reads on the slide.
      return;
  }
}

const CODE: SpanStyle = { color: "cyan" };

function wrapParagraph(children: readonly PhrasingContent[], width: number, prefix: RichLine, rest: RichLine): RichLine[] {
  // A hard break (two spaces or a backslash at the end of a line) starts a new line.
  const pieces: Span[][] = [[]];
  for (const span of inline(children, {})) {
    const parts = span.text.split("\n");
    parts.forEach((text, i) => {
      if (i > 0) pieces.push([]);
      if (text) pieces[pieces.length - 1]!.push({ ...span, text });
    });
  }
  return pieces.flatMap((spans, i) => (spans.length === 0 && i > 0 ? [] : wrapSpans(spans, width, i === 0 ? prefix : rest, rest)));
}

function inline(nodes: readonly PhrasingContent[], style: SpanStyle): Span[] {
  const spans: Span[] = [];
  for (const node of nodes) {
    switch (node.type) {
      case "text":
        spans.push({ text: node.value.replace(/\s*\n\s*/g, " "), style });
        break;
      case "inlineCode":
        spans.push({ text: node.value, style: { ...style, ...CODE } });
        break;
      case "emphasis":
        spans.push(...inline(node.children, { ...style, italic: true }));
        break;
      case "strong":
        spans.push(...inline(node.children, { ...style, bold: true }));
        break;
      case "delete":
        spans.push(...inline(node.children, { ...style, dim: true }));
        break;
      case "link":
      case "linkReference":
        spans.push(...inline(node.children, { ...style, underline: true }));
        break;
      case "image":
      case "imageReference":
        spans.push({ text: `[image${node.alt ? `: ${node.alt}` : ""}]`, style: { ...style, dim: true } });
        break;
      case "break":
        spans.push({ text: "\n", style });
        break;
      case "html":
        // `<br/>` breaks lines on real slides (the courses' @@TITLE@@ is filled with them).
        if (/^<br\s*\/?>$/i.test(node.value)) spans.push({ text: "\n", style });
        break;
      default:
        // Inline HTML (comments included) and footnote marks are not shown.
        break;
    }
  }
  return spans;
}

function plain(node: Nodes): string {
  return textOf(node, (n) => n.type !== "html");
}

function prefixWidth(prefix: RichLine): number {
  return prefix.reduce((n, s) => n + [...s.text].length, 0);
}

export { stripMacros };
