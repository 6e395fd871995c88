import { AtomicFile } from "../fs/atomic-write.js";
import type { Step } from "../graph/step.js";
import type { Reporter, RunSummary, StepResult } from "../run/result.js";

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

/**
 * Records the session's terminal output as an asciicast v2 file (`asciinema play run.cast`).
 * Events are streamed as they arrive to a temp file beside it, opened at run start (or at the
 * first output), and renamed over the final path at run end, or when the process exits (an
 * interrupted run leaves its recording so far, whole): concurrent runs never mix their lines.
 */
export class AsciicastReporter implements Reporter {
  private out: AtomicFile | undefined;
  private firstAtMs: number | undefined;
  private lastSeconds = 0;

  constructor(
    private readonly file: string,
    private readonly opts: AsciicastOptions,
  ) {}

  onRunStart(_steps?: readonly Step[]): void {
    this.open();
  }

  onOutput(chunk: string, atMs: number): void {
    if (chunk === "") return;
    const out = this.open();
    this.firstAtMs ??= atMs;
    // Players need times that never go back, whatever clock the chunks came with.
    const seconds = Math.max(this.lastSeconds, roundMicros((atMs - this.firstAtMs) / 1000));
    this.lastSeconds = seconds;
    const event: AsciicastEvent = [seconds, "o", chunk];
    out.write(JSON.stringify(event) + "\n");
  }

  async onRunEnd(_results?: readonly StepResult[], _summary?: RunSummary): Promise<void> {
    this.open().commit();
  }

  private open(): AtomicFile {
    if (this.out) return this.out;
    const out = new AtomicFile(this.file);
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
