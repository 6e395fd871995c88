import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { finished } from "node:stream/promises";
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
 * Events are streamed to the file as they arrive; the file is opened at run start (or at the
 * first output) and closed, flushed, at run end.
 */
export class AsciicastReporter implements Reporter {
  private stream: WriteStream | undefined;
  private error: Error | undefined;
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
    const stream = this.open();
    this.firstAtMs ??= atMs;
    // Players need times that never go back, whatever clock the chunks came with.
    const seconds = Math.max(this.lastSeconds, roundMicros((atMs - this.firstAtMs) / 1000));
    this.lastSeconds = seconds;
    const event: AsciicastEvent = [seconds, "o", chunk];
    stream.write(JSON.stringify(event) + "\n");
  }

  async onRunEnd(_results?: readonly StepResult[], _summary?: RunSummary): Promise<void> {
    const stream = this.open();
    stream.end();
    try {
      await finished(stream);
    } catch (error) {
      this.error ??= toError(error);
    }
    if (this.error) throw this.error;
  }

  private open(): WriteStream {
    if (this.stream) return this.stream;
    mkdirSync(dirname(this.file), { recursive: true });
    const stream = createWriteStream(this.file, { encoding: "utf8" });
    // Keep the first error for onRunEnd; without a listener it would crash the process.
    stream.on("error", (error) => {
      this.error ??= error;
    });
    const header: AsciicastHeader = {
      version: 2,
      width: this.opts.cols,
      height: this.opts.rows,
      timestamp: Math.floor(Date.now() / 1000),
      ...(this.opts.title !== undefined ? { title: this.opts.title } : {}),
      env: { TERM: "xterm-256color", SHELL: "/bin/bash" },
    };
    stream.write(JSON.stringify(header) + "\n");
    this.stream = stream;
    return stream;
  }
}

function roundMicros(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
