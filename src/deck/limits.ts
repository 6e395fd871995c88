/** How much of the disk a deck may read: each file, and all of them together (bytes). */
export interface Limits {
  readonly fileSize: number;
  readonly deckSize: number;
}

/**
 * Far above real courses: the largest file of the 2021 container.training courses is 33 KB
 * (swarm/metrics.md), the largest course 0.75 MB in all (kube-selfpaced.yml, includes counted).
 * Planning takes a few seconds a megabyte (remark's parse, mostly): 16 MB keeps a default plan
 * under a minute; a bigger deck raises `limits.deckSize`.
 */
export const DEFAULT_LIMITS: Limits = { fileSize: 4 * 2 ** 20, deckSize: 16 * 2 ** 20 };

export const UNITS: Readonly<Record<string, number>> = { "": 1, b: 1, k: 2 ** 10, kb: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gb: 2 ** 30, gib: 2 ** 30 };

export function formatSize(bytes: number): string {
  for (const [unit, size] of [["GB", 2 ** 30], ["MB", 2 ** 20], ["KB", 2 ** 10]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}
