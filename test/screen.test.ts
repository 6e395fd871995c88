/**
 * The session's screen parses plain output lazily and skips what can no longer be on it: it must
 * show exactly what a headless xterm fed every byte shows, whatever the output and whenever read.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import xterm from "@xterm/headless";
import { rowsOf, Screen } from "../src/run/screen.js";

const COLS = 20;
const ROWS = 5;

/** Every byte, parsed at once: the reference. */
function reference() {
  const term = new xterm.Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true, scrollback: 1000 });
  return {
    write: (chunk: string) => {
      term.input("", true);
      term.write(chunk);
    },
    view: () => {
      const buffer = term.buffer.active;
      const { text, wrapped } = rowsOf(term);
      const cursorLine = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(false, 0, buffer.cursorX) ?? "";
      return { text, wrapped, beforeCursor: { text: cursorLine, column: buffer.cursorX }, alternate: buffer.type === "alternate" };
    },
  };
}

const line = fc.stringMatching(/^[a-z \t]{0,45}$/);
const plainChunk = fc.array(fc.oneof(line.map((l) => `${l}\r\n`), line, fc.constant("\b"), fc.constant("\r"), fc.constant("\n")), { maxLength: 40 }).map((parts) => parts.join(""));
const escapeChunk = fc.constantFrom(
  "\x1b[32mgreen\x1b[0m",
  "\x1b[2J\x1b[H",
  "\x1b[3;1H",
  "\x1b[2;4r",
  "\x1b[r",
  "\x1b[4h",
  "\x1b[4l",
  "\x1b[?1049h",
  "\x1b[?1049l",
  "\x1b[K",
  "\x1b[A\x1b[A",
  "\x1bc",
  "\x1b7",
  "\x1b8",
  "\x1b[s",
  "\x1b[u",
  "\x1b[3J",
);
/** `count` numbered lines, as `seq` prints them. */
const lines = (count: number, name = "line") => Array.from({ length: count }, (_, i) => `${name} ${i}\r\n`).join("");
/**
 * Around the scrollback's size (1000 rows): output that fills it, the cursor saved (the sequence
 * maybe cut between chunks), more output, the cursor restored and text written there. xterm keeps the saved row counted
 * from the top of its buffer, scrollback included.
 */
const savedCursor = fc
  .tuple(
    fc.integer({ min: 900, max: 1100 }),
    fc.constantFrom("\x1b7", "\x1b[s", "\x1b[?1048h", "\x1b[?1049h\x1b[?1049l"),
    fc.nat(),
    fc.integer({ min: 0, max: 120 }),
    fc.constantFrom("\x1b8", "\x1b[u", "\x1b[?1048l", "\x1b[?1049l"),
  )
  .map(([before, save, at, after, restore]) => {
    const cut = 1 + (at % save.length);
    return [lines(before), save.slice(0, cut), save.slice(cut) + lines(after, "after"), `${restore}here`] as const;
  });
/** An escape sequence cut in two between writes (a chunk boundary), then a long plain output. */
const splitEscape = fc
  .tuple(fc.constantFrom("\x1b[32m", "\x1b]0;a title\x07", "\x1b[2;4r", "\x1b[?1049h", "\x1b[4h", "\x1b7"), fc.nat(), fc.integer({ min: 1, max: 400 }))
  .map(([sequence, at, count]) => {
    const cut = 1 + (at % sequence.length);
    return [sequence.slice(0, cut), sequence.slice(cut) + lines(count, "after")] as const;
  });
const event = fc.oneof(
  { weight: 2, arbitrary: splitEscape.map(([a, b]) => ({ writes: [a, b] })) },
  { weight: 1, arbitrary: savedCursor.map((writes) => ({ writes })) },
  { weight: 6, arbitrary: plainChunk.map((chunk) => ({ write: chunk })) },
  { weight: 2, arbitrary: escapeChunk.map((chunk) => ({ write: chunk })) },
  { weight: 1, arbitrary: fc.constant({ read: true }) },
  // A long run of plain output, as `seq` or a build log gives.
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => ({ write: lines(n) })) },
);

