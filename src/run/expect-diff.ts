/**
 * Line diffs for failed matches: `- expected`, `+ actual`, two spaces for lines in common, long
 * common runs elided and the whole cut at about 60 lines.
 */
import { diffArrays } from "diff";

export type LineEquals = (expectedLine: string, actualLine: string) => boolean;

const MAX_DIFF_LINES = 60;
const MAX_DIFF_INPUT_LINES = 500;
const CONTEXT_LINES = 3;
const ELIDED = "…";

interface DiffRow {
  readonly sign: "-" | "+" | " ";
  readonly line: string;
}

/** Where the output looks most like the expected lines, with some context; all of it when short. */
export function relevantWindow(expectedLines: readonly string[], actualLines: readonly string[], equals: LineEquals): string[] {
  if (actualLines.length <= MAX_DIFF_LINES) return [...actualLines];
  let bestStart = 0;
  let bestScore = -1;
  const lastStart = Math.min(actualLines.length, MAX_DIFF_INPUT_LINES * 10);
  for (let start = 0; start < lastStart; start++) {
    const score = expectedLines.filter((line, i) => {
      const actualLine = actualLines[start + i];
      return actualLine !== undefined && equals(line, actualLine);
    }).length;
    if (score > bestScore) [bestStart, bestScore] = [start, score];
  }
  const from = Math.max(0, bestStart - CONTEXT_LINES);
  return actualLines.slice(from, bestStart + expectedLines.length + CONTEXT_LINES);
}

function diffRows(expectedLines: readonly string[], actualLines: readonly string[], equals: LineEquals): DiffRow[] {
  const changes = diffArrays(
    expectedLines.slice(0, MAX_DIFF_INPUT_LINES),
    actualLines.slice(0, MAX_DIFF_INPUT_LINES),
    { comparator: equals },
  );
  return changes.flatMap((change) => {
    const sign = change.added ? "+" : change.removed ? "-" : " ";
    return change.value.map((line): DiffRow => ({ sign, line }));
  });
}

export function changedLineCount(expectedLines: readonly string[], actualLines: readonly string[], equals: LineEquals): number {
  return diffRows(expectedLines, actualLines, equals).filter((row) => row.sign !== " ").length;
}

export function formatDiff(expectedLines: readonly string[], actualLines: readonly string[], equals: LineEquals): string {
  const rows = elideCommonRuns(diffRows(expectedLines, actualLines, equals));
  const lines = rows.map((row) => (row === ELIDED ? ELIDED : `${row.sign} ${row.line}`));
  return capLines(lines).join("\n");
}

/** Keep a few lines of context around changes; elided runs become a `…` line. */
function elideCommonRuns(rows: readonly DiffRow[]): (DiffRow | typeof ELIDED)[] {
  if (rows.every((row) => row.sign === " ")) return [...rows];
  const out: (DiffRow | typeof ELIDED)[] = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i]?.sign !== " ") {
      out.push(rows[i] as DiffRow);
      i++;
      continue;
    }
    let end = i;
    while (end < rows.length && rows[end]?.sign === " ") end++;
    out.push(...elideRun(rows.slice(i, end), i === 0, end === rows.length));
    i = end;
  }
  return out;
}

function elideRun(run: readonly DiffRow[], atStart: boolean, atEnd: boolean): (DiffRow | typeof ELIDED)[] {
  const keepBefore = atStart ? 0 : CONTEXT_LINES;
  const keepAfter = atEnd ? 0 : CONTEXT_LINES;
  if (run.length <= keepBefore + keepAfter + 1) return [...run];
  return [...run.slice(0, keepBefore), ELIDED, ...run.slice(run.length - keepAfter)];
}

function capLines(lines: readonly string[]): string[] {
  if (lines.length <= MAX_DIFF_LINES) return [...lines];
  return [...lines.slice(0, MAX_DIFF_LINES - 1), ELIDED];
}
