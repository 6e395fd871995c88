/**
 * Placeholders in expected text (`xxxxx`, `X.X.X.X`, `3xxxx`, `...`, `<name>`): tokenising expected
 * text and compiling it into RegExp source where placeholders are wildcards and the rest is escaped.
 * The rules are described in expect-match.ts.
 */

export interface Wildcards {
  /** `<pod-name>` is a wildcard, unless the expected text is markup. */
  readonly angleBrackets: boolean;
}

type PlaceholderKind = "ellipsis" | "ipv4" | "digits" | "alnum" | "angle";

type Token =
  | { readonly kind: "literal"; readonly text: string }
  | { readonly kind: PlaceholderKind; readonly text: string };

const PLACEHOLDER = new RegExp(
  [
    String.raw`(?<ellipsis>\.{3,}|…)`,
    String.raw`(?<ipv4>(?<![\w.])[Xx]\.[Xx]\.[Xx]\.[Xx](?![\w.]))`,
    String.raw`(?<digits>(?<![A-Za-z0-9])\d+x{2,}(?![A-Za-z0-9]))`,
    String.raw`(?<alnum>(?<![A-Za-z0-9])(?:x{3,}|y{3,}|z{3,})(?![A-Za-z0-9]))`,
    String.raw`(?<angle><[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*>)`,
  ].join("|"),
  "g",
);

const MARKUP = /<\/[A-Za-z][\w:-]*\s*>|<[A-Za-z][\w:-]*(?:\s[^<>]*)?\/>|<[!?][A-Za-z]/;

export function wildcardsFor(expected: string): Wildcards {
  return { angleBrackets: !MARKUP.test(expected) };
}

function placeholderKind(match: RegExpMatchArray, wildcards: Wildcards): PlaceholderKind | undefined {
  const groups = match.groups ?? {};
  const kinds: readonly PlaceholderKind[] = ["ellipsis", "ipv4", "digits", "alnum", "angle"];
  const kind = kinds.find((k) => groups[k] !== undefined);
  if (kind === "angle" && !wildcards.angleBrackets) return undefined;
  return kind;
}

function tokenize(text: string, wildcards: Wildcards): Token[] {
  const tokens: Token[] = [];
  let literalStart = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const kind = placeholderKind(match, wildcards);
    if (kind === undefined) continue;
    const start = match.index ?? 0;
    if (start > literalStart) tokens.push({ kind: "literal", text: text.slice(literalStart, start) });
    tokens.push({ kind, text: match[0] });
    literalStart = start + match[0].length;
  }
  if (literalStart < text.length) tokens.push({ kind: "literal", text: text.slice(literalStart) });
  return tokens;
}

export function hasPlaceholder(text: string, wildcards: Wildcards): boolean {
  return tokenize(text, wildcards).some((token) => token.kind !== "literal");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

function placeholderSource(kind: PlaceholderKind, text: string): string {
  const literal = escapeRegExp(text);
  switch (kind) {
    case "ellipsis":
      return String.raw`[\s\S]*?`;
    case "ipv4":
      return String.raw`(?:\d{1,3}(?:\.\d{1,3}){3}|${literal})`;
    case "digits":
      return String.raw`(?:${text.replace(/x+$/, "")}\d+|${literal})`;
    case "alnum":
      return "[A-Za-z0-9]+";
    case "angle":
      return String.raw`\S+`;
  }
}

/** RegExp source for a piece of expected text; whitespace next to `...` is absorbed by it. */
export function compileInline(text: string, wildcards: Wildcards): string {
  const tokens = tokenize(text, wildcards);
  return tokens
    .map((token, i) => {
      if (token.kind !== "literal") return placeholderSource(token.kind, token.text);
      let literal = token.text;
      if (tokens[i - 1]?.kind === "ellipsis") literal = literal.replace(/^\s+/, "");
      if (tokens[i + 1]?.kind === "ellipsis") literal = literal.replace(/\s+$/, "");
      return escapeRegExp(literal);
    })
    .join("");
}
