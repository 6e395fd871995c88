import type { Step } from "../graph/step.js";
import type { StepStatus } from "../run/result.js";

/** One line that says what a step does, as the step list shows it. */
export function describeStep(step: Step): string {
  const lines = step.text.split("\n");
  const first = (lines.find((l) => l.trim() !== "") ?? "").trim() + (lines.filter((l) => l.trim()).length > 1 ? " …" : "");
  switch (step.kind) {
    case "bash":
    case "hide":
      return `$ ${first}`;
    case "wait":
      return step.lineLike ? `wait for lines like “${first}”` : `wait for “${first}”`;
    case "longwait":
      return `wait (long) for “${first}”`;
    case "key":
      return `press ${step.text.trim()}`;
    case "keys":
      return KEY_NAME.test(step.text.trim()) ? `press ${step.text.trim()}` : `type “${step.text}”`;
    case "copy":
      return `copy /${step.text}/ from the screen`;
    case "paste":
      return "paste what was copied";
    case "check":
      return "check the exit status";
    case "open":
      return `open ${first}`;
    case "tmux":
      return `tmux ${first}`;
    case "expect":
      return `expect: ${first}`;
    case "manual":
      return `to adapt (not run): ${first}`;
  }
}

/** A `keys` text that is keys (keys.ts, keysBytes): `^C`, `^P^Q`, `Escape`, `Enter`... */
const KEY_NAME = /^((\^[@-_a-z?])+|Escape|Esc|Space|Enter|Return|Tab|Backspace|Delete|Up|Down|Left|Right|Home|End|PageUp|PageDown)$/;

export type Mark = StepStatus | "running" | "pending";

export const MARKS: Readonly<Record<Mark, string>> = {
  passed: "✓",
  failed: "✗",
  timedOut: "⏱",
  skipped: "-",
  interrupted: "!",
  running: "▸",
  pending: " ",
};

/** The status a group of steps shows: the worst of them; nothing run yet is pending. */
export function worstStatus(statuses: readonly (StepStatus | undefined)[]): Mark {
  const known = statuses.filter((s): s is StepStatus => s !== undefined);
  if (known.length === 0) return "pending";
  if (known.includes("failed")) return "failed";
  if (known.includes("timedOut")) return "timedOut";
  if (known.includes("interrupted")) return "interrupted";
  if (known.includes("passed")) return "passed";
  return "skipped";
}

export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}
