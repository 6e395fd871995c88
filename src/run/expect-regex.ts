/** Regex comparison: a `regex` block, or a one-line `/pattern/flags` that may also be plain text. */
import { formatDiff } from "./expect-diff.js";
import { PASSED, errorMessage, failed, type MatchResult } from "./expect-result.js";
import { matchText, textLines } from "./expect-text.js";

export interface RegexSpec {
  readonly source: string;
  readonly flags: string;
}

/** `/pattern/flags` on one line. Strict: the pattern may not contain an unescaped `/`. */
export function parseRegexLiteral(text: string, { strict }: { readonly strict: boolean }): RegexSpec | undefined {
  const trimmed = text.trim();
  if (trimmed.includes("\n")) return undefined;
  const m = /^\/(.+)\/([dgimsuvy]*)$/.exec(trimmed);
  if (!m) return undefined;
  const source = m[1] ?? "";
  if (strict && hasUnescapedSlash(source)) return undefined;
  return { source, flags: m[2] ?? "" };
}

function hasUnescapedSlash(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) return true;
  }
  return false;
}

export function regexFromBlock(expected: string): RegexSpec {
  return parseRegexLiteral(expected, { strict: false }) ?? { source: expected.trim(), flags: "" };
}

type Compiled = { readonly ok: true; readonly re: RegExp } | { readonly ok: false; readonly error: string };

function compileRegex(spec: RegexSpec): Compiled {
  try {
    return { ok: true, re: new RegExp(spec.source, spec.flags) };
  } catch (err) {
    return { ok: false, error: `invalid regular expression /${spec.source}/${spec.flags}: ${errorMessage(err)}` };
  }
}

export function matchRegex(spec: RegexSpec, actual: string): MatchResult {
  const compiled = compileRegex(spec);
  if (!compiled.ok) return failed(compiled.error);
  if (compiled.re.test(actual)) return PASSED;
  return failed(formatDiff([`/${spec.source}/${spec.flags}`], textLines(actual), () => false));
}

/** A line that looks like `/pattern/flags` may also be plain text, such as a path. */
export function matchRegexOrText(spec: RegexSpec, expected: string, actual: string): MatchResult {
  const asText = matchText(expected, actual);
  if (asText.passed) return asText;
  const compiled = compileRegex(spec);
  return compiled.ok ? matchRegex(spec, actual) : asText;
}