// FC_SEED=n FC_RUNS=n replay a failure or search longer.
const RUNS = Number(process.env.FC_RUNS ?? 400);
const SEED = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};

describe("the session's screen", () => {
  it("shows what a terminal fed every byte shows, read at any time", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const screen = new Screen(COLS, ROWS, () => {});
        const ref = reference();
        try {
          for (const e of events) {
            if ("write" in e || "writes" in e) {
              for (const chunk of "write" in e ? [e.write] : e.writes) {
                screen.write(chunk);
                ref.write(chunk);
              }
              continue;
            }
            const want = ref.view();
            expect(screen.rows()).toEqual({ text: want.text, wrapped: want.wrapped });
            expect(screen.beforeCursor()).toEqual(want.beforeCursor);
            expect(screen.alternate).toBe(want.alternate);
          }
          const want = ref.view();
          if (events.length % 2 === 0) {
            expect(screen.rows()).toEqual({ text: want.text, wrapped: want.wrapped });
            expect(screen.beforeCursor()).toEqual(want.beforeCursor);
          }
          // What reports read once the session is gone: the last screen, parsed or not before.
          screen.dispose();
          expect(screen.rows()).toEqual({ text: want.text, wrapped: want.wrapped });
        } finally {
          screen.dispose();
        }
      }),
      { numRuns: RUNS, ...SEED },
    );
  }, Math.max(30_000, RUNS * 100));

  it("long lines: more than 64 KB waiting that holds too few line breaks to skip is kept, then skipped, the same as every byte parsed", () => {
    const screen = new Screen(COLS, ROWS, () => {});
    const ref = reference();
    try {
      // 3000 lines of 150 characters (1000 + 2 x rows of them are over 64 KB), in 4 KB chunks, a cursor saved half-way.
      const lines = Array.from({ length: 3000 }, (_, i) => `${String(i).padStart(5, "0")} ${"y".repeat(144)}\r\n`);
      const output = lines.slice(0, 1500).join("") + "\x1b7" + lines.slice(1500).join("") + "\x1b8tail";
      for (let at = 0; at < output.length; at += 4096) {
        screen.write(output.slice(at, at + 4096));
        ref.write(output.slice(at, at + 4096));
      }
      const want = ref.view();
      expect(screen.rows()).toEqual({ text: want.text, wrapped: want.wrapped });
      expect(screen.beforeCursor()).toEqual(want.beforeCursor);
    } finally {
      screen.dispose();
    }
  });

  it("parses only what can still be in the terminal of a long plain output (20 MB of `seq`: under 1% of it reaches the emulator)", () => {
    // The emulator's own write, counted: the screen must not hand it every byte of a big output.
    const write = xterm.Terminal.prototype.write;
    let parsed = 0;
    xterm.Terminal.prototype.write = function (this: InstanceType<typeof xterm.Terminal>, data: string | Uint8Array, callback?: () => void) {
      parsed += data.length;
      return write.call(this, data, callback);
    };
    const screen = new Screen(COLS, ROWS, () => {});
    try {
      // seq 1 2700000 as a terminal gets it: 4 KB reads, an escape sequence (a prompt's colour) before it.
      screen.write("\x1b[32m$\x1b[0m seq 1 2700000\r\n");
      let output = "";
      let total = 0;
      for (let n = 1; n <= 2_700_000; n++) {
        output += `${n}\r\n`;
        if (output.length >= 4096) {
          screen.write(output);
          total += output.length;
          output = "";
        }
      }
      screen.write(output);
      total += output.length;
      expect(total).toBeGreaterThan(20_000_000);
      expect(screen.rows().text).toEqual(["2699997", "2699998", "2699999", "2700000"]);
      expect(parsed).toBeLessThan(total / 100);
    } finally {
      xterm.Terminal.prototype.write = write;
      screen.dispose();
    }
  });

  it("answers a program's query at once, with plain output before it unparsed until then", () => {
    const replies: string[] = [];
    const screen = new Screen(COLS, ROWS, (reply) => replies.push(reply));
    screen.write("some output\r\n".repeat(100));
    screen.write("abc\x1b[6n");
    expect(replies).toEqual([`\x1b[${ROWS};4R`]);
    screen.dispose();
  });
});
