/** Keys to intents, per mode, and the key hints the footer and the help screen list. */
import type { Intent, ModeKind } from "./state.js";

/** The part of ink's `Key` the key map reads. */
export interface KeyPress {
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly ctrl?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
}

/** How far the output pane can scroll, for PgUp/PgDn. */
export interface ScrollRoom {
  readonly page: number;
  readonly max: number;
}

/** Ctrl-]: the key that ends a take-over (telnet's escape key; nothing in a shell needs it). */
export const RELEASE_KEY = "\x1d";
export const RELEASE_KEY_NAME = "Ctrl-]";

export function intentForKey(mode: ModeKind, input: string, key: KeyPress, room: ScrollRoom): Intent | undefined {
  const ctrlC = key.ctrl === true && input === "c";
  const scroll = scrollIntent(key, room);
  switch (mode) {
    case "browse":
      if (scroll) return scroll;
      if (ctrlC) return { type: "break" };
      if (key.ctrl) return undefined;
      if (key.return || input === " ") return { type: "run" };
      if (input === "n" || key.rightArrow) return { type: "next" };
      if (input === "p" || key.leftArrow) return { type: "prev" };
      return BROWSE_LETTERS[input];
    case "running":
    case "continuing":
    case "replaying":
      if (scroll) return scroll;
      if (ctrlC) return { type: "interrupt" };
      if (input === "q") return { type: "quit" };
      return undefined;
    case "goto":
      if (key.return) return { type: "gotoSubmit" };
      if (key.escape || ctrlC) return { type: "gotoCancel" };
      if (key.backspace || key.delete) return { type: "gotoBackspace" };
      if (key.ctrl || input === "" || /[\x00-\x1f]/.test(input)) return undefined;
      return { type: "gotoType", text: input };
    case "help":
      return ctrlC || input === "q" ? { type: "quit" } : { type: "closeHelp" };
    case "resume-prompt":
      if (ctrlC || input === "q") return { type: "quit" };
      if (key.return || input.toLowerCase() === "y") return { type: "resume", answer: "yes" };
      if (input.toLowerCase() === "n") return { type: "resume", answer: "no" };
      if (input.toLowerCase() === "r") return { type: "resume", answer: "replay" };
      return undefined;
    case "tour-offer":
      if (ctrlC || input === "q") return { type: "quit" };
      if (key.return || input.toLowerCase() === "y") return { type: "tour", answer: "yes" };
      if (input.toLowerCase() === "n") return { type: "tour", answer: "no" };
      return undefined;
    case "takeover":
      // Raw bytes go to the shell (takeoverInput); nothing here.
      return undefined;
  }
}

const BROWSE_LETTERS: Readonly<Record<string, Intent>> = {
  g: { type: "gotoStart" },
  c: { type: "continue" },
  s: { type: "skip" },
  r: { type: "retry" },
  t: { type: "takeover" },
  h: { type: "toggleHidden" },
  "?": { type: "help" },
  q: { type: "quit" },
};

function scrollIntent(key: KeyPress, room: ScrollRoom): Intent | undefined {
  const page = Math.max(1, room.page - 1);
  if (key.pageUp) return { type: "scroll", by: page, max: room.max };
  if (key.pageDown) return { type: "scroll", by: -page, max: room.max };
  if (key.upArrow) return { type: "scroll", by: 1, max: room.max };
  if (key.downArrow) return { type: "scroll", by: -1, max: room.max };
  if (key.home) return { type: "scroll", by: room.max, max: room.max };
  if (key.end) return { type: "scroll", by: -room.max, max: room.max };
  return undefined;
}

/** In a take-over, every byte goes to the shell except the release key. */
export function takeoverInput(raw: string): { readonly release: true } | { readonly release: false; readonly bytes: string } {
  const at = raw.indexOf(RELEASE_KEY);
  if (at >= 0) return { release: true };
  return { release: false, bytes: raw };
}

export type Hint = readonly [keys: string, action: string];

const BROWSE_HINTS: readonly Hint[] = [
  ["⏎/␣", "run"],
  ["n/→", "next"],
  ["p/←", "prev"],
  ["g", "go to"],
  ["c", "continue"],
  ["s", "skip"],
  ["r", "retry"],
  ["t", "take over"],
  ["h", "hidden"],
  ["?", "help"],
  ["q", "quit"],
];

export function footerHints(mode: ModeKind): readonly Hint[] {
  switch (mode) {
    case "browse":
      return BROWSE_HINTS;
    case "running":
    case "continuing":
    case "replaying":
      return [
        ["Ctrl-C", "stop"],
        ["PgUp/PgDn", "scroll"],
        ["q", "quit"],
      ];
    case "goto":
      return [
        ["type", "a slide number or title"],
        ["⏎", "go"],
        ["Esc", "cancel"],
      ];
    case "help":
      return [["any key", "closes the help"]];
    case "resume-prompt":
      return [
        ["y/⏎", "resume"],
        ["r", "replay earlier steps, then resume"],
        ["n", "start over"],
        ["q", "quit"],
      ];
    case "tour-offer":
      return [
        ["y/⏎", "take the tour"],
        ["n", "stay on this deck"],
        ["q", "quit"],
      ];
    case "takeover":
      return [
        ["keys", "go to the shell"],
        [RELEASE_KEY_NAME, "gives control back"],
      ];
  }
}

/** The hints laid out in lines of at most `width` columns. */
export function layoutHints(hints: readonly Hint[], width: number, measure: (s: string) => number): string[][] {
  const lines: string[][] = [];
  let line: string[] = [];
  let used = 0;
  for (const [keys, action] of hints) {
    const item = `${keys} ${action}`;
    const cost = measure(item) + (line.length > 0 ? 2 : 0);
    if (line.length > 0 && used + cost > width) {
      lines.push(line);
      line = [];
      used = 0;
    }
    used += measure(item) + (line.length > 0 ? 2 : 0);
    line.push(item);
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

export const HELP: readonly Hint[] = [
  ["Enter, Space", "run the highlighted step (and its hidden steps and expectations)"],
  ["n, →", "next step (on to the next slide after the last one)"],
  ["p, ←", "previous step"],
  ["g", "go to a slide: type its number or part of its title, then Enter"],
  ["c", "continue: run every step from here until one fails"],
  ["s", "skip the highlighted step"],
  ["r", "retry a failed step (an expectation re-runs its command)"],
  ["t", `take over the shell: your keys go to it; ${RELEASE_KEY_NAME} gives control back`],
  ["h", "show or hide hidden steps (hidden steps run either way)"],
  ["PgUp, PgDn, ↑, ↓", "scroll the output"],
  ["Ctrl-C", "stop the running step (or a command left running in the shell); else quit"],
  ["?", "this help"],
  ["q", "quit (progress is saved: labrun DECK offers to resume)"],
];
