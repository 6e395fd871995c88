import type { LintRule } from "../rule.js";

/** Is this image reference pinned to a tag other than latest (or to a digest)? Undecidable refs pass. */
export function imageTagProblem(ref: string): string | undefined {
  if (ref.includes("@")) return undefined;
  if (/^\$\{?\w+\}?$/.test(ref)) return undefined;
  const lastSegment = ref.slice(ref.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  if (colon < 0) return `image '${ref}' has no tag: it means 'latest', and nobody knows what latest points to`;
  const tag = lastSegment.slice(colon + 1);
  if (tag === "latest") return `image '${ref}' uses the 'latest' tag: nobody knows what it points to; use a meaningful tag`;
  return undefined;
}

export const imageTag: LintRule = {
  id: "image-tag",
  description: "an image without a tag or with `latest`",
  check({ graph }) {
    return graph.steps.flatMap((s) => {
      const facts = graph.facts.get(s.id);
      if (!facts) return [];
      return facts.images.flatMap((img) => {
        const message = imageTagProblem(img.ref);
        if (!message) return [];
        const before = s.text.slice(0, img.offset);
        const lineOffset = before.split("\n").length - 1;
        const column = lineOffset === 0 ? s.column + img.offset : img.offset - before.lastIndexOf("\n");
        return [{ file: s.file, line: s.line + lineOffset, column, severity: "warning" as const, message, ruleId: this.id }];
      });
    });
  },
};
