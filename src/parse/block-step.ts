import type { StepKind } from "../graph/step.js";
import type { Strictness } from "./expectations.js";

/** A step a fenced block makes, before the slide gives it its id. */
export interface BlockStep {
  readonly kind: StepKind;
  readonly text: string;
  readonly line: number;
  readonly lang?: string;
  /** Expect steps only. */
  readonly expectation?: Strictness;
  /** Expect steps: the line of the expected output's last line (`line` is its first), for --update. */
  readonly endLine?: number;
  /** Command steps of a transcript that shows an error: the error line (the command is expected to fail). */
  readonly failsWith?: string;
  /** A transcript's command shown, not run (a template, an editor): what follows cannot check another command's output. */
  readonly template?: boolean;
  /** Not written on the slide as a step (the wait before a transcript's `^C`). */
  readonly hidden?: boolean;
  /** A wait made from a transcript's line that changes from run to run: see Step.lineLike. */
  readonly lineLike?: boolean;
}
