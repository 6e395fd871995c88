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
export function resolveUrl(url: string, recentOutputs: readonly string[]): string {
  let resolved = url.replace(/^(https?:\/\/)node1\b/, "$1127.0.0.1");
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

/**
 * `open URL` in a non-interactive run: an HTTP request stands for the browser. A URL with a
 * placeholder that cannot be filled is skipped with the reason.
 */
export async function openUrl(given: string, timeoutMs: number, recentOutputs: readonly string[] = []): Promise<Partial<StepResult> & { status: StepStatus }> {
  const url = resolveUrl(given, recentOutputs);
  const placeholder = UNRESOLVED.exec(url);
  if (placeholder) return { status: "skipped", reason: `the URL has an unresolved placeholder (${placeholder[0]}): not opened` };
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { status: "failed", reason: `not a URL: ${url}` };
  }
  try {
    const response = await fetch(target, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    const body = await response.text();
    const output = `GET ${url}: HTTP ${response.status} ${response.statusText}\n${body.slice(0, 2000)}`;
    return response.ok ? { status: "passed", output } : { status: "failed", output, reason: `HTTP ${response.status}` };
  } catch (e) {
    const reason = (e as Error).name === "TimeoutError" ? "no answer in time" : ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
    return { status: "failed", reason: `cannot open ${url}: ${reason}` };
  }
}
