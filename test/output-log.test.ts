import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CappedText, LineSearch, OutputLog, TextSearch } from "../src/run/output-log.js";
import { lineShape } from "../src/run/line-shape.js";

function feed(chunks: readonly string[], wanted: string): number {
  const log = new OutputLog();
  const search = new TextSearch(wanted);
  if (search.foundInAll(log)) return -1;
  for (const [i, chunk] of chunks.entries()) {
    log.append(chunk);
    if (search.foundInNew(log)) return i;
  }
  return Infinity;
}

describe("searching a growing output", () => {
  it("finds a text split across chunks, and whitespace runs split across chunks as one space", () => {
    expect(feed(["waiting for READ", "Y now\r\n"], "READY")).toBe(1);
    expect(feed(["status:  ", "\r\n   ", " Running\r\n"], "status: Running")).toBe(2);
    expect(feed(["\x1b[32mpod/web\x1b[0m    1/1  ", "  Running\r\n"], "pod/web 1/1 Running")).toBe(1);
    expect(feed(["\x1b[3", "2mREADY\x1b[0m\r\n"], "READY")).toBe(1);
    expect(feed(["nothing ", "here\r\n"], "READY")).toBe(Infinity);
  });

  it("keeps the plain text: escapes stripped, CRLF as LF, an escape cut between chunks carried", () => {
    const log = new OutputLog();
    for (const chunk of ["plain\r\n", "\x1b[1", "mbold\x1b[0m\r", "\nend"]) log.append(chunk);
    log.end();
    expect(log.text.toString()).toBe("plain\nbold\nend");
    expect(log.raw.toString()).toBe("plain\r\n\x1b[1mbold\x1b[0m\r\nend");
  });

  it("a capped text built from many pieces is the same as from one", () => {
    const a = new CappedText(10, 20);
    const b = new CappedText(10, 20);
    const pieces = Array.from({ length: 200 }, (_, i) => `<${i}>`);
    for (const p of pieces) a.append(p);
    b.append(pieces.join(""));
    expect(a.toString()).toBe(b.toString());
    expect(a.length).toBe(pieces.join("").length);
    expect(a.toString()).toMatch(/^<0><1><2><\n\[labrun: 860 characters of output not kept\]\n<196><197><198><199>$/);
  });

  it("keeps exactly the head and the latest characters, whatever the pieces (a property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 12 }), fc.array(fc.string({ maxLength: 30 }), { maxLength: 30 }), (headMax, tailMax, pieces) => {
        const capped = new CappedText(headMax, tailMax);
        for (const p of pieces) capped.append(p);
        const all = pieces.join("");
        const head = all.slice(0, headMax);
        const tail = all.slice(headMax).slice(-tailMax);
        const elided = all.length - head.length - tail.length;
        expect(capped.toString()).toBe(elided === 0 ? head + tail : `${head}\n[labrun: ${elided} characters of output not kept]\n${tail}`);
        expect(capped.length).toBe(all.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe("searching a growing output for lines like the slide's (LineSearch)", () => {
  /** Feeds the chunks to a log, one search looking at what each adds; the chunk after which it was found, or -1. */
  const foundAfter = (patterns: RegExp[], chunks: string[]) => {
    const log = new OutputLog();
    const search = new LineSearch(patterns);
    for (const [i, chunk] of chunks.entries()) {
      log.append(chunk);
      if (search.foundInNew(log)) return i;
    }
    return -1;
  };
  const clock = lineShape("Fri Feb 20 00:28:53 UTC 2015");

  it("finds the lines in order, a line cut across chunks whole", () => {
    expect(foundAfter([clock, clock], ["Unable to find image\r\nSun Dec  6 04:3", "0:28 UTC 2026\r\n", "Sun Dec  6 04:30:29 UTC 2026\r\n"])).toBe(2);
    // The last one may be the line being printed, its line break not sent yet; the others must be whole.
    expect(foundAfter([clock], ["Sun Dec  6 04:30:28 UTC 2026"])).toBe(0);
    expect(foundAfter([clock, clock], ["Sun Dec  6 04:30:28 UTC 2026"])).toBe(-1);
  });

  it("the end of a line too long to try is not a line of its own", () => {
    const long = "x".repeat(3000);
    // The long line ends with what looks like a line of the clock: not one, cut across chunks or not.
    expect(foundAfter([clock], [long, " Sun Dec  6 04:30:28 UTC 2026\r\n", "next\r\n"])).toBe(-1);
    expect(foundAfter([clock], [`${long} Sun Dec  6 04:30:28 UTC 2026\r\n`])).toBe(-1);
    // The line after it is.
    expect(foundAfter([clock], [long, "y\r\nSun Dec  6 04:30:28 UTC 2026\r\n"])).toBe(1);
  });
});
