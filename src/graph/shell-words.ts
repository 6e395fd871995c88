/**
 * The words of a bash command as tree-sitter-bash gives them: the value bash would see and the
 * unquoted text, and enough getopt to find operands and option values among them.
 */
import type { Node } from "web-tree-sitter";

// ---------------------------------------------------------------------------------------------
// Words: the literal value of a word node, and its text with quotes removed

export interface Word {
  readonly node: Node;
  /** The value bash would see, when it involves no expansion. */
  readonly literal: string | undefined;
  /** The source text with quoting removed but expansions kept (`"$A"/x` gives `$A/x`). */
  readonly text: string;
}

export function toWord(node: Node): Word {
  return { node, literal: literalOf(node), text: unquotedText(node) };
}

export function literalOf(node: Node): string | undefined {
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

export interface OptionValue {
  readonly word: Word;
  /** Characters of `word.text` before the value (`--tag=` in `--tag=x`, 0 for a separate word). */
  readonly prefixLength: number;
}

export interface ParsedOption {
  readonly flag: string;
  readonly value?: OptionValue;
}

export interface ParsedArgs {
  readonly options: readonly ParsedOption[];
  /** Arguments from the first operand on (parsing stops there, as getopt does). */
  readonly operands: readonly Word[];
}

export function valueText(value: OptionValue): string {
  return value.word.text.slice(value.prefixLength);
}

export function flagsTakingValue(flags: readonly string[] = []): (flag: string) => boolean {
  const set = new Set(flags);
  return (flag) => set.has(flag);
}

export function parseArgs(words: readonly Word[], takesValue: (flag: string) => boolean): ParsedArgs {
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
