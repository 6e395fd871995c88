/**
 * Replaces secret values by `****` in text, including in a stream whose
 * chunks may split a secret anywhere.
 */
export const MASK = "****";

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

  /** Whether some text is being held back, waiting for the next chunk or flush(). */
  get holding(): boolean {
    return this.held.length > 0;
  }

  mask(text: string): string {
    return this.pattern === null ? text : text.replace(this.pattern, MASK);
  }

  /**
   * Masks a chunk of a stream. Returns what can be emitted now, holding back
   * a tail that could be the beginning of a secret continued in the next
   * chunk. The pieces add up to mask() of the whole stream.
   */
  push(chunk: string): string {
    if (this.pattern === null) return chunk;
    const text = this.held + chunk;
    const cut = this.safeCut(text);
    this.held = text.slice(cut);
    return this.mask(text.slice(0, cut));
  }

  /** Ends the stream (or a segment of it): returns whatever was held back. */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return this.mask(rest);
  }

  /**
   * Where to cut `text` so that no secret, complete or still growing (a
   * proper prefix at the very end, maybe of a longer secret than one that
   * already matches there), straddles the cut.
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

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
