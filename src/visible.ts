/**
 * Deck text as labrun prints it (plan, lint, problems, run --ci, annotations, the UI): control
 * characters shown, never obeyed. A deck could otherwise hide `curl … | sh` from the person
 * reading its plan behind an erase-line (`\e[2K`) or a carriage return. ESC is `\e`, a carriage
 * return `\r`, other C0 characters and DEL `\xHH`, C1 characters and the Unicode controls that
 * reorder or hide text (bidirectional overrides, as in "Trojan Source") `\u{HHHH}`. Tab,
 * newline and CRLF stay: they are what they look like.
 */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;

const NAMED: Readonly<Record<string, string>> = { "\x1b": "\\e", "\r": "\\r" };

export function visible(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (ch) => {
    const code = ch.charCodeAt(0);
    return NAMED[ch] ?? (code < 0x80 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`);
  });
}

/** The first control character of `text` (tab and newline aside), as visible() shows it, with its index; undefined when there is none. */
export function firstControl(text: string): { readonly index: number; readonly shown: string } | undefined {
  CONTROL.lastIndex = 0;
  const m = CONTROL.exec(text);
  CONTROL.lastIndex = 0;
  return m ? { index: m.index, shown: visible(m[0]) } : undefined;
}
