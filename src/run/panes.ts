import { Session, type SessionOptions } from "./session.js";

const CLOSED = "the run was closed: no shell starts";

export interface PanesOptions extends SessionOptions {
  readonly onData?: (chunk: string) => void;
}

/**
 * The shells of a run: one to begin with, more with `tmux split-pane`. `select-pane -t N` and
 * `last-pane` choose which one receives what follows. Sessions start lazily.
 */
export class Panes {
  private readonly sessions: Session[] = [];
  private current = 0;
  private previous = 0;
  /** Shells being started: close() waits for them, and ends them. */
  private readonly starting = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: PanesOptions) {}

  async active(): Promise<Session> {
    if (this.sessions.length === 0) await this.open();
    return this.sessions[this.current]!;
  }

  /** Acts on a `tmux ARGS` directive; returns a note for the report. */
  async tmux(args: string): Promise<string> {
    const [verb = "", ...rest] = args.trim().split(/\s+/);
    if (this.sessions.length === 0) await this.open();
    switch (verb) {
      case "split-pane":
      case "split-window":
      case "splitw":
      case "new-window":
        await this.open();
        this.select(this.sessions.length - 1);
        return `pane ${this.current} opened`;
      case "select-pane":
      case "selectp": {
        const t = rest.indexOf("-t");
        const target = t >= 0 ? Number(rest[t + 1]?.replace(/^[^\d]*/, "")) : NaN;
        if (!Number.isInteger(target) || !this.sessions[target]) throw new Error(`no pane ${rest[t + 1] ?? "(none given)"} (${this.sessions.length} open)`);
        this.select(target);
        return `pane ${target} selected`;
      }
      case "last-pane":
      case "lastp":
        this.select(this.previous);
        return `pane ${this.current} selected`;
      case "kill-pane": {
        const closing = this.sessions[this.current];
        if (this.sessions.length > 1 && closing) {
          this.sessions.splice(this.current, 1);
          await closing.close();
          this.current = this.previous = 0;
        }
        return "pane closed";
      }
      default:
        return `tmux ${verb}: nothing to do outside tmux`;
    }
  }

  private select(n: number) {
    if (n === this.current) return;
    this.previous = this.current;
    this.current = n;
  }

  /** After close(), no shell starts: a step still in flight when the run was closed fails instead. */
  private open(): Promise<Session> {
    if (this.closed) return Promise.reject(new Error(CLOSED));
    const opening = this.start();
    this.starting.add(opening);
    const forget = () => void this.starting.delete(opening);
    opening.then(forget, forget);
    return opening;
  }

  private async start(): Promise<Session> {
    const session = await Session.start(this.options);
    // Closed while it started: it is ended before close() resolves.
    if (this.closed) {
      await session.close();
      throw new Error(CLOSED);
    }
    if (this.options.onData) session.onData(this.options.onData);
    this.sessions.push(session);
    return session;
  }

  /** Stops what runs in every shell (^C, then the foreground group killed), leaving the shells open. */
  async stop(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.stop()));
  }

  /** Ends every shell, those still starting included; no shell starts afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.splice(0).map((s) => s.close()), ...[...this.starting].map((p) => p.then(() => undefined, () => undefined))]);
  }
}
