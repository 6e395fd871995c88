/** Every kind of step a deck can hold. `manual` is shown to the attendee but never run. */
export const STEP_KINDS = [
  "bash",
  "hide",
  "wait",
  "longwait",
  "key",
  "keys",
  "copy",
  "paste",
  "check",
  "open",
  "tmux",
  "expect",
  "manual",
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Kinds that type a command into the active shell. */
export const COMMAND_KINDS: ReadonlySet<StepKind> = new Set(["bash", "hide"]);
/** Kinds that act on the most recent command (they need one before them). */
export const ACTS_ON_COMMAND: ReadonlySet<StepKind> = new Set(["wait", "longwait", "key", "keys", "check", "expect"]);

export interface Step {
  /** Stable: derived from the file and the step's place in it (slide name or title, and its rank there). */
  readonly id: string;
  readonly kind: StepKind;
  /** The command as it will be typed (or the directive's argument, or the expected output). */
  readonly text: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** 1-based slide number across the whole deck. */
  readonly slide: number;
  readonly title: string;
  readonly chapter: string;
  /** Inside an HTML comment: never shown to the attendee. */
  readonly hidden: boolean;
  /** Classes of the slide (extra-details, ...). */
  readonly classes: readonly string[];
  /** Fence language for expect/manual blocks (json, yaml, ...). */
  readonly lang?: string;
  /** Expect steps: a strict expectation fails its step, a loose one only warns (unless --strict-expectations). */
  readonly strict?: boolean;
  /** Expect steps: why the expectation is strict or loose, in words. */
  readonly strictReason?: string;
  /** Expect steps: the block is one part of a longer output, matched wherever it appears. */
  readonly fragment?: boolean;
  /** Command steps of a transcript that shows an error (transcript mode): the error line; the command must fail. */
  readonly failsWith?: string;
  /**
   * Waits made from a transcript (transcript mode) whose lines change from run to run (a time, an
   * address): lines shaped like those of `text`, in order, are waited for (their numbers and ids
   * may differ), and not seeing them in time is a warning, not a failure: the ^C after is sent anyway.
   */
  readonly lineLike?: boolean;
  /** Ids of the steps this one needs, in the order first found (see `dependencies` for why). */
  readonly dependsOn: readonly string[];
  /** Variables set for later steps. */
  readonly defines: readonly string[];
  /** Variables needed from earlier steps. */
  readonly uses: readonly string[];
  /** Why each dependency exists: one entry per reason (absent on steps built by hand). */
  readonly dependencies?: readonly Dependency[];
  /** Cluster resources and images defined and used (command steps; absent when none). */
  readonly resources?: { readonly defines: readonly string[]; readonly uses: readonly string[] };
}

/**
 * One reason for a dependency: `variable REGISTRY`, `cwd`, `resource deployment/registry`,
 * `image busybox:latest`, `command` (a wait, keys, check or expectation acts on it),
 * `clipboard` (a paste needs its copy), `pane` (the tmux pane it types into).
 */
export interface Dependency {
  readonly id: string;
  readonly because: string;
}
