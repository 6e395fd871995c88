/**
 * Replaces secret values by `****` in text, including in a stream whose chunks may split a
 * secret anywhere. Secrets are found in the *visible* text: escape sequences (CSI, OSC, DCS...)
 * and invisible control characters inside a secret (`s3cr3t-\e[1mV4LUE`) do not hide it; the
 * whole raw span, escapes included, becomes `****`.
 */
import { visibleText, type VisibleText } from "./visible-text.js";

export const MASK = "****";

/** An escape sequence left unfinished at a chunk's end is held back at most this long (an OSC never ended). */
const MAX_HELD = 8192;

export class Masker {
  private readonly secrets: readonly string[];
  private readonly pattern: RegExp | null;
  private readonly longest: number;
  private held = "";

  constructor(secrets: readonly string[]) {
    // Longest first, so that a secret containing another one is masked whole.
    this.secrets = [...new Set(secrets.filter((secret) => secret.length > 0))].sort((a, b) => b.length - a.length);
    this.pattern = this.secrets.length > 0 ? new RegExp(this.secrets.map(escapeRegExp).join("|"), "g") : null;
    this.longest = this.secrets[0]?.length ?? 0;
  }

  /** Whether there is anything to mask at all. */
  get active(): boolean {
    return this.pattern !== null;
  }

  /**
   * Where the secrets are in `text`, taken as plain characters (a screen's, no escape sequences):
   * [start, end) pairs, in order, not overlapping.
   */
  ranges(text: string): [number, number][] {
    if (this.pattern === null) return [];
    return [...text.matchAll(this.pattern)].map((m) => [m.index, m.index + m[0].length]);
  }

  /** Whether some text is being held back, waiting for the next chunk or flush(). */
  get holding(): boolean {
    return this.held.length > 0;
  }

  mask(text: string): string {
    if (this.pattern === null) return text;
    const view = visibleText(text);
    return this.replace(text, view, view.visible.length);
  }

  /**
   * Masks a chunk of a stream. Returns what can be emitted now, holding back a tail that could
   * be the beginning of a secret continued in the next chunk (or an unfinished escape sequence).
   * The pieces add up to mask() of the whole stream.
   */
  push(chunk: string): string {
    if (this.pattern === null) return chunk;
    const text = this.held + chunk;
    const view = visibleText(text);
    let cut = this.safeCut(view.visible);
    let rawCut = cut < view.visible.length ? view.at[cut]! : view.end;
    // Never hold back without bound (an escape sequence never ended): emit it all, masked as it is.
    if (text.length - rawCut > MAX_HELD) [cut, rawCut] = [view.visible.length, text.length];
    this.held = text.slice(rawCut);
    return this.replace(text.slice(0, rawCut), view, cut);
  }

  /** Ends the stream (or a segment of it): returns whatever was held back. */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return this.mask(rest);
  }

  /**
   * Each match of a secret in the first `upTo` visible characters: its raw span becomes MASK. A
   * secret inside an escape sequence (a window title, a hyperlink) is not shown, but is there:
   * it is masked too.
   */
  private replace(raw: string, view: VisibleText, upTo: number): string {
    if (view.escapes.length === 0 && view.visible.search(this.pattern!) === -1) return raw;
    const { escapes } = view;
    let e = 0;
    let out = "";
    /** Copies raw[from, to), masking the secrets inside its escape sequences. */
    const copy = (from: number, to: number): void => {
      let at = from;
      for (; e < escapes.length && escapes[e]! < to; e += 2) {
        const start = escapes[e]!;
        const end = escapes[e + 1]!;
        if (start < from) continue;
        out += raw.slice(at, start) + raw.slice(start, end).replace(this.pattern!, MASK);
        at = end;
      }
      out += raw.slice(at, to);
    };
    let from = 0;
    for (const match of view.visible.matchAll(this.pattern!)) {
      const end = match.index + match[0].length;
      if (end > upTo) break;
      copy(from, view.at[match.index]!);
      out += MASK;
      from = view.at[end - 1]! + 1;
    }
    copy(from, raw.length);
    return out;
  }

  /**
   * Where to cut the visible text so that no secret, complete or still growing (a proper
   * prefix at the very end, maybe of a longer secret than one that already matches there),
   * straddles the cut.
   */
  private safeCut(text: string): number {
    let cut = text.length;
    for (let at = Math.max(0, text.length - this.longest + 1); at < text.length; at++) {
      if (this.couldStartSecret(text.slice(at))) {
        cut = at;
        break;
      }
    }
    if (this.pattern === null) return cut;
    for (const match of text.matchAll(this.pattern)) {
      if (match.index >= cut) break;
      if (match.index + match[0].length > cut) return match.index;
    }
    return cut;
  }

  private couldStartSecret(tail: string): boolean {
    return this.secrets.some((secret) => secret.length > tail.length && secret.startsWith(tail));
  }
}

/**
 * Masks screen rows (one string per row) where `wrapped[i]` says row i continues row i-1 (a soft
 * wrap): each run of wrapped rows is masked as one line, so a secret the terminal cut at its right
 * edge is caught; the masked line is cut back into as many rows, of the same widths but the last.
 */
export function maskRows(masker: Masker, rows: readonly string[], wrapped: readonly boolean[]): string[] {
  if (!masker.active) return [...rows];
  const out: string[] = [];
  for (let first = 0; first < rows.length; ) {
    let last = first;
    while (last + 1 < rows.length && wrapped[last + 1]) last++;
    const group = rows.slice(first, last + 1);
    const joined = group.join("");
    const masked = masker.mask(joined);
    if (masked === joined) out.push(...group);
    else {
      let at = 0;
      group.forEach((row, i) => {
        const take = i === group.length - 1 ? masked.length - at : Math.min(row.length, masked.length - at);
        out.push(masked.slice(at, at + take));
        at += take;
      });
    }
    first = last + 1;
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
