/** The bytes that `key` and `keys` directives send to the terminal. */
const NAMED_KEYS: Readonly<Record<string, string>> = {
  Escape: "\x1b",
  Esc: "\x1b",
  Space: " ",
  Enter: "\r",
  Return: "\r",
  Tab: "\t",
  Backspace: "\x7f",
  Delete: "\x1b[3~",
  Up: "\x1b[A",
  Down: "\x1b[B",
  Right: "\x1b[C",
  Left: "\x1b[D",
  Home: "\x1b[H",
  End: "\x1b[F",
  PageUp: "\x1b[5~",
  PageDown: "\x1b[6~",
};

/** Control keys only, two or more: `^P^Q`, `^X^C`. */
const CONTROL_KEYS = /^(\^[@-_a-z?]){2,}$/;

/** `^X` as a control character: `^C` is \x03, `^[` is Escape, `^?` is DEL. */
function controlKey(spec: string): string | null {
  const match = /^\^([@-_a-z?])$/.exec(spec);
  if (match?.[1] === undefined) return null;
  if (match[1] === "?") return "\x7f";
  return String.fromCharCode(match[1].toUpperCase().charCodeAt(0) & 0x1f);
}

function namedKey(spec: string, ignoreCase: boolean): string | null {
  const control = controlKey(spec);
  if (control !== null) return control;
  const name = Object.keys(NAMED_KEYS).find((key) => (ignoreCase ? key.toLowerCase() === spec.toLowerCase() : key === spec));
  return name === undefined ? null : (NAMED_KEYS[name] ?? null);
}

/**
 * The bytes of one key as decks name it (`key` directive): `^C`, `^J` (a
 * line feed), `^[`, `Escape`/`Esc`, `Space`, `Enter`/`Return`, `Tab`,
 * `Backspace`, arrows (`Up`...); names are case-insensitive. Anything else
 * is typed as is.
 */
export function keyBytes(spec: string): string {
  const key = namedKey(spec.trim(), true);
  return key ?? spec;
}

/**
 * The bytes of a `keys TEXT` directive. A text that is one key spec (`^C`,
 * `Escape`, `Enter`..., names case-sensitive here so that words are typed)
 * is that key, and a text of control keys only is those keys (`^P^Q`, docker's
 * detach keys). Otherwise the text is typed as is, except that a newline in
 * it, and `^J` unless a letter or digit follows (`/^Java` stays a search),
 * mean Enter (\r): so `:wq^J` and a body ending in a newline save in vim.
 */
export function keysBytes(text: string): string {
  const key = namedKey(text.trim(), false);
  if (key !== null) return key;
  if (CONTROL_KEYS.test(text.trim())) return (text.trim().match(/\^./g) ?? []).map((spec) => controlKey(spec) ?? spec).join("");
  return text.replace(/\r?\n/g, "\r").replace(/\^J(?![A-Za-z0-9])/g, "\r");
}
