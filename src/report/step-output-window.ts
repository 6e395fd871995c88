import { HEAD_KEPT, incompleteTailLength, TAIL_KEPT } from "../run/output-log.js";

/** Where an output event goes: seconds since the recording began, and what the terminal printed. */
export type EmitEvent = (seconds: number, data: string) => void;

interface HeldEvent {
  readonly seconds: number;
  data: string;
}

/** How far a cut looks for a line break to fall on, rather than mid-line. */
const LINE_LOOKAROUND = 4096;

/**
 * One step's output events, bounded as the JSON report bounds its output: the first HEAD_KEPT
 * characters go through as they come; after them, events are held, only the latest TAIL_KEPT
 * characters or so (at most twice that), and what falls out of the middle is only counted. At the
 * step's end, one event with a visible marker takes the middle's place, at the time of the cut,
 * then the held tail follows with its own times. Cuts fall after a line break when there is one
 * near, never inside an escape sequence or a UTF-16 surrogate pair.
 */
export class StepOutputWindow {
  private headLeft: number;
  private readonly held: HeldEvent[] = [];
  private heldLength = 0;
  private leftOutBytes = 0;
  private cutSeconds: number | undefined;

  constructor(
    private readonly emit: EmitEvent,
    private readonly headMax = HEAD_KEPT,
    private readonly tailMax = TAIL_KEPT,
  ) {
    this.headLeft = headMax;
  }

  add(seconds: number, data: string): void {
    if (data === "") return;
    if (this.headLeft > 0) {
      if (data.length <= this.headLeft) {
        this.headLeft -= data.length;
        this.emit(seconds, data);
        return;
      }
      const cut = headCut(data, this.headLeft);
      this.headLeft = 0;
      if (cut > 0) this.emit(seconds, data.slice(0, cut));
      data = data.slice(cut);
      if (data === "") return;
    }
    this.held.push({ seconds, data });
    this.heldLength += data.length;
    // Trimmed in halves, so that each character is looked at a bounded number of times.
    if (this.heldLength > 2 * this.tailMax) this.trim(this.tailMax);
  }

  /** The step is over: the marker, if anything was left out, then the tail. Ready for the next step. */
  end(): void {
    if (this.heldLength > this.tailMax) this.trim(this.tailMax);
    if (this.leftOutBytes > 0) this.emit(this.cutSeconds ?? this.held[0]?.seconds ?? 0, leftOutMarker(this.leftOutBytes));
    for (const event of this.held) if (event.data !== "") this.emit(event.seconds, event.data);
    this.held.length = 0;
    this.heldLength = 0;
    this.leftOutBytes = 0;
    this.cutSeconds = undefined;
    this.headLeft = this.headMax;
  }

  /** Drops the oldest held output until about `keep` characters are left. */
  private trim(keep: number): void {
    let excess = this.heldLength - keep;
    let dropped = 0;
    while (dropped < this.held.length && this.held[dropped]!.data.length <= excess) {
      const event = this.held[dropped++]!;
      this.leave(event.seconds, event.data);
      excess -= event.data.length;
    }
    this.held.splice(0, dropped);
    const first = this.held[0];
    if (first && excess > 0) {
      const cut = tailCut(first.data, excess);
      this.leave(first.seconds, first.data.slice(0, cut));
      first.data = first.data.slice(cut);
    }
    this.heldLength = this.held.reduce((n, e) => n + e.data.length, 0);
  }

  private leave(seconds: number, data: string): void {
    if (data === "") return;
    this.cutSeconds ??= seconds;
    this.leftOutBytes += Buffer.byteLength(data, "utf8");
  }
}

/** `[labrun: 199.8 MB of output left out]`, on a line of its own, attributes reset so that it reads. */
export function leftOutMarker(bytes: number): string {
  return `\r\n\x1b[0m[labrun: ${formatBytes(bytes)} of output left out]\r\n`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** Where to end the kept head of `data`, at most `at`: after a line break if one is near, else at the safe point before `at`. */
function headCut(data: string, at: number): number {
  const newline = data.lastIndexOf("\n", at - 1);
  return safeCut(data, newline >= 0 && at - newline <= LINE_LOOKAROUND ? newline + 1 : at);
}

/** Where to start the kept tail of `data`, about `at`: after a line break if one is near, else at the safe point before `at`. */
function tailCut(data: string, at: number): number {
  const newline = data.indexOf("\n", at);
  return safeCut(data, newline >= 0 && newline - at < LINE_LOOKAROUND ? newline + 1 : at);
}

/** `at`, or the start of the escape sequence or surrogate pair it would split. */
function safeCut(data: string, at: number): number {
  if (at <= 0 || at >= data.length) return Math.max(0, Math.min(at, data.length));
  let cut = at - incompleteTailLength(data.slice(Math.max(0, at - LINE_LOOKAROUND), at));
  const code = data.charCodeAt(cut - 1);
  if (cut > 0 && code >= 0xd800 && code <= 0xdbff) cut--;
  return cut;
}
