/**
 * The marker protocol: labrun's bash reports on itself through invisible OSC escape
 * sequences in its prompts. PS0 says a command line was read and starts running, PS2
 * says it wants another line of the same command, PS1 says the command ended and
 * carries its status.
 *
 * A nested interactive shell (`docker exec -ti ... sh`, `su`...) is told, once, to
 * print markers of its own in PS1 and PS2 (nestedShellSetup): `nd` with its level
 * and `$?` when a line ended, `nm` when it wants more. POSIX shells have no PS0:
 * there, a line starts running once its echo has been printed (echo-filter.ts).
 */

export const MARKER_OSC = 7770;
/** Environment variable holding the session's nonce (also finds the session's processes). */
export const NONCE_ENV = "LABRUN_SESSION";
/**
 * Exported by a nested shell (nestedShellSetup) as `NONCE-LEVEL`: the programs it starts carry it,
 * so that a timeout finds the one it waits on, even in a container of this machine's engine.
 */
export const NESTED_ENV = "LABRUN_NESTED";

export type Marker =
  | { readonly kind: "start"; readonly seq: number }
  | { readonly kind: "more"; readonly seq: number }
  | { readonly kind: "done"; readonly seq: number; readonly status: number }
  /** From a nested shell's PS1: its level (1 for the first shell inside labrun's bash). */
  | { readonly kind: "nested-done"; readonly level: number; readonly status: number }
  | { readonly kind: "nested-more"; readonly level: number };

export type Piece = { readonly kind: "text"; readonly text: string } | Marker;

/** Splits terminal output into text and this session's markers, whichever chunks they arrive in. */
export class MarkerStream {
  private readonly prefix: string;
  private pending = "";

  constructor(nonce: string) {
    this.prefix = `\x1b]${MARKER_OSC};${nonce};`;
  }

  feed(chunk: string): Piece[] {
    const data = this.pending + chunk;
    this.pending = "";
    const pieces: Piece[] = [];
    const text = (from: number, to: number): void => {
      if (to > from) pieces.push({ kind: "text", text: data.slice(from, to) });
    };
    let from = 0;
    for (let at = data.indexOf(this.prefix); at >= 0; at = data.indexOf(this.prefix, from)) {
      const end = data.indexOf("\x07", at);
      if (end < 0) {
        text(from, at);
        this.pending = data.slice(at);
        return pieces;
      }
      text(from, at);
      const marker = parseMarker(data.slice(at + this.prefix.length, end));
      if (marker !== null) pieces.push(marker);
      from = end + 1;
    }
    const keep = this.partialPrefixLength(data, from);
    text(from, data.length - keep);
    this.pending = data.slice(data.length - keep);
    return pieces;
  }

  /** Length of a tail of data (after `from`) that could be the start of a marker. */
  private partialPrefixLength(data: string, from: number): number {
    const escape = data.lastIndexOf("\x1b");
    if (escape < from || data.length - escape >= this.prefix.length) return 0;
    return this.prefix.startsWith(data.slice(escape)) ? data.length - escape : 0;
  }
}

function parseMarker(body: string): Marker | null {
  const [kind, seqText, statusText] = body.split(";");
  const seq = Number(seqText);
  if (!Number.isInteger(seq)) return null;
  if (kind === "start" || kind === "more") return { kind, seq };
  if (kind === "nm") return { kind: "nested-more", level: seq };
  if (kind === "nd" && Number.isInteger(Number(statusText))) return { kind: "nested-done", level: seq, status: Number(statusText) };
  const status = Number(statusText);
  if (kind === "done" && Number.isInteger(status)) return { kind, seq, status };
  return null;
}

/**
 * The session's rc file: nothing of the user's, a plain prompt, and the
 * markers. The prompt markers sit inside \[ \] so readline knows they take
 * no room, and PROMPT_COMMAND puts them back if a deck replaces PS0/1/2.
 */
export function bashRc(nonce: string): string {
  return String.raw`# Written by labrun for one session.
bind 'set enable-bracketed-paste off' >/dev/null 2>&1
bind 'set input-meta on' >/dev/null 2>&1
bind 'set output-meta on' >/dev/null 2>&1
bind 'set convert-meta off' >/dev/null 2>&1
bind 'set bell-style none' >/dev/null 2>&1
HISTFILE=/dev/null
unset MAILCHECK
__labrun_seq=0
__labrun_start=$'\e]OSC;NONCE;start;$((++__labrun_seq))\a'
__labrun_more=$'\\[\e]OSC;NONCE;more;$((++__labrun_seq))\a\\]'
__labrun_done=$'\\[\e]OSC;NONCE;done;$((++__labrun_seq));$?\a\\]'
__labrun_markers() {
  [[ $PS0 == *"$__labrun_start"* ]] || PS0="$PS0$__labrun_start"
  [[ $PS1 == *"$__labrun_done"* ]] || PS1="$__labrun_done$PS1"
  [[ $PS2 == *"$__labrun_more"* ]] || PS2="$__labrun_more$PS2"
}
PS0="$__labrun_start"
PS1="$__labrun_done"'$ '
PS2="$__labrun_more"'> '
PROMPT_COMMAND=__labrun_markers
`
    .replaceAll("OSC", String(MARKER_OSC))
    .replaceAll("NONCE", nonce);
}

/**
 * The line typed once into a nested POSIX shell, as soon as its prompt shows: PS1 and PS2
 * get invisible markers (PS1's carries `$?`, expanded at each prompt by dash, ash, bash,
 * ksh), then the line erases its own echo (`eraseRows` rows up) so the screen shows the
 * shell's prompt as it was. The shell exports NESTED_ENV for the programs it starts. Short,
 * so that it rarely wraps; a leading space keeps it out of bash's history.
 */
export function nestedShellSetup(nonce: string, level: number, eraseRows: number): string {
  const osc = `\\33]${MARKER_OSC};${nonce}`;
  return ` PS1="$(printf '${osc};nd;${level};$?\\7')$PS1" PS2="$(printf '${osc};nm;${level}\\7')$PS2" ${NESTED_ENV}=${nonce}-${level};export ${NESTED_ENV};printf '\\33[${eraseRows}A\\r\\33[J'`;
}
