import { visible } from "./visible.js";

/** One problem found in a deck: a load error, a parse error or a lint finding. Problems are values, never throws. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly severity: "error" | "warning";
  readonly message: string;
  readonly ruleId: string;
}

/** A deck that cannot be read at all (missing file, bad YAML, binary...): exit code 2. */
export class DeckError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = "DeckError";
  }

  /** `file:line:col: message`, the one line the CLI prints. */
  format(): string {
    const where = this.line ? `${this.file}:${this.line}${this.column ? `:${this.column}` : ""}` : this.file;
    return visible(`${where}: ${this.message}`);
  }
}

/** The problem's one line; its message may quote the deck: control characters are shown, never obeyed. */
export function formatProblem(p: Problem): string {
  return visible(`${p.file}:${p.line}:${p.column}: ${p.severity}: ${p.message} (${p.ruleId})`);
}

/**
 * Errors that leave the deck's structure in doubt: what runs would not be what the author meant
 * (the rest of a slide typed into bash, commands of a comment run). `run` and the UI refuse to
 * start on them unless --force.
 */
export const STRUCTURAL_RULES: ReadonlySet<string> = new Set(["fence-unclosed", "comment-unclosed", "macro-unclosed", "directive-unclosed", "directive-empty", "nesting-too-deep", "markers-too-many"]);

/** A slide past what the parser takes (nesting, markers): it was not parsed, so nothing of the deck may run, even with --force. */
export const LIMIT_RULES: ReadonlySet<string> = new Set(["nesting-too-deep", "markers-too-many"]);

export function limitErrors(problems: readonly Problem[]): Problem[] {
  return problems.filter((p) => p.severity === "error" && LIMIT_RULES.has(p.ruleId));
}

export function structuralErrors(problems: readonly Problem[]): Problem[] {
  return problems.filter((p) => p.severity === "error" && STRUCTURAL_RULES.has(p.ruleId));
}

/** The line that follows structural errors when a run refuses to start. */
export function refusalLine(source: string, errors: readonly Problem[]): string {
  const count = errors.length;
  const force = limitErrors(errors).length > 0 ? "" : " (--force runs anyway)";
  return `labrun: ${visible(source)}: ${count} structural error${count === 1 ? "" : "s"}: nothing was run${force}`;
}
