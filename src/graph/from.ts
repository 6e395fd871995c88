import { isResourceReason, waitsForCluster } from "./resources.js";
import type { ShellFacts } from "./shell.js";
import { COMMAND_KINDS, type Step } from "./step.js";

/**
 * Commands that change the cluster or the node, as regular expressions on a simple command's
 * words: the state later slides assume. Read-only commands (get, describe, logs, curl) are not here.
 */
export const DEFAULT_MUTATING: readonly string[] = [
  "^kubectl (create|apply|expose|delete|run|scale|set|patch|label|annotate|edit|replace|autoscale|taint|cordon|uncordon|drain)\\b",
  "^kubectl rollout (undo|restart|pause|resume)\\b",
  "^kubectl config (set|set-context|set-cluster|set-credentials|use-context|delete-context)\\b",
  "^(docker|podman) (push|pull|build|tag|run|create|start|stop|rm|rmi|load|import|login|commit|cp)\\b",
  "^(docker|podman) (network|volume|image|container|service|stack|swarm|secret|config|node) (create|rm|prune|deploy|init|join|update|scale|tag|push|pull|build)\\b",
  "^(docker compose|docker-compose) (up|build|push|pull|down|rm|create|run|start|stop|scale)\\b",
  "^helm (install|upgrade|uninstall|delete|rollback|repo add|repo update|dependency update)\\b",
  "^(kind|k3d|minikube) (create|delete|start|load)\\b",
  "^(git clone|git checkout|git pull|mkdir|touch|cp|mv|rm|ln|tee|chmod|chown|tar|unzip|wget|ssh-keygen)\\b",
  "^(apt-get|apt|yum|dnf|apk|pip|pip3|npm|snap) (install|add|remove)\\b",
  "^curl .*(-o|-O|--output|-fsSLo)\\b",
  "^(sudo|systemctl|service)\\b",
];

/** Which steps a --from target needs, and which run from the target on. */
export interface FromPlan {
  readonly target: Step;
  /** Earlier steps to replay first, in deck order. */
  readonly catchUp: readonly Step[];
  /** The target and every step after it. */
  readonly rest: readonly Step[];
}

/** Kinds that drive or check a replayed command (a streaming command must still be stopped by its keys). */
const DRIVES = new Set(["wait", "longwait", "key", "keys", "paste", "check"]);

/**
 * The minimal set of earlier steps the target and what follows it need: the steps they depend on
 * (variables, working directory, clipboard, panes, resources), every earlier step that changes
 * the cluster or the node, the dependencies of those, transitively, the hidden steps and waits
 * (`kubectl wait`, `kubectl rollout status`) that use a resource a replayed step defines, and the
 * wait/keys that drive them.
 */
export function planFrom(steps: readonly Step[], facts: ReadonlyMap<string, ShellFacts>, targetIndex: number, mutating: readonly string[] = DEFAULT_MUTATING): FromPlan {
  const index = new Map(steps.map((s, i) => [s.id, i]));
  const patterns = mutating.map((p) => new RegExp(p));
  const needed = new Set<string>();
  const pending: string[] = [];
  const need = (id: string) => {
    if ((index.get(id) ?? Infinity) < targetIndex && !needed.has(id)) {
      needed.add(id);
      pending.push(id);
    }
  };
  for (const s of steps.slice(targetIndex)) s.dependsOn.forEach(need);
  for (const s of steps.slice(0, targetIndex)) {
    if (nodeChange(s, facts, patterns) !== undefined) need(s.id);
  }
  const close = () => {
    while (pending.length) steps[index.get(pending.pop()!)!]!.dependsOn.forEach(need);
  };
  close();
  // Readiness: a hidden step or a wait that acts on what is replayed is replayed too, so that the
  // next replayed step does not race the cluster. Each one added may need more: repeat until stable.
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of steps.slice(0, targetIndex)) {
      if (!needed.has(s.id) && actsOnReplayed(s, needed)) {
        need(s.id);
        close();
        grew = true;
      }
    }
  }
  for (const s of steps.slice(0, targetIndex)) {
    if (DRIVES.has(s.kind) && s.dependsOn.some((d) => needed.has(d))) needed.add(s.id);
  }
  return {
    target: steps[targetIndex]!,
    catchUp: steps.slice(0, targetIndex).filter((s) => needed.has(s.id)),
    rest: steps.slice(targetIndex),
  };
}

/** A hidden command, or a visible wait for the cluster, using a resource or image defined by a needed step. */
function actsOnReplayed(step: Step, needed: ReadonlySet<string>): boolean {
  if (!COMMAND_KINDS.has(step.kind) || !(step.hidden || waitsForCluster(step.text))) return false;
  return (step.dependencies ?? []).some((d) => isResourceReason(d.because) && needed.has(d.id));
}

/**
 * The command steps that change the cluster or the node (what --from replays, what --retries
 * never runs twice), each with the simple command that does.
 */
export function nodeChanges(steps: readonly Step[], facts: ReadonlyMap<string, ShellFacts>, mutating: readonly string[] = DEFAULT_MUTATING): ReadonlyMap<string, string> {
  const patterns = mutating.map((p) => new RegExp(p));
  const changes = new Map<string, string>();
  for (const s of steps) {
    const command = nodeChange(s, facts, patterns);
    if (command !== undefined) changes.set(s.id, command);
  }
  return changes;
}

/** The first simple command of a command step that matches a mutating pattern. */
function nodeChange(step: Step, facts: ReadonlyMap<string, ShellFacts>, patterns: readonly RegExp[]): string | undefined {
  const f = facts.get(step.id);
  if (!COMMAND_KINDS.has(step.kind) || !f) return undefined;
  for (const words of f.commands) {
    const line = words.join(" ");
    if (patterns.some((p) => p.test(line))) return line;
  }
  return undefined;
}

/** A --from argument: a step id, a slide number, or a slide title (exact, else the one title containing it). */
export function findTarget(steps: readonly Step[], from: string): number | string {
  const byId = steps.findIndex((s) => s.id === from);
  if (byId >= 0) return byId;
  if (/^\d+$/.test(from)) {
    const n = Number(from);
    const i = steps.findIndex((s) => s.slide >= n);
    return i >= 0 ? i : `slide ${n}: no step on it or after it`;
  }
  const wanted = from.trim().toLowerCase();
  const exact = steps.findIndex((s) => s.title.trim().toLowerCase() === wanted);
  if (exact >= 0) return exact;
  const titles = [...new Set(steps.filter((s) => s.title.toLowerCase().includes(wanted)).map((s) => s.title))];
  if (titles.length === 1) return steps.findIndex((s) => s.title === titles[0]);
  if (titles.length > 1) return `'${from}' matches several slides: ${titles.map((t) => `"${t}"`).join(", ")}`;
  return `'${from}' is no step id, slide number or slide title`;
}
