import type { Problem } from "../../problem.js";
import type { Step } from "../../graph/step.js";
import { onPath } from "../../path-lookup.js";
import type { LintRule } from "../rule.js";

/**
 * `command-typo`: a command that is probably a typo of another, `kuectl get storageclasses` for
 * `kubectl` (a real course had it). A program the steps call is a suspect when nothing explains it:
 * not a function or alias the deck defines, not installed by the deck (`curl -o
 * /usr/local/bin/NAME`, `apt-get install NAME`), not a well-known workshop tool, and not on PATH
 * (a lookup, nothing runs). It is reported when a name it could have been meant for is within a
 * small edit distance (Damerau-Levenshtein: 1 for names of 5 to 8 characters, 2 from 9; none
 * under 5, where every name is near another: `tree`, `tee`) and not of its family (`snapd` is not
 * a typo of `snap`). The names it could have been meant for are the well-known workshop tools
 * below, the deck's own functions and aliases, and the programs the deck calls more often than
 * the suspect; never the other names on this machine's PATH, so that the warning reads the same
 * on a laptop as in the lab: PATH only ever silences it (an installed program is no typo).
 *
 * Good: `kubectl get pods`. Bad: `kuectl get pods` ('kuectl' ...: did you mean 'kubectl'?).
 */
export const WORKSHOP_TOOLS: readonly string[] = (
  "kubectl kubeadm kubelet kubectx kubens kube-proxy kustomize helm stern k9s kind k3d k3s minikube " +
  "docker dockerd docker-compose docker-machine containerd ctr crictl runc podman buildah skopeo " +
  "flux argocd kubeseal velero etcdctl cfssl cfssljson openssl terraform ansible " +
  "curl wget httping jq yq git ssh scp rsync sudo tmux screen vim nano less more watch " +
  "apt-get apt yum dnf apk brew snap pip pip3 npm npx node python python3 go make " +
  "grep egrep sed awk sort uniq head tail tee xargs find cat echo printf base64 envsubst " +
  "tar gzip gunzip unzip chmod chown mkdir rmdir touch ping dig nslookup host ip iptables " +
  "systemctl journalctl hostname whoami uname sleep seq date time timeout nc netstat ss"
).split(" ");

const KNOWN = new Set(WORKSHOP_TOOLS);

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The edit distance up to which `name` may be a typo: none for short names, where every name is near another (`tree`, `tee`). */
function tolerance(name: string): number {
  return name.length < 5 ? 0 : name.length < 9 ? 1 : 2;
}

/** A daemon or a version of a tool (`snapd`, `python3.11`) is its family, not a typo of it. */
function sameFamily(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return long.startsWith(short) && /^(d|[\d.]+)$/.test(long.slice(short.length));
}

/** The name `suspect` was probably meant to be, if one candidate is near enough (the nearest, then the most used). */
export function likelyMeant(suspect: string, candidates: ReadonlyMap<string, number>): string | undefined {
  const max = tolerance(suspect);
  let best: { name: string; distance: number; uses: number } | undefined;
  for (const [name, uses] of candidates) {
    if (name === suspect || Math.abs(name.length - suspect.length) > max || sameFamily(name, suspect)) continue;
    const distance = editDistance(suspect, name);
    if (distance > max) continue;
    if (!best || distance < best.distance || (distance === best.distance && uses > best.uses)) best = { name, distance, uses };
  }
  return best?.name;
}

export const commandTypo: LintRule = {
  id: "command-typo",
  description: "a command not on PATH nor defined by the deck, near one it uses or a well-known tool (`kuectl`: did you mean kubectl?)",
  check({ graph, path = "" }) {
    const calls = new Map<string, number>();
    const defined = new Set<string>();
    const installed = new Set<string>();
    for (const s of graph.steps) {
      const f = graph.facts.get(s.id);
      if (!f) continue;
      for (const p of f.programs) calls.set(p, (calls.get(p) ?? 0) + 1);
      for (const name of [...f.functions, ...f.aliases]) defined.add(name);
      for (const words of f.commands) for (const name of installedBy(words)) installed.add(name);
    }
    const verdicts = new Map<string, string | undefined>();
    const meantFor = (program: string): string | undefined => {
      if (verdicts.has(program)) return verdicts.get(program);
      let meant: string | undefined;
      if (!KNOWN.has(program) && !defined.has(program) && !installed.has(program) && tolerance(program) > 0 && !onPath(program, path)) {
        const uses = calls.get(program) ?? 0;
        const candidates = new Map<string, number>(WORKSHOP_TOOLS.map((t) => [t, calls.get(t) ?? 0]));
        for (const [name, n] of calls) if (n > uses) candidates.set(name, n);
        for (const name of defined) candidates.set(name, Math.max(uses + 1, calls.get(name) ?? 0));
        meant = likelyMeant(program, candidates);
      }
      verdicts.set(program, meant);
      return meant;
    };
    const problems: Problem[] = [];
    for (const s of graph.steps) {
      for (const program of graph.facts.get(s.id)?.programs ?? []) {
        const meant = meantFor(program);
        if (!meant) continue;
        problems.push({
          ...positionOf(program, s),
          file: s.file,
          severity: "warning",
          message: `'${program}' is not on PATH nor defined by the deck: did you mean '${meant}'?`,
          ruleId: this.id,
        });
      }
    }
    return problems;
  },
};

/** Names a command installs: the last part of a path it writes (`curl -o /usr/local/bin/NAME`), the operands of `install`. */
function installedBy(words: readonly string[]): string[] {
  const names = words.filter((w) => w.includes("/")).map((w) => w.slice(w.lastIndexOf("/") + 1));
  const install = words.indexOf("install");
  if (install > 0) names.push(...words.slice(install + 1).filter((w) => !w.startsWith("-")));
  return names;
}

/** Where the program's name first appears in the step's text, as a word (else the step's own place). */
function positionOf(program: string, step: Step): { line: number; column: number } {
  const escaped = program.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`(^|[\\s;&|(\`])${escaped}(?=[\\s;&|)]|$)`).exec(step.text);
  if (!m) return { line: step.line, column: step.column };
  const offset = m.index + m[1]!.length;
  const before = step.text.slice(0, offset);
  const lines = before.split("\n");
  return lines.length === 1 ? { line: step.line, column: step.column + offset } : { line: step.line + lines.length - 1, column: lines.at(-1)!.length + 1 };
}
