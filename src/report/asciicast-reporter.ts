import { AtomicFile } from "../fs/atomic-write.js";
import type { Step } from "../graph/step.js";
import type { Reporter, RunSummary, StepResult } from "../run/result.js";
import { StepOutputWindow } from "./step-output-window.js";

export interface AsciicastOptions {
  readonly cols: number;
  readonly rows: number;
  readonly title?: string;
}

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
  private readonly onExit = () => this.flush();

  constructor(
    private readonly file: string,
    private readonly opts: AsciicastOptions,
  ) {}

  onRunStart(_steps?: readonly Step[]): void {
    this.open();
  }

  onStepStart(_step?: Step): void {
    if (this.out) this.flush();
  }

  onOutput(chunk: string, atMs: number): void {
    if (chunk === "") return;
    this.open();
    this.firstAtMs ??= atMs;
    // Players need times that never go back, whatever clock the chunks came with.
    const seconds = Math.max(this.lastSeconds, roundMicros((atMs - this.firstAtMs) / 1000));
    this.lastSeconds = seconds;
    this.window.add(seconds, chunk);
  }

  async onRunEnd(_results?: readonly StepResult[], _summary?: RunSummary): Promise<void> {
    const out = this.open();
    this.flush();
    process.off("exit", this.onExit);
    out.commit();
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
    const header: AsciicastHeader = {
      version: 2,
      width: this.opts.cols,
      height: this.opts.rows,
      timestamp: Math.floor(Date.now() / 1000),
      ...(this.opts.title !== undefined ? { title: this.opts.title } : {}),
      env: { TERM: "xterm-256color", SHELL: "/bin/bash" },
    };
    out.write(JSON.stringify(header) + "\n");
    this.out = out;
    return out;
  }
}

function roundMicros(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
