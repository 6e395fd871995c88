import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CappedText, OutputLog, TextSearch } from "../src/run/output-log.js";

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

  it("makes the plain text when read, what an output without escapes pushed out of the tail only counted: the same text (a property)", () => {
    const line = fc.stringMatching(/^[a-z ]{0,12}$/).map((text) => `${text}\r\n`);
    // An escape sequence is followed by a letter: between a `\r` and a `\n` it would make them a line break or
    // not depending on where the chunks are cut (a known edge of the conversion, chunk by chunk as at once).
    const other = fc.constantFrom("\r", "\n", "\r\r\n", "\x1b[32mg", "\x1b]0;title\x07t", "\x1b[0mz", "é", "\b");
    // Half the outputs without escape sequences (their tail is only counted), half with.
    const output = fc.oneof(fc.array(fc.oneof({ weight: 4, arbitrary: line }, { weight: 1, arbitrary: other }), { minLength: 10, maxLength: 200 }), fc.array(fc.oneof(line, fc.constantFrom("\r", "\n", "é")), { minLength: 10, maxLength: 200 }));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 120 }),
        output,
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (headMax, tailMax, pendingMax, pieces, cuts, reads) => {
          const all = pieces.join("");
          // The output cut into chunks anywhere (inside an escape sequence, between `\r` and `\n`).
          const at = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
          const chunks = [...at, all.length].map((end, i) => all.slice(i === 0 ? 0 : at[i - 1], end));
          const log = new OutputLog(headMax, tailMax, pendingMax);
          const readAt = new Set(reads.map((r) => r % (chunks.length + 1)));
          for (const [i, chunk] of chunks.entries()) {
            if (readAt.has(i)) void log.text.toString();
            log.append(chunk);
          }
          log.end();
          const plain = stripVTControlCharacters(all).replace(/\r\n/g, "\n");
          const expected = new CappedText(headMax, tailMax);
          expected.append(plain);
          expect(log.text.toString()).toBe(expected.toString());
          expect(log.text.length).toBe(plain.length);
          const raw = new CappedText(headMax, tailMax);
          raw.append(all);
          expect(log.raw.toString()).toBe(raw.toString());
        },
      ),
      { numRuns: 1000, ...(process.env.FC_RUNS ? { numRuns: Number(process.env.FC_RUNS) } : {}) },
    );
  });

  it("what a search reads after each chunk adds up to the plain text, however large the chunks", () => {
    const log = new OutputLog(4, 8, 16);
    let seen = "";
    for (const chunk of ["a\r", "\nb\x1b[3", `2mc\r\n${"line\r\n".repeat(20)}`, "d\r"]) {
      log.append(chunk);
      seen += log.lastPlain;
      expect(log.lastPlain).toBe(log.lastPlain);
    }
    log.end();
    seen += log.lastPlain;
    expect(seen).toBe(`a\nbc\n${"line\n".repeat(20)}d\r`);
  });
});
