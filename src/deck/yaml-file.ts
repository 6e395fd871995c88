import { LineCounter, parseDocument, isNode, type Document } from "yaml";
import type { z } from "zod";
import { DeckError } from "../problem.js";

/** A YAML document kept with its line counter, so that any field can be traced back to file:line. */
export interface YamlFile {
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
}

export function readYaml(file: string, text: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lines.linePos(first.pos[0]);
    const message = first.message.split("\n")[0] ?? "invalid YAML";
    throw new DeckError(file, `invalid YAML: ${message.replace(/ at line \d+, column \d+:?$/, "")}`, pos.line, pos.col);
  }
  return { file, doc, lines };
}

/** The line and column of the YAML node at `path`, or of its nearest existing parent. */
export function positionOf(y: YamlFile, path: readonly PropertyKey[]): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const keys = path.slice(0, depth).map((k) => (typeof k === "symbol" ? String(k) : k));
    const node = depth === 0 ? y.doc.contents : y.doc.getIn(keys, true);
    if (isNode(node) && node.range) {
      const pos = y.lines.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return { line: 1, column: 1 };
}

/** Validate a YAML file's content with zod; the first issue becomes a DeckError naming the file, line and field. */
export function validate<T>(y: YamlFile, schema: z.ZodType<T>, what: string): T {
  const result = schema.safeParse(y.doc.toJS());
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const { line, column } = positionOf(y, issue.path);
  const field = issue.path.length ? issue.path.map(String).join(".") : "(document)";
  throw new DeckError(y.file, `${what} field '${field}': ${issue.message}`, line, column);
}
