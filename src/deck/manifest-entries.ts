import { isAlias, isScalar, isSeq, Scalar, type Node } from "yaml";
import { DeckError } from "../problem.js";
import type { YamlFile } from "./yaml-file.js";

/**
 * One part of a course manifest, in order. As the build reads them: a one-line string is a
 * Markdown file (relative to the manifest), a string of several lines is Markdown written in the
 * manifest itself, a list nests (to any depth), an empty entry is nothing.
 */
export type ManifestEntry =
  | { readonly kind: "file"; readonly path: string; readonly line: number; readonly column: number }
  | {
      readonly kind: "inline";
      readonly text: string;
      /** The manifest line of each line of `text` (index 0 is the first line). */
      readonly sourceLine: (index: number) => number;
      /** The indentation of the block in the manifest, added to columns. */
      readonly columnOffset: number;
    };

/** The entries under `key` (`content` or `chapters`), flattened in order. The document is already validated. */
export function manifestEntries(y: YamlFile, key: string, sourceText: string): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const sourceLines = sourceText.split(/\r?\n|\r/);
  const visit = (node: unknown) => {
    const resolved = isAlias(node) ? node.resolve(y.doc) : node;
    if (isSeq(resolved)) {
      for (const item of resolved.items) visit(item);
      return;
    }
    const start = y.lines.linePos((resolved as Node | undefined)?.range?.[0] ?? 0);
    if (isScalar(resolved) && (resolved.value === null || resolved.value === undefined)) return;
    if (!isScalar(resolved) || typeof resolved.value !== "string") {
      const what = isScalar(resolved) ? `'${String(resolved.value)}'` : "{...}";
      throw new DeckError(y.file, `content entry ${what}: expected a file name, Markdown (a multi-line string) or a list of them`, start.line, start.col);
    }
    const value = resolved.value;
    if (!value.includes("\n")) {
      entries.push({ kind: "file", path: value, line: start.line, column: start.col });
      return;
    }
    entries.push(inlineEntry(resolved, value, start.line, sourceLines));
  };
  visit(y.doc.get(key, true) as Node | undefined);
  return entries;
}

/**
 * Markdown in place. In a literal block (`- |`) line i of the value is line i of the block, which
 * starts on the line after the `|`; other styles fold or escape lines, so their lines all point at
 * the entry's first line.
 */
function inlineEntry(node: Scalar, text: string, headerLine: number, sourceLines: readonly string[]): ManifestEntry {
  if (node.type !== Scalar.BLOCK_LITERAL) {
    return { kind: "inline", text, sourceLine: () => headerLine, columnOffset: 0 };
  }
  const firstLine = headerLine + 1;
  const firstText = text.split("\n").findIndex((l) => l.trim() !== "");
  const inSource = sourceLines[firstLine - 1 + Math.max(0, firstText)] ?? "";
  const inValue = text.split("\n")[Math.max(0, firstText)] ?? "";
  const columnOffset = Math.max(0, indentOf(inSource) - indentOf(inValue));
  return { kind: "inline", text, sourceLine: (i) => firstLine + i, columnOffset };
}

function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)![0].length;
}
