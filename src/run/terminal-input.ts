/**
 * What a session writes to its terminal: keys and lines, in order, with a pause after a lone
 * Escape; and the terminal's replies to programs' queries, which must not end up typed into
 * labrun's bash once the program that asked is gone.
 */
import type { LineTracker } from "./line-tracker.js";

/**
 * After a lone Escape, how long nothing more is typed: busybox vi takes an Escape followed
 * within 50 ms by more bytes for one key's escape sequence (`Escape :` is not `:` then), as a
 * terminal's keys send them; a person never types that fast. Kept well above 50 ms: the
 * program must have read the Escape alone before the next key comes, on a loaded machine too.
 */
export const ESCAPE_PAUSE_MS = 200;

/** Types keys to the terminal in order, pausing after a lone Escape (ESCAPE_PAUSE_MS). */
class KeyTyping {
  private readonly waiting: string[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly write: (data: string) => void) {}

  type(data: string): void {
    if (data === "") return;
    this.waiting.push(data);
    if (this.timer === null) this.typeWaiting();
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.waiting.length = 0;
  }

  private typeWaiting(): void {
    for (let data = this.waiting.shift(); data !== undefined; data = this.waiting.shift()) {
      this.write(data);
      if (data.endsWith("\x1b")) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.typeWaiting();
        }, ESCAPE_PAUSE_MS);
        return;
      }
    }
  }
}

export class TerminalInput {
  private readonly typing: KeyTyping;
  /** A terminal reply went out since labrun's bash was last typed to: its program may have ended before reading it. */
  private replied = false;

  constructor(
    private readonly write: (data: string) => void,
    private readonly lines: LineTracker,
  ) {
    this.typing = new KeyTyping(write);
  }

  /** Raw keys, as a person types them. */
  keys(data: string): void {
    this.typing.type((this.lines.busy ? "" : this.discardReplies()) + data);
  }

  /** A line of a command, and Enter. */
  line(text: string, atPrimaryPrompt: boolean): void {
    // Readline would act on control characters (Tab completes): ^V makes it insert the next one as is.
    this.typing.type((atPrimaryPrompt ? this.discardReplies() : "") + text.replace(/[\x00-\x1f\x7f]/g, "\x16$&") + "\r");
  }

  /** What the terminal answers to a program's query (cursor position, device attributes): only while a command runs. */
  reply(data: string): void {
    if (!this.lines.commandRunning) return;
    this.write(data);
    this.replied = true;
  }

  dispose(): void {
    this.typing.dispose();
  }

  /**
   * At labrun's bash prompt, after a terminal reply went out: ^U, so that readline drops a reply
   * that the program which asked for it did not read (it ended, or `^P^Q` detached from it) and
   * that bash read as typed text. The reply came before the prompt, so it is read before the ^U.
   */
  private discardReplies(): string {
    if (!this.replied || this.lines.depth > 0 || this.lines.commandRunning) return "";
    this.replied = false;
    return "\x15";
  }
}
