/** Median and quartiles of samples, in the samples' unit. */
export function stats(samples: readonly number[]): { median: number; p25: number; p75: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))] ?? NaN;
  return { median: at(0.5), p25: at(0.25), p75: at(0.75), n: s.length };
}

export function fmt(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}
