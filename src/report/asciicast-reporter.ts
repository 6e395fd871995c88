import { AtomicFile } from "../fs/atomic-write.js";
import type { Step } from "../graph/step.js";
import type { Reporter, RunSummary, StepResult } from "../run/result.js";
import { StepOutputWindow } from "./step-output-window.js";
import { Masker, maskRows } from "../run/masker.js";
import { Screen } from "../run/screen.js";

export interface AsciicastOptions {
  readonly cols: number;
  readonly rows: number;
  readonly title?: string;
  /**
   * The run's secrets (--mask values). The output is masked already, but a terminal can put a
   * secret together from pieces (`\r`, `\b`, cursor moves): when one shows on a step's screen, the
   * recording, which would replay it, is left out (a note in its place), as the HTML report does.
   */
  readonly mask?: readonly string[];
}

/** What a recording left out holds, in place of the session. */
export const RECORDING_LEFT_OUT = "[labrun: the recording is left out: a masked value showed on a step's screen, put together by the terminal]";

/** The first line of an asciicast v2 file. */
export interface AsciicastHeader {
  readonly version: 2;
  readonly width: number;
  readonly height: number;
  /** Unix time, in seconds, of the recording's start. */
  readonly timestamp: number;
  readonly title?: string;
  readonly env: { readonly TERM: string; readonly SHELL: string };
}

/** One output event: seconds since the first event, "o", what the terminal printed. */
export type AsciicastEvent = [number, "o", string];

/** Events are written in batches of about this many bytes (one write per chunk costs more than the JSON). */
const BATCH_BYTES = 64 * 1024;

/**
 * Records the session's terminal output as an asciicast v2 file (`asciinema play run.cast`).
 * Events are streamed as they arrive to a temp file beside it, opened at run start (or at the
 * first output), and renamed over the final path at run end, or when the process exits (an
 * interrupted run leaves its recording so far, whole): concurrent runs never mix their lines.
 * Each step's output is bounded as in the JSON report (see StepOutputWindow): its beginning and
 * its end, with a marker where the middle was left out.
 */
export class AsciicastReporter implements Reporter {
  private out: AtomicFile | undefined;
  private firstAtMs: number | undefined;
  private lastSeconds = 0;
  private batch = "";
  private readonly window = new StepOutputWindow((seconds, data) => this.writeEvent(seconds, data));
  /** Registered before the file's own exit handler, so that what is held is written before it is committed. */
  private readonly onExit = () => {
    if (this.secretShown()) this.leaveOut();
    else this.flush();
  };
  private readonly masker: Masker;
  /** What the terminal shows, to find a secret put together on it (only when there are secrets). */
  private readonly screen: Screen | undefined;
  private secretSeen = false;

  constructor(
    private readonly file: string,
    private readonly opts: AsciicastOptions,
  ) {
    this.masker = new Masker(opts.mask ?? []);
    this.screen = this.masker.active ? new Screen(opts.cols, opts.rows, () => {}) : undefined;
  }

  onRunStart(_steps?: readonly Step[]): void {
    this.open();
  }

  onStepStart(_step?: Step): void {
    if (this.out) this.flush();
  }

  onStepResult(_result?: StepResult): void {
    this.secretShown();
  }

  onOutput(chunk: string, atMs: number): void {
    if (chunk === "") return;
    this.open();
    this.firstAtMs ??= atMs;
    // Players need times that never go back, whatever clock the chunks came with.
    const seconds = Math.max(this.lastSeconds, roundMicros((atMs - this.firstAtMs) / 1000));
    this.lastSeconds = seconds;
    this.window.add(seconds, chunk);
    this.screen?.write(chunk);
  }

  async onRunEnd(_results?: readonly StepResult[], _summary?: RunSummary): Promise<void> {
    const out = this.open();
    process.off("exit", this.onExit);
    if (this.secretShown()) return this.leaveOut();
    this.flush();
    this.screen?.dispose();
    out.commit();
  }

  /** Whether a secret showed on the screen, at a step's end or now. */
  private secretShown(): boolean {
    if (this.screen && !this.secretSeen) {
      const { text, wrapped } = this.screen.rows();
      this.secretSeen = maskRows(this.masker, text, wrapped).some((row, i) => row !== text[i]);
    }
    return this.secretSeen;
  }

  /** Writes a recording that holds only the note that it was left out, in place of the session's. */
  private leaveOut(): void {
    this.screen?.dispose();
    this.out?.discard();
    const out = new AtomicFile(this.file);
    const header = this.header();
    const event: AsciicastEvent = [0, "o", `${RECORDING_LEFT_OUT}\r\n`];
    out.write(`${JSON.stringify(header)}\n${JSON.stringify(event)}\n`);
    out.commit();
  }

  private header(): AsciicastHeader {
    return {
      version: 2,
      width: this.opts.cols,
      height: this.opts.rows,
      timestamp: Math.floor(Date.now() / 1000),
      ...(this.opts.title !== undefined ? { title: this.opts.title } : {}),
      env: { TERM: "xterm-256color", SHELL: "/bin/bash" },
    };
  }

  /** Ends the current step's window and writes every event held. */
  private flush(): void {
    this.window.end();
    if (this.batch !== "") this.out?.write(this.batch);
    this.batch = "";
  }

  private writeEvent(seconds: number, data: string): void {
    const event: AsciicastEvent = [seconds, "o", data];
    this.batch += JSON.stringify(event) + "\n";
    if (this.batch.length >= BATCH_BYTES) {
      this.out?.write(this.batch);
      this.batch = "";
    }
  }

  private open(): AtomicFile {
    if (this.out) return this.out;
    process.once("exit", this.onExit);
    let out: AtomicFile;
    try {
      out = new AtomicFile(this.file);
    } catch (error) {
      process.off("exit", this.onExit);
      throw error;
    }
    const header = this.header();
    out.write(JSON.stringify(header) + "\n");
    this.out = out;
    return out;
  }
}

function roundMicros(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
