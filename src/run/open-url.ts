import { setTimeout as sleep } from "node:timers/promises";
import type { StepResult, StepStatus } from "./result.js";

/** Placeholders authors put in URLs: a port found earlier (3xxxx), xxxxx, <...>, an unexpanded $VAR. */
const UNRESOLVED = /(\d?x{3,}|<[^>]*>|\$\{?\w+)/i;
/** A port written as digits and x's (`3xxxx`): a number of that shape. */
const PORT_PLACEHOLDER = /(?<=:)(\d)(x{2,})(?=\/|$)/i;

/**
 * Fills what an attendee would fill: `3xxxx` is the port an earlier command showed (the last
 * number of that shape in the most recent output that has one, as `kubectl get svc` lists
 * `80:31234/TCP`), and `node1` is this machine.
 */
export function resolveUrl(url: string, recentOutputs: readonly string[], node = "127.0.0.1"): string {
  const host = node.includes(":") ? `[${node}]` : node;
  let resolved = url.replace(/^(https?:\/\/)node1\b/, (_, scheme: string) => scheme + host);
  const port = PORT_PLACEHOLDER.exec(resolved);
  if (port) {
    const shape = new RegExp(`(?<![\\d.])${port[1]}\\d{${port[2]!.length}}(?![\\d.])`, "g");
    for (let i = recentOutputs.length - 1; i >= 0; i--) {
      const found = recentOutputs[i]!.match(shape);
      if (found) {
        resolved = resolved.replace(PORT_PLACEHOLDER, found[found.length - 1]!);
        break;
      }
    }
  }
  return resolved;
}

/** Answers a person reloading the page would wait out: a proxy or a service not ready yet. */
const NOT_READY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
/** Errors of a port with no one behind it yet (a NodePort just exposed). */
const NOT_READY_ERRORS: ReadonlySet<string> = new Set(["ECONNREFUSED", "ECONNRESET", "UND_ERR_SOCKET"]);

const LAST_TRY_MS = 100;

export interface OpenOptions {
  /** First pause between tries, doubled after each up to `maxDelayMs`. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
  /** What `node1` means: the SSH host of a remote run (default: this machine). */
  readonly node?: string;
  /** Ends the request and the tries at once (the run is stopped or closed): the step is interrupted. */
  readonly signal?: AbortSignal;
}

type Opened = Partial<StepResult> & { status: StepStatus };

/**
 * `open URL` in a non-interactive run: an HTTP request stands for the browser. Like a person
 * reloading the page, a refused connection or a 502/503/504 is tried again (pauses from 250 ms,
 * doubling, at most 2 s) until `timeoutMs` is spent; any other answer counts at once. A URL with a
 * placeholder that cannot be filled is skipped with the reason.
 */
export async function openUrl(given: string, timeoutMs: number, recentOutputs: readonly string[] = [], options: OpenOptions = {}): Promise<Opened> {
  const url = resolveUrl(given, recentOutputs, options.node);
  const placeholder = UNRESOLVED.exec(url);
  if (placeholder) return { status: "skipped", reason: `the URL has an unresolved placeholder (${placeholder[0]}): not opened` };
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { status: "failed", reason: `not a URL: ${url}` };
  }
  const started = Date.now();
  const deadline = started + timeoutMs;
  let delay = options.firstDelayMs ?? 250;
  const { signal } = options;
  for (let tries = 1; ; tries++) {
    if (signal?.aborted) return { status: "interrupted", reason: `interrupted while opening ${url}` };
    const attempt = await tryOnce(target, url, Math.max(1, deadline - Date.now()), signal);
    if (signal?.aborted) return { status: "interrupted", reason: `interrupted while opening ${url}` };
    const left = deadline - Date.now();
    const spent = `${tries} tries in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    if (attempt.result.status === "passed") return tries === 1 ? attempt.result : { ...attempt.result, output: `${attempt.result.output ?? ""}\n(answered after ${spent})` };
    if (!attempt.notReady) return attempt.result.status === "failed" && !attempt.answered ? { ...attempt.result, reason: `${attempt.result.reason}${fromHere(options.node)}` } : attempt.result;
    // keep time for one more real try: a try cut short would only say "no answer in time"
    if (left <= LAST_TRY_MS) return { ...attempt.result, reason: `${attempt.result.reason ?? "not ready"}: still not ready after ${spent}${attempt.answered ? "" : fromHere(options.node)}` };
    await sleep(Math.min(delay, left - LAST_TRY_MS), undefined, signal ? { signal } : {}).catch(() => undefined);
    delay = Math.min(delay * 2, options.maxDelayMs ?? 2000);
  }
}

/** A remote run's page is asked for from this machine: a port the host does not open to it cannot answer. */
function fromHere(node: string | undefined): string {
  return node === undefined ? "" : ` (the request goes from this machine to ${node}, the --ssh host: is that port open to it?)`;
}

async function tryOnce(target: URL, url: string, timeoutMs: number, stop: AbortSignal | undefined): Promise<{ result: Opened; notReady: boolean; answered?: boolean }> {
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const response = await fetch(target, { signal: stop ? AbortSignal.any([timeout, stop]) : timeout, redirect: "follow" });
    const body = await response.text();
    const output = `GET ${url}: HTTP ${response.status} ${response.statusText}\n${body.slice(0, 2000)}`;
    if (response.ok) return { result: { status: "passed", output }, notReady: false, answered: true };
    return { result: { status: "failed", output, reason: `cannot open ${url}: HTTP ${response.status} ${response.statusText}` }, notReady: NOT_READY_STATUSES.has(response.status), answered: true };
  } catch (e) {
    const error = e as Error & { cause?: Error & { code?: string } };
    const reason = error.name === "TimeoutError" ? "no answer in time" : error.cause?.message ?? error.message;
    return { result: { status: "failed", reason: `cannot open ${url}: ${reason}` }, notReady: NOT_READY_ERRORS.has(error.cause?.code ?? "") };
  }
}
