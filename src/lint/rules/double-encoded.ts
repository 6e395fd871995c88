import type { Problem } from "../../problem.js";
import type { LintRule } from "../rule.js";
import { sourceColumn, sourceLine } from "../../deck/load.js";

/**
 * `double-encoded`: text that is UTF-8 read as a single-byte encoding and saved again, so that one
 * character became two to four (`Ã©`, `â€™` from Windows-1252 or Latin-1; `√©` from Mac Roman, as
 * in the seed's French slides). A run of characters is reported when the bytes those characters
 * stand for in one of these encodings are exactly one valid UTF-8 character that such text is made
 * of: a Latin-1 letter or sign (U+00A0-U+00FF) for two bytes (so a German `Ä…` stays text, at
 * the cost of missing a Polish `ą` read as `Ä…`); anything for three or four (three or four such
 * characters in a row are not written on purpose).
 *
 * Good: `Au début`. Bad: `Au d√©but` (looks double-encoded: '√©' is probably 'é').
 */
const MAC_ROMAN = "\u00c4\u00c5\u00c7\u00c9\u00d1\u00d6\u00dc\u00e1\u00e0\u00e2\u00e4\u00e3\u00e5\u00e7\u00e9\u00e8\u00ea\u00eb\u00ed\u00ec\u00ee\u00ef\u00f1\u00f3\u00f2\u00f4\u00f6\u00f5\u00fa\u00f9\u00fb\u00fc\u2020\u00b0\u00a2\u00a3\u00a7\u2022\u00b6\u00df\u00ae\u00a9\u2122\u00b4\u00a8\u2260\u00c6\u00d8\u221e\u00b1\u2264\u2265\u00a5\u00b5\u2202\u2211\u220f\u03c0\u222b\u00aa\u00ba\u03a9\u00e6\u00f8\u00bf\u00a1\u00ac\u221a\u0192\u2248\u2206\u00ab\u00bb\u2026\u00a0\u00c0\u00c3\u00d5\u0152\u0153\u2013\u2014\u201c\u201d\u2018\u2019\u00f7\u25ca\u00ff\u0178\u2044\u20ac\u2039\u203a\ufb01\ufb02\u2021\u00b7\u201a\u201e\u2030\u00c2\u00ca\u00c1\u00cb\u00c8\u00cd\u00ce\u00cf\u00cc\u00d3\u00d4\uf8ff\u00d2\u00da\u00db\u00d9\u0131\u02c6\u02dc\u00af\u02d8\u02d9\u02da\u00b8\u02dd\u02db\u02c7";
// 0x80-0x9F in Windows-1252; the five bytes it leaves undefined are kept as their C1 control (as Latin-1 reads them).
const WINDOWS_1252 = "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

type Codec = ReadonlyMap<string, number>;

function codec(high: string): Codec {
  return new Map([...high].map((ch, i) => [ch, 0x80 + i] as const));
}

/** Windows-1252 (with Latin-1 for what it leaves undefined) and Mac Roman, the usual culprits. */
const CODECS: readonly Codec[] = [
  codec(WINDOWS_1252 + Array.from({ length: 0x60 }, (_, i) => String.fromCharCode(0xa0 + i)).join("")),
  new Map([...codec(MAC_ROMAN), ["\u00a4", 0xdb]]), // 0xDB was the currency sign before Mac OS 8.5 made it the euro
];

export interface DoubleEncoding {
  /** 0-based index in the line of the run's first character. */
  readonly index: number;
  readonly seen: string;
  readonly meant: string;
}

/** The runs of one line that look like double-encoded UTF-8, in order. */
export function findDoubleEncoding(line: string): DoubleEncoding[] {
  const found: DoubleEncoding[] = [];
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) < 0x80) continue;
    for (const table of CODECS) {
      const hit = decodeAt(line, i, table);
      if (hit) {
        found.push({ index: i, seen: line.slice(i, i + hit.length), meant: hit.meant });
        i += hit.length - 1;
        break;
      }
    }
  }
  return found;
}

function decodeAt(line: string, at: number, table: Codec): { length: number; meant: string } | undefined {
  const lead = table.get(line[at]!);
  if (lead === undefined) return undefined;
  const count = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
  if (count === 0 || at + count >= line.length) return undefined;
  const bytes = [lead];
  for (let k = 1; k <= count; k++) {
    const b = table.get(line[at + k]!);
    if (b === undefined || b > 0xbf) return undefined;
    bytes.push(b);
  }
  let meant: string;
  try {
    meant = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
  const cp = meant.codePointAt(0)!;
  if (count === 1 && (cp < 0xa0 || cp > 0xff)) return undefined;
  return { length: count + 1, meant };
}

export const doubleEncoded: LintRule = {
  id: "double-encoded",
  description: "text that looks like UTF-8 read in another encoding (`Ã©`, `â€™`, `√©`), with the likely character",
  check({ parsed }) {
    const problems: Problem[] = [];
    for (const file of parsed.deck.files) {
      file.text.split(/\r?\n|\r/).forEach((line, i) => {
        for (const d of findDoubleEncoding(line)) {
          problems.push({
            file: file.path,
            line: sourceLine(file, i + 1),
            column: sourceColumn(file, d.index + 1),
            severity: "warning",
            message: `looks double-encoded: '${d.seen}' is probably '${d.meant}'`,
            ruleId: this.id,
          });
        }
      });
    }
    return problems;
  },
};
