/**
 * Placeholders in expected text (`xxxxx`, `X.X.X.X`, `3xxxx`, `...`, `<name>`): tokenising expected
 * text and compiling it into RegExp source where placeholders are wildcards and the rest is escaped.
 * The rules are described in expect-match.ts.
 */

export interface Wildcards {
  /** `<pod-name>` is a wildcard, unless the expected text is markup. */
  readonly angleBrackets: boolean;
}

type PlaceholderKind = "ellipsis" | "ipv4" | "digits" | "alnum" | "angle" | VolatileKind;

/**
 * Values that change from one run to the next, written as the author's run printed them: they
 * match any value of their shape (FORMAT.md: "matching has to tolerate them"). Each: its pattern in
 * the expected text, and the source that matches any such value.
 */
const AMOUNT = String.raw`(?:\d+|an?|[Aa]bout an?|[Ll]ess than an?)`;
const UNIT = String.raw`(?:second|minute|hour|day|week|month|year)s?`;
const VOLATILE = {
  // date(1): Fri Feb 20 00:28:53 UTC 2015
  datetime: {
    pattern: String.raw`(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?: [A-Z]{2,5})? \d{4}`,
    source: String.raw`[A-Z][a-z]{2} [A-Z][a-z]{2} {1,2}\d{1,2} \d{2}:\d{2}:\d{2}(?: [A-Z]{2,5})? \d{4}`,
  },
  // docker ps: 2 minutes ago, About an hour ago; Up 3 seconds, Up Less than a second
  age: { pattern: String.raw`(?<![\w])${AMOUNT} ${UNIT} ago(?!\w)`, source: String.raw`${AMOUNT} ${UNIT} ago` },
  uptime: { pattern: String.raw`(?<![\w])Up ${AMOUNT} ${UNIT}(?!\w)`, source: String.raw`Up ${AMOUNT} ${UNIT}` },
  date: { pattern: String.raw`(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)`, source: String.raw`\d{4}-\d{2}-\d{2}` },
  time: { pattern: String.raw`(?<![\d:.])\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?![\d:])`, source: String.raw`\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?` },
  address: { pattern: String.raw`(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])`, source: String.raw`\d{1,3}(?:\.\d{1,3}){3}` },
  // 18.03.0-ce, v1.20.0, 20.10.24+dfsg1 (three numbers: two are a decimal, four an address)
  version: { pattern: String.raw`(?<![\w.])v?\d+\.\d+\.\d+(?:[-+~][0-9A-Za-z.+~-]*[0-9A-Za-z])?(?![\w.])`, source: String.raw`v?\d+\.\d+\.\d+(?:[-+~][0-9A-Za-z.+~-]*[0-9A-Za-z])?` },
  // a container or image id, a digest: 12 to 64 hex digits
  hexid: { pattern: String.raw`(?<![\w.-])[0-9a-f]{12,64}(?![\w.-])`, source: String.raw`[0-9a-f]{12,64}` },
  // a port a run picks: a NodePort (80:31234/TCP) or an ephemeral one (docker run -P: 0.0.0.0:32770->9292/tcp), 30000 to 60999
  port: { pattern: String.raw`(?<=:)(?:3\d{4}|[45]\d{4}|60\d{3})(?=->|/(?:tcp|udp|sctp|TCP|UDP|SCTP)(?!\w)|\s|$)`, source: String.raw`\d{4,5}` },
  // 14s, 250ms, time=0.376 ms
  duration: { pattern: String.raw`(?<![\w.])\d+(?:\.\d+)?(?:ms|µs|us|ns|s|m|h|d| ms| µs)(?!\w)`, source: String.raw`\d+(?:\.\d+)?(?:ms|µs|us|ns|s|m|h|d| ms| µs)` },
} as const;
type VolatileKind = keyof typeof VOLATILE;
const VOLATILE_KINDS = Object.keys(VOLATILE) as VolatileKind[];

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
    ...VOLATILE_KINDS.map((kind) => `(?<${kind}>${VOLATILE[kind].pattern})`),
  ].join("|"),
  "g",
);

const MARKUP = /<\/[A-Za-z][\w:-]*\s*>|<[A-Za-z][\w:-]*(?:\s[^<>]*)?\/>|<[!?][A-Za-z]/;

export function wildcardsFor(expected: string): Wildcards {
  return { angleBrackets: !MARKUP.test(expected) };
}

function placeholderKind(match: RegExpMatchArray, wildcards: Wildcards): PlaceholderKind | undefined {
  const groups = match.groups ?? {};
  const kinds: readonly PlaceholderKind[] = ["ellipsis", "ipv4", "digits", "alnum", "angle", ...VOLATILE_KINDS];
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
    default:
      return `(?:${VOLATILE[kind].source}|${literal})`;
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
