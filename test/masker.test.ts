import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MASK, Masker } from "../src/run/masker.js";

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
