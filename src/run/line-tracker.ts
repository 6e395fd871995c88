/**
 * Where the shells of a session stand, as their markers (markers.ts) and their screen tell it:
 * the line typed last and how it ended, whether labrun's bash runs something, how many nested
 * shells are open, and a ^C's fresh prompt that must not pass for the end of a line.
 */
import type { LineEnd } from "./command.js";
import type { Marker } from "./markers.js";
import { EchoFilter, mayStartShell, PromptMatcher, QuietTimer } from "./nested-shell.js";
import type { Screen } from "./screen.js";

/** How long the output of a line that may start a shell (mayStartShell) must be quiet before its last line is taken for a prompt. */
const SHELL_QUIET_MS = 100;
/** The same for any other line whose prompt does not come back: `chroot`, `lxc exec`... start shells too. */
const OTHER_QUIET_MS = 1_500;
/** How long a ^C at the prompt may take to bring a fresh prompt, before typing goes on regardless. */
const STRAY_PROMPT_MS = 1_000;

interface LineWaiter {
  readonly resolve: (end: LineEnd | null) => void;
  /** Typed at PS1, not as the continuation of a command. */
  readonly atPrimaryPrompt: boolean;
  /** The shell started running it (bash: PS0; a nested shell: its echo is over). */
  started: boolean;
  readonly interruptsBefore: number;
  /** How many nested shells were open when it was typed. */
  readonly level: number;
  /** In a nested shell: tells the line's echo from its output. */
  readonly echo: EchoFilter | null;
  /** Labrun's own line (a nested shell's setup): no output, no prompt watch. */
  readonly hidden: boolean;
  /** How long its output must be quiet before a prompt on the cursor's line means a nested shell; null: never. */
  readonly quietMs: number | null;
  /** The line looks like it starts a shell (mayStartShell). */
  readonly startsShell: boolean;
  /** A line was typed (not: more input for the line before is awaited). */
  readonly typed: boolean;
}

export class LineTracker {
  /** Between a start marker and labrun's next prompt: bash runs something (maybe a nested shell). */
  commandRunning = false;
  /** When the start marker of the command running came (Date.now()). */
  startedAt = 0;
  /** Nested interactive shells open inside labrun's bash: lines go to the innermost. */
  depth = 0;
  /** Where the cursor was on the prompt of the nested shell found last. */
  promptColumn = 0;
  /** Markers carry an increasing number: readline re-prints a prompt (resize, ^L) with the same one. */
  private lastMarkerSeq = 0;
  private waiter: LineWaiter | null = null;
  /** ^C sent so far: tells a prompt that ^C caused from the end of a line typed after it. */
  private interruptsSent = 0;
  private strayPromptTimer: NodeJS.Timeout | null = null;
  private readonly prompts: PromptMatcher;
  private readonly promptWatch = new QuietTimer(() => void this.checkForPrompt());
  private gone = false;
  /** Keys that may end the nested shell came while a line ran. */
  private leaving = false;
  /** The last key sent was ^P (keysSent). */
  private afterCtrlP = false;

  constructor(
    private readonly screen: Screen,
    prompts: readonly string[],
    /** A prompt came back, or a stray one stopped being awaited: whoever waits for idleness checks again. */
    private readonly onPrompt: () => void,
  ) {
    this.prompts = new PromptMatcher(prompts);
  }

  /** Running a line, or about to print the fresh prompt a ^C at the prompt asks for. */
  get busy(): boolean {
    if (this.gone) return false;
    // Inside a nested shell, labrun's bash runs it all along: what counts is the nested line.
    const running = this.depth === 0 ? this.commandRunning : this.waiter !== null;
    return running || this.strayPromptTimer !== null;
  }

  /** A line was typed at labrun's bash, which has not started running it yet (bash's readline still has the terminal). */
  get awaitingStart(): boolean {
    const waiter = this.waiter;
    return waiter !== null && waiter.typed && !waiter.started && !waiter.hidden && this.depth === 0 && !this.commandRunning;
  }

  /** Waiting for the line that gives a nested shell its markers. */
  get settingUpShell(): boolean {
    return this.waiter?.hidden === true;
  }

  /**
   * Resolves with how the line about to be typed (or already typed, `line` undefined) ends; null if
   * the shell is gone. `hidden`: labrun's own line. `onlyShells`: a prompt ends it only if the line
   * looks like it starts a shell (mayStartShell).
   */
  lineEnd(atPrimaryPrompt: boolean, line?: string, { hidden = false, onlyShells = false } = {}): Promise<LineEnd | null> {
    if (this.gone) return Promise.resolve(null);
    const startsShell = line !== undefined && mayStartShell(line);
    const quietMs = line === undefined || hidden ? null : startsShell ? SHELL_QUIET_MS : onlyShells ? null : OTHER_QUIET_MS;
    const echo = this.depth > 0 && line !== undefined ? new EchoFilter(line) : null;
    return new Promise((resolve) => {
      this.waiter = { resolve, atPrimaryPrompt, started: false, interruptsBefore: this.interruptsSent, level: this.depth, echo, hidden, quietMs, startsShell, typed: line !== undefined };
    });
  }

  /** Ends the line being waited for (null: it never will). */
  endLine(end: LineEnd | null): void {
    const waiter = this.waiter;
    this.waiter = null;
    this.promptWatch.cancel();
    if (this.leaving && this.depth > 0) this.expectStrayPrompt();
    this.leaving = false;
    waiter?.resolve(end);
  }

