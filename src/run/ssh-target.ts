/**
 * `--ssh [USER@]HOST[:PORT]`: where a run's shells live when they are not on this machine, and
 * how the real `ssh` client is called to reach it (so ~/.ssh/config, agents and known_hosts
 * work as they do for the person running labrun). Pure: nothing here starts a process.
 */

export interface SshTarget {
  /** `user@host` or `host`, as ssh takes it (a Host alias of ~/.ssh/config works). */
  readonly destination: string;
  /** The host part alone (an alias, a name or an address), for messages. */
  readonly host: string;
  readonly port?: number;
  /** `-o` options given with --ssh-option, in order (they win over labrun's defaults). */
  readonly options: readonly string[];
  /** --ssh-identity. */
  readonly identity?: string;
  /** As the user wrote it, for messages. */
  readonly given: string;
  /** The address ssh connects to (`ssh -G`: an alias of ~/.ssh/config resolved), once known. */
  readonly hostname?: string;
}

/** Thrown for a --ssh value that is not `[USER@]HOST[:PORT]`. */
export class SshTargetError extends Error {}

const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
const HOST = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?$/;

/** Parses `[USER@]HOST[:PORT]` (an IPv6 address in brackets: `[::1]:2222`). */
export function parseSshTarget(given: string, extra: { options?: readonly string[]; identity?: string } = {}): SshTarget {
  const text = given.trim();
  const at = text.lastIndexOf("@");
  const user = at >= 0 ? text.slice(0, at) : undefined;
  const rest = at >= 0 ? text.slice(at + 1) : text;
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9A-Fa-f:.%]+)\](?::(.*))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else {
    const colon = rest.indexOf(":");
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    portText = colon >= 0 ? rest.slice(colon + 1) : undefined;
  }
  if (user !== undefined && !USER.test(user)) throw new SshTargetError(`--ssh ${given}: '${user}' is not a user name (expected [USER@]HOST[:PORT])`);
  if (!v6 && !HOST.test(host)) throw new SshTargetError(`--ssh ${given}: '${host}' is not a host name or address (expected [USER@]HOST[:PORT])`);
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) throw new SshTargetError(`--ssh ${given}: '${portText}' is not a port (1 to 65535)`);
  }
  for (const option of extra.options ?? []) {
    if (!/^[A-Za-z][A-Za-z0-9]*[= ]\S/.test(option.trim())) throw new SshTargetError(`--ssh-option ${option}: expected NAME=VALUE, as ssh -o takes it (e.g. StrictHostKeyChecking=no)`);
  }
  return {
    destination: user !== undefined ? `${user}@${host}` : host,
    host,
    ...(port !== undefined ? { port } : {}),
    options: (extra.options ?? []).map((o) => o.trim()),
    ...(extra.identity !== undefined ? { identity: extra.identity } : {}),
    given: text,
  };
}

/**
 * labrun's defaults, after the user's own `-o`s (for each option ssh keeps the first value it
 * gets): never ask anything (no password prompt hidden in a pty), give up on a host that does
 * not answer, notice a connection that died, and take a new host's key but refuse a changed one.
 */
const DEFAULT_OPTIONS = ["BatchMode=yes", "ConnectTimeout=10", "ServerAliveInterval=5", "ServerAliveCountMax=3", "StrictHostKeyChecking=accept-new", "LogLevel=ERROR"];

/** The ssh arguments before the remote command, for a session (`tty`: -tt) or a one-shot command (-T). */
export function sshArgs(target: SshTarget, opts: { tty: boolean; connectTimeoutS?: number }): string[] {
  const args = [opts.tty ? "-tt" : "-T"];
  for (const option of target.options) args.push("-o", option);
  if (opts.connectTimeoutS !== undefined) args.push("-o", `ConnectTimeout=${opts.connectTimeoutS}`);
  for (const option of DEFAULT_OPTIONS) args.push("-o", option);
  if (target.identity !== undefined) args.push("-i", target.identity, "-o", "IdentitiesOnly=yes");
  if (target.port !== undefined) args.push("-p", String(target.port));
  args.push("--", target.destination);
  return args;
}

/** Quotes a word for the remote login shell (sh, bash, zsh and fish all read `'...'\''...'` alike). */
export function shQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** What ssh said when it could not connect, as one short reason (null: not a connection problem ssh names). */
export function connectionProblem(sshOutput: string): string | null {
  const text = sshOutput.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
  const rules: readonly [RegExp, string][] = [
    [/Could not resolve hostname ([^:\s]+)/i, "unknown host"],
    [/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i, "the host's key changed since it was last seen (known_hosts): refusing to connect"],
    [/Host key verification failed/i, "host key verification failed"],
    [/Connection refused/i, "connection refused"],
    [/Permission denied|Too many authentication failures|no more authentication methods/i, "authentication failed"],
    [/Connection timed out|Operation timed out|timed out during banner exchange/i, "connection timed out"],
    [/No route to host/i, "no route to host"],
    [/Network is unreachable/i, "network unreachable"],
    [/Connection closed by|Connection reset by|kex_exchange_identification/i, "the host closed the connection"],
  ];
  for (const [pattern, reason] of rules) if (pattern.test(text)) return reason;
  return null;
}

/** The last non-empty line of what ssh printed, for a message. */
export function lastLine(text: string): string {
  return (
    text
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
      .split(/\r?\n|\r/)
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? ""
  );
}

/** `ssh user@host:2222: connection refused (ssh: connect to host ... port 2222: Connection refused)`. */
export function connectionMessage(target: SshTarget, sshOutput: string, fallback = "could not connect"): string {
  const reason = connectionProblem(sshOutput) ?? fallback;
  const said = lastLine(sshOutput);
  return `ssh ${target.given}: ${reason}${said ? ` (${said.startsWith("ssh:") ? said : `ssh: ${said}`})` : ""}`;
}
