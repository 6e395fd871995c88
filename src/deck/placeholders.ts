/**
 * The placeholders the courses' build (markmaker.py) fills in the slides: `@@GITREPO@@` and the
 * other manifest fields, `@@LINK[path]` (a link to a file of the repository) and
 * `@@INCLUDE[path]` (that file's content). Pure: files are read through the callbacks given.
 *
 * An included file expands in place into several lines; `sourceLines` keeps, for every line of
 * the result, the line it came from, so that steps after it still point at their own line.
 */

/** The placeholders a manifest's fields fill, by name (`GITREPO` for `@@GITREPO@@`). */
export const FIELD_PLACEHOLDERS = ["GITREPO", "SLIDES", "CHAT", "TITLE", "ZIP", "HTML"] as const;

/** Filled by the build with something labrun does not make (the table of contents): left as is. */
const BUILD_GENERATED: ReadonlySet<string> = new Set(["TOC"]);

/** A placeholder left in the text, with where it is in the source (for the lint rule). */
export interface UnfilledPlaceholder {
  /** The placeholder as written: `@@CHAT@@`, `@@INCLUDE[k8s/x.yaml]`. */
  readonly text: string;
  /** Why it was not filled. */
  readonly reason: string;
  /** 1-based line in the substituted text (to know which slide holds it). */
  readonly textLine: number;
  /** 1-based line and column in the source file. */
  readonly line: number;
  readonly column: number;
}

export interface Substituted {
  readonly text: string;
  /** The source line of each line of `text` (index 0 is line 1); absent when they are the same. */
  readonly sourceLines?: readonly number[];
  /**
   * For the lines of `text` that an `@@INCLUDE[path]` alone on its line brought in, the file and
   * line they come from (undefined for the others); absent when there are none.
   */
  readonly origins?: readonly (LineOrigin | undefined)[];
  readonly unfilled: readonly UnfilledPlaceholder[];
}

/** Where a line of included text comes from: the file (as shown) and its 1-based line. */
export interface LineOrigin {
  readonly file: string;
  readonly line: number;
}

/**
 * What a `@@LINK[path]` or `@@INCLUDE[path]` resolves to: the text (for an include, with the
 * origin of each of its lines), or why there is none.
 */
export type Resolved = { readonly text: string; readonly origins?: readonly LineOrigin[] } | { readonly missing: string };

/** A line and column of a source file (1-based). */
export interface SourcePlace {
  readonly line: number;
  readonly column: number;
}

export interface SubstituteOptions {
  /** Values by placeholder name (`GITREPO`); a name without a value is left and reported. */
  readonly values: Readonly<Record<string, string>>;
  /** Whether the values come from a course manifest (a plain .md deck has none), for messages. */
  readonly fromManifest: boolean;
  /** The Markdown of `@@LINK[path]`. */
  readonly link: (path: string) => Resolved;
  /** The content of `@@INCLUDE[path]`, written at `at` (the source's line and column). */
  readonly include: (path: string, at: SourcePlace) => Resolved;
  /** The source line of line `index` (0-based) of the text; default: index + 1. */
  readonly sourceLine?: (index: number) => number;
  /** Added to columns (the indentation of Markdown written inside a manifest). */
  readonly columnOffset?: number;
}

const TOKEN = /@@(?:(INCLUDE|LINK)\[([^\]\n]*)\]|([A-Z][A-Z0-9_]*)@@)/g;
const FIELD = /@@([A-Z][A-Z0-9_]*)@@/g;

export function substitute(text: string, options: SubstituteOptions): Substituted {
  const sourceLine = options.sourceLine ?? ((i: number) => i + 1);
  const columnOffset = options.columnOffset ?? 0;
  if (!text.includes("@@") && !options.sourceLine) return { text, unfilled: [] };

  const out: string[] = [];
  const sourceLines: number[] = [];
  const origins: (LineOrigin | undefined)[] = [];
  const unfilled: UnfilledPlaceholder[] = [];
  let shifted = false;

  text.split(/\r?\n|\r/).forEach((line, i) => {
    const src = sourceLine(i);
    if (src !== i + 1) shifted = true;
    if (!line.includes("@@")) {
      out.push(line);
      sourceLines.push(src);
      origins.push(undefined);
      return;
    }
    // Output of this source line so far; its newlines say which text line a placeholder lands on.
    let result = "";
    const leave = (placeholder: string, reason: string, column: number) => {
      unfilled.push({ text: placeholder, reason, textLine: out.length + 1 + countNewlines(result), line: src, column });
      result += placeholder;
    };
    const fill = (s: string, column: number) => {
      let last = 0;
      for (const m of s.matchAll(FIELD)) {
        result += s.slice(last, m.index);
        last = m.index + m[0].length;
        const value = fieldValue(m[1]!, options.values, options.fromManifest);
        if (typeof value === "string") result += value;
        else if (value) leave(m[0], value.missing, column);
        else result += m[0];
      }
      result += s.slice(last);
    };

    // An include alone on its line: each line of the result is a line of the included file.
    let included: readonly LineOrigin[] | undefined;
    let last = 0;
    for (const m of line.matchAll(TOKEN)) {
      result += line.slice(last, m.index);
      last = m.index + m[0].length;
      const column = m.index + 1 + columnOffset;
      const [whole, directive, path = "", name] = m;
      if (name !== undefined) {
        fill(whole, column);
        continue;
      }
      const resolved = directive === "INCLUDE" ? options.include(path, { line: src, column }) : options.link(path);
      if ("missing" in resolved) {
        leave(whole, resolved.missing, column);
        continue;
      }
      // The build fills the manifest's fields after including files: included text gets them too.
      if (directive === "INCLUDE") {
        shifted ||= resolved.text.includes("\n");
        if (whole === line) included = resolved.origins;
        fill(resolved.text, column);
      } else result += resolved.text;
    }
    result += line.slice(last);

    const pieces = result.split("\n");
    out.push(...pieces);
    const mapped = included?.length === pieces.length ? included : undefined;
    for (let k = 0; k < pieces.length; k++) {
      sourceLines.push(src);
      origins.push(mapped?.[k]);
    }
  });

  const withOrigins = origins.some((o) => o !== undefined) ? { origins } : {};
  return shifted ? { text: out.join("\n"), sourceLines, unfilled, ...withOrigins } : { text: out.join("\n"), unfilled, ...withOrigins };
}

