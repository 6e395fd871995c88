import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MASK, Masker, maskRows } from "../src/run/masker.js";
import { visibleText } from "../src/run/visible-text.js";

/** Feeds `chunks` through a fresh Masker and returns everything it emitted. */
function stream(secrets: readonly string[], chunks: readonly string[]): string {
  const masker = new Masker(secrets);
  return chunks.map((chunk) => masker.push(chunk)).join("") + masker.flush();
}

describe("Masker.mask", () => {
  it("replaces every occurrence of every secret", () => {
    expect(new Masker(["s3cr3t", "hunter2"]).mask("a s3cr3t, hunter2 and s3cr3t")).toBe(
      `a ${MASK}, ${MASK} and ${MASK}`,
    );
  });

  it("masks a secret containing another one whole", () => {
    expect(new Masker(["pass", "password"]).mask("my password")).toBe(`my ${MASK}`);
  });

  it("takes secrets literally, not as patterns", () => {
    expect(new Masker(["a.b*c"]).mask("a.b*c axbbc")).toBe(`${MASK} axbbc`);
  });

  it("ignores empty secrets and leaves text alone without secrets", () => {
    expect(new Masker(["", ""]).mask("nothing to hide")).toBe("nothing to hide");
    expect(new Masker([]).push("abc")).toBe("abc");
  });
});

describe("Masker.push", () => {
  it("masks a secret split across chunks", () => {
    expect(stream(["topsecret"], ["echo top", "sec", "ret done"])).toBe(`echo ${MASK} done`);
  });

  it("holds back only a tail that could start a secret", () => {
    const masker = new Masker(["topsecret"]);
    expect(masker.push("hello to")).toBe("hello ");
    expect(masker.holding).toBe(true);
    expect(masker.push("day")).toBe("today");
    expect(masker.holding).toBe(false);
  });

  it("releases a held tail on flush", () => {
    const masker = new Masker(["topsecret"]);
    expect(masker.push("stop")).toBe("s");
    expect(masker.flush()).toBe("top");
  });

  it("waits for a longer secret that starts like a complete shorter one", () => {
    expect(stream(["ab", "abcd"], ["x ab", "cd y"])).toBe(`x ${MASK} y`);
  });

  it("masks at every split position of a secret", () => {
    const text = "before topsecret after";
    for (let at = 0; at <= text.length; at++) {
      expect(stream(["topsecret"], [text.slice(0, at), text.slice(at)])).toBe(`before ${MASK} after`);
    }
  });

  it("adds up to mask() of the whole stream, however it is chunked", () => {
    const alphabet = fc.constantFrom("a", "b", "c", "x");
    const word = fc.array(alphabet, { minLength: 1, maxLength: 4 }).map((chars) => chars.join(""));
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.array(fc.array(alphabet, { maxLength: 6 }).map((chars) => chars.join("")), { maxLength: 8 }),
        (secrets, chunks) => {
          expect(stream(secrets, chunks)).toBe(new Masker(secrets).mask(chunks.join("")));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("Masker with escape sequences inside a secret", () => {
  const secret = "s3cr3t-V4LUE";
  const coloured = "s3cr3t-\x1b[1mV4LUE\x1b[0m";

  it("matches on the visible text and replaces the whole raw span, escapes included", () => {
    expect(new Masker([secret]).mask(`a ${coloured} b`)).toBe(`a ${MASK}\x1b[0m b`);
    expect(new Masker([secret]).mask("s3\x1b]0;title\x07cr3t-\x1b[38;5;1mV4\x1bP1$r\x1b\\LUE\x1b(B")).toBe(`${MASK}\x1b(B`);
    expect(new Masker([secret]).mask("s3cr\x003t-V4\x0fLUE")).toBe(MASK);
  });

  it("keeps escapes before and after the secret", () => {
    expect(new Masker([secret]).mask(`\x1b[31m${secret}\x1b[0m`)).toBe(`\x1b[31m${MASK}\x1b[0m`);
  });

  it("does not join text across a carriage return or a newline", () => {
    expect(new Masker([secret]).mask("s3cr3t-\rV4LUE")).toBe("s3cr3t-\rV4LUE");
    expect(new Masker([secret]).mask("s3cr3t-\nV4LUE")).toBe("s3cr3t-\nV4LUE");
  });

  it("masks at every split position, escapes split too", () => {
    const text = `before s3cr3t-\x1b]0;t\x1b\\\x1b[1mV4LUE\x1b[0m after`;
    const whole = new Masker([secret]).mask(text);
    expect(whole).toBe(`before ${MASK}\x1b[0m after`);
    for (let at = 0; at <= text.length; at++) {
      for (let at2 = at; at2 <= text.length; at2 += 3) {
        expect(stream([secret], [text.slice(0, at), text.slice(at, at2), text.slice(at2)])).toBe(whole);
      }
    }
  });

  it("holds back an unfinished escape sequence, then releases it", () => {
    const masker = new Masker([secret]);
    expect(masker.push("ok \x1b[3")).toBe("ok ");
    expect(masker.push("1mred")).toBe("\x1b[31mred");
  });

  it("adds up to mask() of the whole stream, escapes and chunks anywhere", () => {
    const piece = fc.oneof(
      fc.constantFrom("a", "b", "c", "x", "\n", "\r"),
      fc.constantFrom("\x1b[1m", "\x1b[0m", "\x1b[38;5;1m", "\x1b]0;ab\x07", "\x1b]8;;u\x1b\\", "\x1b(B", "\x1b7", "\x07", "\x1b"),
    );
    const secretArb = fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 4 }).map((cs) => cs.join(""));
    fc.assert(
      fc.property(
        fc.array(secretArb, { minLength: 1, maxLength: 3 }),
        fc.array(piece, { maxLength: 30 }).map((ps) => ps.join("")),
        fc.array(fc.nat(), { maxLength: 6 }),
        (secrets, text, cuts) => {
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((from, i) => text.slice(from, [...points, text.length][i]));
          const whole = new Masker(secrets).mask(text);
          expect(stream(secrets, chunks)).toBe(whole);
          // No secret is left in what a terminal would show.
          const shown = visibleText(whole).visible;
          for (const secret of secrets) for (const line of shown.split(/[\r\n]/)) expect(line.includes(secret)).toBe(false);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("maskRows", () => {
  it("masks a secret cut by a soft wrap, keeping the number of rows", () => {
    const masker = new Masker(["topsecret"]);
    expect(maskRows(masker, ["$ echo top", "secret and", "topsec", "ret"], [false, true, false, false])).toEqual([
      "$ echo ***",
      "* and",
      "topsec",
      "ret",
    ]);
  });
});

describe("Masker's bounds", () => {
  it("does not hold an escape sequence that never ends forever", () => {
    const masker = new Masker(["topsecret"]);
    expect(masker.push("topsecret \x1b]0;")).toBe(`${MASK} `);
    const long = "t".repeat(10_000);
    expect(masker.push(long)).toBe(`\x1b]0;${long}`);
    expect(masker.holding).toBe(false);
  });
});

describe("Masker inside escape sequences", () => {
  it("masks a secret in an escape sequence's payload (a window title, a hyperlink)", () => {
    expect(new Masker(["topsecret"]).mask("\x1b]0;title topsecret\x07 ok")).toBe(`\x1b]0;title ${MASK}\x07 ok`);
    expect(stream(["topsecret"], ["\x1b]8;;https://x/?k=tops", "ecret\x1b\\link\x1b]8;;\x1b\\"])).toBe(`\x1b]8;;https://x/?k=${MASK}\x1b\\link\x1b]8;;\x1b\\`);
  });
});
