/**
 * A line shaped like one a slide shows, for waiting on output that changes from run to run (a
 * transcript's `Fri Feb 20 00:28:53 UTC 2015`, `PING es (172.20.0.3): 56 data bytes`): words and
 * punctuation as shown; what holds a digit (numbers, times, addresses, ids) and the names of days
 * and months, any letters and digits; runs of spaces, any run; `...` or `…`, anything.
 */

/** Day and month names, which change with a date as its numbers do. */
const DATE_WORD = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*$/;
const TOKEN = /(\s+|[A-Za-z0-9]+|\.{3,}|…)/;

export function lineShape(line: string): RegExp {
  const source = line
    .trim()
    .split(TOKEN)
    .filter((part) => part !== "")
    .map((part) => {
      if (/^\s+$/.test(part)) return String.raw`\s+`;
      if (/^(?:\.{3,}|…)$/.test(part)) return ".*?";
      if (/^[A-Za-z0-9]+$/.test(part) && (/\d/.test(part) || DATE_WORD.test(part))) return "[A-Za-z0-9]+";
      return part.replace(/[.*+?^${}()|[\]\\/]/g, String.raw`\$&`);
    })
    .join("")
    // Two elisions in a row are one (and keep the pattern's cost low).
    .replace(/(?:\.\*\?){2,}/g, ".*?");
  return new RegExp(String.raw`^\s*${source}\s*$`);
}