  /** Terminal output (marker-free): returns the part that is the running line's output. */
  output(chunk: string): string {
    const waiter = this.waiter;
    let output = "";
    if (waiter?.echo) {
      output = waiter.echo.push(chunk);
      waiter.started ||= waiter.echo.passed;
      if (waiter.hidden) output = "";
    } else if (this.depth === 0 && this.commandRunning) {
      output = chunk;
    }
    if (waiter?.started && waiter.quietMs !== null && waiter.level === this.depth) this.promptWatch.data(waiter.quietMs);
    return output;
  }

  /** A ^C went to the terminal. */
  interrupted(): void {
    this.interruptsSent++;
    if (this.waiter === null && (this.depth > 0 || !this.commandRunning)) this.expectStrayPrompt();
  }

  /**
   * Keys went to a nested shell at its prompt: ^D or `exit` may end it, ^P^Q detach from it
   * (docker's detach keys), and what is typed next belongs to the shell around it, once its
   * prompt is back (or after a while, if none comes).
   */
  keysSent(data: string): void {
    // ^P and ^Q may come as two keys.
    const keys = (this.afterCtrlP ? "\x10" : "") + data;
    this.afterCtrlP = data.endsWith("\x10");
    if (this.depth === 0 || !/\x04|\x10\x11|\b(exit|logout)\b[^\r\n]*[\r\n]/.test(keys)) return;
    // While a line runs, they are read once it ended.
    if (this.waiter === null) this.expectStrayPrompt();
    else this.leaving = true;
  }

  onMarker(marker: Marker): void {
    if (marker.kind === "nested-done" || marker.kind === "nested-more") return this.onNestedMarker(marker);
    if (marker.seq <= this.lastMarkerSeq) return;
    this.lastMarkerSeq = marker.seq;
    switch (marker.kind) {
      case "start":
        this.commandRunning = true;
        this.startedAt = Date.now();
        if (this.waiter !== null) this.waiter.started = true;
        break;
      case "more":
        this.endLine({ kind: "more" });
        break;
      case "done":
        // Labrun's own prompt: any nested shell has exited.
        this.depth = 0;
        this.commandRunning = false;
        this.clearStrayPromptTimer();
        if (!this.isStrayPrompt(marker.status)) this.endLine({ kind: "done", status: marker.status });
        this.onPrompt();
        break;
    }
  }

  /** Bash exited: nothing runs, nothing will end. */
  exited(): void {
    this.gone = true;
    this.depth = 0;
    this.commandRunning = false;
    this.dispose();
    this.endLine(null);
    this.onPrompt();
  }

  dispose(): void {
    this.promptWatch.cancel();
    this.clearStrayPromptTimer();
  }

  /**
   * A nested shell's prompt. Its level says which shell is back at its prompt (an inner one
   * may have exited). A prompt before the echo of the line typed at it is the one the line
   * was typed at, redrawn: not its end.
   */
  private onNestedMarker(marker: Extract<Marker, { kind: "nested-done" | "nested-more" }>): void {
    if (marker.level > this.depth) return;
    const waiter = this.waiter;
    const afterEcho = waiter !== null && (waiter.echo === null || waiter.started || waiter.echo.sawNewline);
    if (marker.kind === "nested-more") {
      if (afterEcho && waiter.level === marker.level) this.endLine({ kind: "more" });
      return;
    }
    this.depth = marker.level;
    this.clearStrayPromptTimer();
    if (afterEcho && waiter.level >= marker.level && !this.isStrayPrompt(marker.status)) this.endLine({ kind: "done", status: marker.status });
    this.onPrompt();
  }

  /**
   * The running line's output went quiet: if the cursor sits after a prompt, the line
   * started another shell (its own prompt, with its marker, would have come back). Or, in
   * a nested shell, a line that starts none set PS1 (`keys PS1=...` in a deck): that
   * shell's prompt lost its marker, and gets it again.
   */
  private async checkForPrompt(): Promise<void> {
    await this.screen.settled();
    const waiter = this.waiter;
    if (waiter === null || !waiter.started || waiter.quietMs === null || waiter.level !== this.depth || this.gone) return;
    // Full-screen programs (vim, less) draw on the alternate screen: what looks like a prompt there is text.
    if (this.screen.alternate) return;
    const beforeCursor = this.screen.beforeCursor();
    if (!this.prompts.matches(beforeCursor.text)) return;
    this.promptColumn = beforeCursor.column;
    // Labrun's bash puts its markers back itself: at depth 0, a prompt without one is always another shell's.
    if (this.depth === 0 || waiter.startsShell) this.depth++;
    this.endLine({ kind: "shell" });
  }

  /**
   * Bash answers a ^C at its prompt with a fresh prompt, and part of what is
   * typed before that prompt is lost: the next line waits for it (or for a
   * while, should it not come).
   */
  private expectStrayPrompt(): void {
    this.clearStrayPromptTimer();
    this.strayPromptTimer = setTimeout(() => {
      this.strayPromptTimer = null;
      this.onPrompt();
    }, STRAY_PROMPT_MS);
  }

  private clearStrayPromptTimer(): void {
    if (this.strayPromptTimer !== null) clearTimeout(this.strayPromptTimer);
    this.strayPromptTimer = null;
  }

  /**
   * A ^C reaching bash at its prompt (sent just as a command ended) makes it
   * print a new prompt, status 130: that prompt must not pass for the end of
   * a line typed after the ^C, which bash reads and runs next.
   */
  private isStrayPrompt(status: number): boolean {
    const waiter = this.waiter;
    return waiter !== null && waiter.atPrimaryPrompt && !waiter.started && status === 130 && waiter.interruptsBefore === this.interruptsSent;
  }
}