const INCLUDE = /@@INCLUDE\[([^\]\n]*)\]/g;

/**
 * The `@@INCLUDE[path]`s of an included file (`file`, as shown), expanded (`include` recurses for
 * theirs in turn); one that resolves to nothing is left as written. `origins` says where each line
 * of the result comes from: the file's own line, or the included file's line for an include alone
 * on its line.
 */
export function expandIncludes(text: string, file: string, include: (path: string, at: SourcePlace) => Resolved): { text: string; origins: LineOrigin[] } {
  const out: string[] = [];
  const origins: LineOrigin[] = [];
  text.split("\n").forEach((line, i) => {
    const own: LineOrigin = { file, line: i + 1 };
    if (!line.includes("@@INCLUDE[")) {
      out.push(line);
      origins.push(own);
      return;
    }
    let inner: readonly LineOrigin[] | undefined;
    const expanded = line.replace(INCLUDE, (whole, path: string, offset: number) => {
      const resolved = include(path, { line: i + 1, column: offset + 1 });
      if (!("text" in resolved)) return whole;
      if (whole === line) inner = resolved.origins;
      return resolved.text;
    });
    const pieces = expanded.split("\n");
    out.push(...pieces);
    pieces.forEach((_, k) => origins.push(inner?.length === pieces.length ? inner[k]! : own));
  });
  return { text: out.join("\n"), origins };
}

/** A value, nothing to do (a placeholder the build generates), or why it stays unfilled. */
function fieldValue(name: string, values: Readonly<Record<string, string>>, fromManifest: boolean): string | { missing: string } | undefined {
  const value = values[name];
  if (value !== undefined) return value;
  if (BUILD_GENERATED.has(name)) return undefined;
  if ((FIELD_PLACEHOLDERS as readonly string[]).includes(name)) {
    const field = name.toLowerCase();
    return {
      missing: fromManifest
        ? `@@${name}@@ has no value: the manifest has no '${field}' field`
        : `@@${name}@@ has no value: only a course manifest fills it (its '${field}' field); load the deck from its .yml`,
    };
  }
  return { missing: `@@${name}@@ is not a placeholder the courses' build fills (${FIELD_PLACEHOLDERS.map((n) => `@@${n}@@`).join(", ")})` };
}

/**
 * The values a manifest's fields give, as the build derives them: `zip` defaults to the slides'
 * URL + `slides.zip`, `html` to the manifest's file name + `.html`, and the title's line breaks
 * become `<br/>` (other fields' become spaces, so that no line moves).
 */
export function manifestValues(fields: {
  readonly title?: string | null;
  readonly gitrepo?: string | null;
  readonly slides?: string | null;
  readonly chat?: string | null;
  readonly zip?: string | null;
  readonly html?: string | null;
  readonly fileName: string;
}): Record<string, string> {
  const values: Record<string, string> = {};
  const set = (name: string, value: string | null | undefined) => {
    if (value !== undefined && value !== null) values[name] = value.replace(/\r?\n|\r/g, " ");
  };
  set("GITREPO", fields.gitrepo);
  set("SLIDES", fields.slides);
  set("CHAT", fields.chat);
  if (fields.title !== undefined && fields.title !== null) values.TITLE = fields.title.replace(/\r?\n|\r/g, "<br/>");
  set("ZIP", fields.zip ?? (fields.slides ? `${fields.slides}${fields.slides.endsWith("/") ? "" : "/"}slides.zip` : undefined));
  set("HTML", fields.html ?? `${fields.fileName}.html`);
  return values;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
}
