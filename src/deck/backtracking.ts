/**
 * Why a regular expression from a deck's configuration could take exponential time on a line of
 * the screen, or undefined: a repeated group (`*`, `+`, `{n,}`, `{n,m}`) holding a quantifier or
 * an alternation, as `(a+)+$`, `(\w|\d)*x`, `(a?a)*`, where JavaScript's backtracking engine tries
 * every way of splitting the text. Conservative: it refuses some patterns that would be fine.
 */
export function backtrackingRisk(pattern: string): string | undefined {
  interface Group {
    readonly start: number;
    quantified: boolean;
    alternation: boolean;
  }
  const stack: Group[] = [{ start: 0, quantified: false, alternation: false }];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      i += 2;
      i = afterQuantifier(pattern, i, stack.at(-1)!);
      continue;
    }
    if (ch === "[") {
      i = afterClass(pattern, i);
      i = afterQuantifier(pattern, i, stack.at(-1)!);
      continue;
    }
    if (ch === "(") {
      stack.push({ start: i, quantified: false, alternation: false });
      // `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!`, `(?<name>`: the group's kind, not a quantifier.
      const kind = /^\((?:\?(?:[:=!]|<[=!]|<[A-Za-z_$][\w$]*>))?/.exec(pattern.slice(i))![0];
      i += kind.length;
      continue;
    }
    if (ch === "|") {
      stack.at(-1)!.alternation = true;
      i++;
      continue;
    }
    if (ch === ")" && stack.length > 1) {
      const group = stack.pop()!;
      const outer = stack.at(-1)!;
      const repeat = repeatAt(pattern, i + 1);
      if (repeat !== undefined && repeat.repeats && (group.quantified || group.alternation)) {
        const inside = group.quantified ? "a quantifier" : "alternatives";
        return `'${pattern.slice(group.start, i + 1)}${pattern.slice(i + 1, repeat.end)}' repeats a group holding ${inside}: matching it can take exponential time (write it without the nesting)`;
      }
      outer.quantified ||= group.quantified || repeat !== undefined;
      outer.alternation ||= group.alternation;
      i = repeat?.end ?? i + 1;
      continue;
    }
    i = afterQuantifier(pattern, i + 1, stack.at(-1)!);
  }
  return undefined;
}

/** The end of a `[...]` class starting at `i` (`]` first in it is a character, as `\]`). */
function afterClass(pattern: string, i: number): number {
  let j = i + 1;
  if (pattern[j] === "^") j++;
  if (pattern[j] === "]") j++;
  while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
  return j + 1;
}

/** A quantifier at `i`: where it ends, and whether it repeats (not `?`, `{0,1}`, `{1}`). */
function repeatAt(pattern: string, i: number): { end: number; repeats: boolean } | undefined {
  const ch = pattern[i];
  let end: number;
  let repeats: boolean;
  if (ch === "*" || ch === "+") [end, repeats] = [i + 1, true];
  else if (ch === "?") [end, repeats] = [i + 1, false];
  else {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (!m) return undefined;
    const max = m[2] === undefined ? Number(m[1]) : m[3] === "" ? Infinity : Number(m[3]);
    [end, repeats] = [i + m[0].length, max > 1];
  }
  // A lazy or possessive mark after it changes nothing here.
  if (pattern[end] === "?") end++;
  return { end, repeats };
}

function afterQuantifier(pattern: string, i: number, group: { quantified: boolean }): number {
  const repeat = repeatAt(pattern, i);
  if (repeat === undefined) return i;
  group.quantified = true;
  return repeat.end;
}
