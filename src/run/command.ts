import { LineSearch, OutputLog, TextSearch } from "./output-log.js";

export interface CommandResult {
  /** First non-zero status of the commands (else 0); null when it never finished (timeout, shell gone). */
  exitCode: number | null;
  /** The status of each command of the text, in order. */
  statuses: number[];
  /** What the commands printed, ANSI stripped, `\r\n` as `\n`, masked. */
  output: string;
  /** What the commands printed as the terminal received it, masked. */
  rawOutput: string;
  timedOut: boolean;
  durationMs: number;
  /** On a timeout, the screen's last line when it came: what the terminal was waiting on. */
  lastScreenLine?: string;
  /** On a timeout: a nested shell's prompt was found, but the shell never printed the markers it was given (not a POSIX shell?). */
  shellWithoutMarkers?: boolean;
  /** The shell went away before the command finished: why ("connection lost: ..." for a remote one). */
  shellGone?: string;
}

export interface RunningCommand {
  readonly startedAt: number;
  /** Stripped output since the command started (so far). */
  output(): string;
  /**
   * True as soon as `text` appears in the command's output (ANSI stripped;
   * also tried with whitespace runs collapsed), or, for patterns, whole lines
   * of it match them, in order. False on timeout or when the command ended without printing it.
   */
  waitFor(text: string | readonly RegExp[], opts?: { timeoutMs?: number }): Promise<boolean>;
  /** Resolves when the command finishes (prompt back), whatever the cause. */
  readonly done: Promise<CommandResult>;
  /** Resolves once every line of the text was typed (or typing stopped): keys for the command come after. */
  readonly typed: Promise<void>;
}

const DEFAULT_WAIT_MS = 60_000;

/** How a typed line ended: bash wants more, it ran (with its status), or it started a nested shell. */
export type LineEnd = { readonly kind: "more" } | { readonly kind: "done"; readonly status: number } | { readonly kind: "shell" };

/** A text typed into the session: its commands' statuses and output. */
export class Command implements RunningCommand {
  readonly startedAt = Date.now();
  readonly done: Promise<CommandResult>;
  readonly statuses: number[] = [];
  /** No more lines are typed (^C, timeout). */
  aborted = false;
  timedOut = false;
  lastScreenLine: string | undefined;
  shellWithoutMarkers = false;
  private readonly log = new OutputLog();
  private readonly waiters = new Set<PendingWait>();
  private resolveDone: (result: CommandResult) => void = () => {};
  readonly typed: Promise<void>;
  /** Every line was typed, or none will be. */
  allTyped: () => void = () => {};
  private result: CommandResult | null = null;

  constructor(
    private readonly settled: () => Promise<void>,
    /** Started for the keys of the next steps (vim, a pager...): a prompt-like line there is rarely a shell's. */
    readonly drivenByKeys = false,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.typed = new Promise((resolve) => {
      this.allTyped = resolve;
    });
  }

  get finished(): boolean {
    return this.result !== null;
  }

  output(): string {
    return this.log.text.toString();
  }

  waitFor(text: string | readonly RegExp[], opts: { timeoutMs?: number } = {}): Promise<boolean> {
    const search = typeof text === "string" ? new TextSearch(text) : new LineSearch(text);
    if (search.foundInAll(this.log)) return this.settled().then(() => true);
    if (this.finished) return Promise.resolve(false);
    return new Promise((resolve) => {
      const pending: PendingWait = {
        search,
        end: (found) => {
          clearTimeout(timer);
          this.waiters.delete(pending);
          if (found) void this.settled().then(() => resolve(true));
          else resolve(false);
        },
      };
      const timer = setTimeout(() => pending.end(false), opts.timeoutMs ?? DEFAULT_WAIT_MS);
      this.waiters.add(pending);
    });
  }

  /** Output between a start and a done marker. */
  append(chunk: string): void {
    if (this.finished) return;
    this.log.append(chunk);
    this.checkWaiters();
  }

  /** Returns whether bash wants another line of the same command. */
  record(end: LineEnd): boolean {
    if (end.kind === "more") return true;
    this.statuses.push(end.kind === "done" ? end.status : 0);
    return false;
  }

  finish({ neverFinished, shellGone }: { neverFinished: boolean; shellGone?: string | undefined }): void {
    if (this.result !== null) return;
    this.log.end();
    this.checkWaiters();
    const failed = this.statuses.find((status) => status !== 0);
    this.result = {
      exitCode: neverFinished || this.timedOut ? null : (failed ?? 0),
      statuses: [...this.statuses],
      output: this.log.text.toString(),
      rawOutput: this.log.raw.toString(),
      timedOut: this.timedOut,
      durationMs: Date.now() - this.startedAt,
      ...(this.lastScreenLine !== undefined ? { lastScreenLine: this.lastScreenLine } : {}),
      ...(this.shellWithoutMarkers ? { shellWithoutMarkers: true } : {}),
      ...(neverFinished && shellGone !== undefined ? { shellGone } : {}),
    };
    for (const pending of [...this.waiters]) pending.end(false);
    this.allTyped();
    this.resolveDone(this.result);
  }

  private checkWaiters(): void {
    for (const pending of [...this.waiters]) {
      if (pending.search.foundInNew(this.log)) pending.end(true);
    }
  }
}

interface PendingWait {
  readonly search: TextSearch | LineSearch;
  end(found: boolean): void;
}
