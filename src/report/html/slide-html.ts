/**
 * A slide's Markdown as HTML, safe to put in the report: what the attendee sees (remark.js macro
 * wrappers removed, their content kept; HTML comments, where hidden directives live, dropped).
 * Raw HTML written in a slide is never live: remark-rehype leaves it out unless told otherwise,
 * links keep only harmless protocols, and images are links, not loaded (the report makes no
 * request to anything).
 */
import { unified } from "unified";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import rehypeStringify from "rehype-stringify";
import type { Element, Root, RootContent } from "hast";
import { stripMacros } from "../../parse/strip-macros.js";

const processor = unified().use(remarkParse).use(remarkRehype).use(safeLinks).use(rehypeStringify);

export function slideHtml(markdown: string): string {
  return String(processor.processSync(stripMacros(markdown)));
}

/** Protocols a link may use; anything else (javascript:, data:, vbscript:) loses its href. */
const SAFE_PROTOCOL = /^(https?|mailto|ftp):$/i;

function safeLinks() {
  return (tree: Root): void => {
    visit(tree);
  };
}

function visit(node: Root | Element): void {
  node.children = node.children.map((child): RootContent => {
    if (child.type !== "element") return child;
    if (child.tagName === "img") return imageAsLink(child);
    if (child.tagName === "a") {
      const href = safeUrl(child.properties.href);
      child.properties = href === undefined ? {} : { href, rel: ["noreferrer", "noopener"] };
    }
    visit(child);
    return child;
  });
}

/** An image is shown as a link to it, with its alt text: loading it would be a request. */
function imageAsLink(img: Element): Element {
  const alt = typeof img.properties.alt === "string" && img.properties.alt !== "" ? img.properties.alt : "image";
  const href = safeUrl(img.properties.src);
  return {
    type: "element",
    tagName: "a",
    properties: { className: ["image"], ...(href !== undefined ? { href, rel: ["noreferrer", "noopener"] } : {}) },
    children: [{ type: "text", value: `[image: ${alt}]` }],
  };
}

function safeUrl(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const protocol = /^([^:/?#]+):/.exec(value.trim());
  if (protocol && !SAFE_PROTOCOL.test(`${protocol[1]}:`)) return undefined;
  return value;
}
