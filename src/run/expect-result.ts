/** The outcome of comparing a command's output with what a slide expects, shared by every comparison mode. */

export interface MatchResult {
  readonly passed: boolean;
  /** Present when !passed: a readable line diff, '- expected' / '+ actual' lines, no ANSI colours. */
  readonly diff?: string;
}

export const PASSED: MatchResult = { passed: true };

export function failed(diff: string): MatchResult {
  return { passed: false, diff };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
