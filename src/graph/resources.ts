/**
 * Cluster resources and images a step defines and uses, read from its simple commands (the
 * words the shell walker found, quotes removed, expansions kept as written).
 *
 * A resource is a key `KIND/NAME`: `deployment/registry`, `service/registry`, `namespace/blue`,
 * `file/dockercoins.yaml` (what `kubectl apply -f` creates cannot be known without reading the
 * file, so the file stands for it), `image/busybox:latest`, `compose/dockercoins.yml` (the images
 * a compose file builds). Kinds are normalised (`deploy`, `deployments`, `deployment.apps` are
 * all `deployment`); images get their default tag and lose `docker.io/library/`. A name with an
 * expansion (`$SERVICE`, `$REGISTRY/worker:$TAG`) is kept symbolic: see resourceMatches.
 *
 * Not tracked: namespaces of the resources themselves (`-n blue` is a use of `namespace/blue`,
 * and `deployment/web` in two namespaces is one key), label selectors (`-l app=web`), and
 * `kubectl run NAME`, which defines `pod/NAME` and also `deployment/NAME` (what kubectl did before
 * 1.18, the era of the older courses).
 */

export interface ResourceFacts {
  readonly defines: readonly string[];
  readonly uses: readonly string[];
}

const KINDS: ReadonlyMap<string, string> = new Map(
  (
    "deployment:deploy,deployments service:svc,services pod:po,pods replicaset:rs,replicasets " +
    "daemonset:ds,daemonsets statefulset:sts,statefulsets job:jobs cronjob:cj,cronjobs " +
    "configmap:cm,configmaps secret:secrets namespace:ns,namespaces node:no,nodes " +
    "persistentvolume:pv,persistentvolumes persistentvolumeclaim:pvc,persistentvolumeclaims " +
    "ingress:ing,ingresses serviceaccount:sa,serviceaccounts horizontalpodautoscaler:hpa,horizontalpodautoscalers " +
    "endpoints:ep networkpolicy:netpol,networkpolicies customresourcedefinition:crd,crds,customresourcedefinitions " +
    "role:roles clusterrole:clusterroles rolebinding:rolebindings clusterrolebinding:clusterrolebindings " +
    "poddisruptionbudget:pdb,poddisruptionbudgets storageclass:sc,storageclasses " +
    "certificatesigningrequest:csr,certificatesigningrequests apiservice:apiservices limitrange:limits,limitranges " +
    "resourcequota:quota,resourcequotas"
  )
    .split(" ")
    .flatMap((entry) => {
      const [kind = "", aliases = ""] = entry.split(":");
      return [kind, ...aliases.split(",")].map((alias): [string, string] => [alias, kind]);
    }),
);

/** `deploy`, `Deployments`, `deployment.apps` -> `deployment`; unknown kinds are only lowercased. */
export function normalizeKind(kind: string): string {
  const lower = kind.toLowerCase();
  return KINDS.get(lower) ?? KINDS.get(lower.split(".")[0] ?? "") ?? lower;
}

/** `busybox` -> `busybox:latest`, `docker.io/library/redis` -> `redis:latest`; `${X}` -> `$X`. */
export function normalizeImage(ref: string): string {
  let image = ref.replace(/\$\{(\w+)\}/g, "$$$1").replace(/@.*$/, "");
  image = image.replace(/^(index\.)?docker\.io\//, "").replace(/^library\//, "");
  const last = image.slice(image.lastIndexOf("/") + 1);
  return last.includes(":") ? image : `${image}:latest`;
}

/** How a dependency on a resource reads in `plan --json`: `resource deployment/registry`, `image busybox:latest`. */
export function describeResource(key: string): string {
  return key.startsWith("image/") ? `image ${key.slice("image/".length)}` : `resource ${key}`;
}

/** Whether a dependency's reason is a resource or an image (what describeResource wrote). */
export function isResourceReason(because: string): boolean {
  return because.startsWith("resource ") || because.startsWith("image ");
}

/** `kubectl wait ...` or `kubectl rollout status ...` somewhere in a command's text: it waits for the cluster. */
export function waitsForCluster(text: string): boolean {
  return /(^|[\s;&|(])(kubectl|k)\s([^\n;&|]*\s)?(wait|rollout\s+status)(\s|$)/m.test(text);
}

/** The resources a step's simple commands define and use. */
export function resourceFacts(commands: readonly (readonly string[])[]): ResourceFacts {
  const defines: string[] = [];
  const uses: string[] = [];
  for (const words of commands) {
    const argv = unwrap(words);
    const tool = argv[0];
    if (tool === "kubectl" || tool === "k") kubectl(argv.slice(1), defines, uses);
    else if (tool === "docker" || tool === "podman") docker(argv.slice(1), defines, uses);
    else if (tool === "docker-compose") compose(argv.slice(1), defines, uses);
  }
  const defined = new Set(defines);
  // what the step itself creates is not a dependency on an earlier step
  return { defines: [...defined], uses: [...new Set(uses)].filter((u) => !defined.has(u)) };
}

/**
 * Whether a use matches a definition. Literal keys match when equal; a symbolic side is a
 * pattern where each expansion stands for any text (`deployment/$SERVICE` defines
 * `deployment/rng`, and `image/$REGISTRY/busybox:latest` is used as itself).
 */
export function resourceMatches(defined: string, used: string): boolean {
  if (defined === used) return true;
  if (!defined.includes("$") && !used.includes("$")) return false;
  const slash = (k: string) => k.indexOf("/");
  if (defined.slice(0, slash(defined)) !== used.slice(0, slash(used))) return false;
  return (defined.includes("$") && pattern(defined).test(used)) || (used.includes("$") && pattern(used).test(defined));
}

const patterns = new Map<string, RegExp>();
function pattern(key: string): RegExp {
  let re = patterns.get(key);
  if (!re) {
    if (patterns.size > 1000) patterns.clear();
    const parts = key.split(/\$(?:\{[^}]*\}|\([^)]*\)|\w+)/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    re = new RegExp(`^${parts.join(".+")}$`);
    patterns.set(key, re);
  }
  return re;
}

// ---------------------------------------------------------------------------------------------

const WRAPPERS = new Set(["sudo", "env", "time", "nohup", "command", "exec"]);

/** `sudo kubectl ...`, `env A=1 kubectl ...`, `timeout 10 kubectl ...`: the wrapped command. */
function unwrap(words: readonly string[]): readonly string[] {
  let i = 0;
  while (i < words.length) {
    const w = words[i]!;
    if (WRAPPERS.has(w) || w.startsWith("-") || /^\w+=/.test(w)) i++;
    else if (w === "timeout") i += 2;
    else break;
  }
  return words.slice(i);
}

/** kubectl options that take a value (as the next word when not written `--flag=value`). */
const KUBECTL_VALUE_FLAGS = new Set(
  (
    "-n --namespace --context --kubeconfig --cluster --user -l --selector -o --output -c --container " +
    "--image --port --target-port --type --name --replicas --for --timeout --since --tail --since-time " +
    "--field-selector --template --sort-by --restart --env --labels --overrides --protocol --external-ip " +
    "--cluster-ip --generator --limits --requests --serviceaccount --schedule --from --current-replicas " +
    "--address --revision --to-revision --grace-period --min --max --cpu-percent -k --kustomize -f --filename " +
    "-p --patch --pod-running-timeout --session-affinity --load-balancer-ip"
  ).split(" "),
);

/** Verbs whose `-f` and `-p` are flags (`logs -f` follows, `exec -p`... is rare) rather than a file. */
const BOOLEAN_F = new Set(["logs", "exec", "attach", "port-forward"]);

interface KubectlArgs {
  readonly operands: readonly string[];
  readonly flags: ReadonlyMap<string, readonly string[]>;
}

function kubectlArgs(args: readonly string[]): KubectlArgs {
  const operands: string[] = [];
  const flags = new Map<string, string[]>();
  const add = (flag: string, value: string) => flags.set(flag, [...(flags.get(flag) ?? []), value]);
  let booleanF = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === "--") break;
    if (!w.startsWith("-") || w === "-") {
      if (operands.length === 0) booleanF = BOOLEAN_F.has(w);
      operands.push(w);
      continue;
    }
    const eq = w.indexOf("=");
    if (eq > 0) add(w.slice(0, eq), w.slice(eq + 1));
    else if (KUBECTL_VALUE_FLAGS.has(w) && !(booleanF && (w === "-f" || w === "-p")) && i + 1 < args.length) add(w, args[++i]!);
    else if (/^-[nlfc]./.test(w) && !booleanF) add(w.slice(0, 2), w.slice(2));
    else add(w, "");
  }
  return { operands, flags };
}

/** `TYPE NAME...`, `TYPE/NAME...` (or a mix of `TYPE/NAME`), as resource keys. */
function resourceArgs(operands: readonly string[], keepOperand: (w: string) => boolean = () => true): string[] {
  if (operands.length === 0) return [];
  if (operands[0]!.includes("/")) return operands.filter((w) => w.includes("/") && keepOperand(w)).map(slashed);
  const kinds = operands[0]!.split(",");
  if (kinds.length > 1) return [];
  return operands.slice(1).filter(keepOperand).map((name) => `${normalizeKind(kinds[0]!)}/${name}`);
}

function slashed(word: string): string {
  const slash = word.indexOf("/");
  return `${normalizeKind(word.slice(0, slash))}/${word.slice(slash + 1)}`;
}

/** `logs`, `exec`, `attach`, `port-forward`, `top pod`: `TYPE/NAME` or a pod name. */
function podArg(word: string | undefined): string[] {
  if (word === undefined) return [];
  return [word.includes("/") ? slashed(word) : `pod/${word}`];
}

/** `kubectl create` subcommands whose kind is followed by a type before the name. */
const CREATE_WITH_TYPE = new Set(["secret", "service"]);

function kubectl(args: readonly string[], defines: string[], uses: string[]): void {
  const { operands, flags } = kubectlArgs(args);
  const [verb, ...rest] = operands;
  for (const ns of [...(flags.get("-n") ?? []), ...(flags.get("--namespace") ?? [])]) if (ns) uses.push(`namespace/${ns}`);
  const files = [...(flags.get("-f") ?? []), ...(flags.get("--filename") ?? []), ...(flags.get("-k") ?? []), ...(flags.get("--kustomize") ?? [])]
    .filter((f) => f !== "" && f !== "-")
    .map((f) => `file/${f}`);
  // `--dry-run=client -o yaml` only prints what it would create
  const dryRun = (flags.get("--dry-run") ?? []).some((v) => v !== "none" && v !== "false");
  switch (dryRun ? undefined : verb) {
    case "create":
    case "apply":
    case "replace": {
      defines.push(...files);
      if (verb !== "create" || rest.length === 0) return;
      const kind = normalizeKind(rest[0]!);
      const name = CREATE_WITH_TYPE.has(kind) ? rest[2] : rest[1];
      if (name !== undefined) defines.push(`${kind}/${name}`);
      return;
    }
    case "run":
      if (rest[0] !== undefined) defines.push(`pod/${rest[0]}`, `deployment/${rest[0]}`);
      return;
    case "expose": {
      const [target] = resourceArgs(rest);
      if (target === undefined) return;
      uses.push(target);
      const name = flags.get("--name")?.[0] ?? target.slice(target.indexOf("/") + 1);
      defines.push(`service/${name}`);
      return;
    }
    case "autoscale": {
      const [target] = resourceArgs(rest);
      if (target !== undefined) uses.push(target);
      return;
    }
    case "logs":
    case "exec":
    case "attach":
    case "port-forward":
      uses.push(...podArg(rest[0]));
      return;
    case "top":
      if (rest[0] && normalizeKind(rest[0]) === "pod") uses.push(...podArg(rest[1]));
      return;
    case "rollout":
    case "set":
      uses.push(...resourceArgs(rest.slice(1), (w) => !w.includes("=")));
      return;
    case "label":
    case "annotate":
      uses.push(...files, ...resourceArgs(rest, (w) => !w.includes("=") && !w.endsWith("-")));
      return;
    case "get":
    case "describe":
    case "wait":
    case "scale":
    case "delete":
    case "edit":
    case "patch":
      uses.push(...files, ...resourceArgs(rest));
      return;
    default:
      return;
  }
}

/** docker options that take a value, for the few subcommands read here. */
const DOCKER_VALUE_FLAGS = new Set(["-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--platform", "-f", "--file", "--build-arg", "--target", "-t", "--tag"]);
/** `docker run` has dozens of options taking a value: list the few that do not. */
const DOCKER_RUN_BOOLEAN = new Set(["-d", "-i", "-t", "-it", "-ti", "-P", "-q", "--rm", "--detach", "--interactive", "--tty", "--privileged", "--init", "--read-only", "--publish-all", "--quiet"]);

function dockerOperands(args: readonly string[], takesValue: (flag: string) => boolean): string[] {
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (!w.startsWith("-") || w === "-") operands.push(w);
    else if (!w.includes("=") && takesValue(w)) i++;
  }
  return operands;
}

function docker(args: readonly string[], defines: string[], uses: string[]): void {
  let i = 0;
  while (i < args.length && args[i]!.startsWith("-")) i += DOCKER_VALUE_FLAGS.has(args[i]!) ? 2 : 1;
  let [sub, ...rest] = args.slice(i);
  if (sub === "image" || sub === "container" || sub === "buildx") [sub, ...rest] = rest;
  const image = (ref: string) => `image/${normalizeImage(ref)}`;
  switch (sub) {
    case "build":
      rest.forEach((w, j) => {
        if (w === "-t" || w === "--tag") defines.push(...(rest[j + 1] ? [image(rest[j + 1]!)] : []));
        else if (w.startsWith("--tag=") || (w.startsWith("-t") && w.length > 2 && !w.startsWith("--"))) defines.push(image(w.replace(/^(--tag=|-t=?)/, "")));
      });
      return;
    case "pull":
      defines.push(...dockerOperands(rest, (f) => DOCKER_VALUE_FLAGS.has(f)).slice(0, 1).map(image));
      return;
    case "tag": {
      const [source, target] = dockerOperands(rest, () => false);
      if (source) uses.push(image(source));
      if (target) defines.push(image(target));
      return;
    }
    case "push":
      uses.push(...dockerOperands(rest, (f) => DOCKER_VALUE_FLAGS.has(f)).slice(0, 1).map(image));
      return;
    case "run":
    case "create":
      uses.push(...dockerOperands(rest, (f) => !DOCKER_RUN_BOOLEAN.has(f)).slice(0, 1).map(image));
      return;
    case "compose":
      compose(rest, defines, uses);
      return;
    default:
      return;
  }
}

/** `docker-compose -f FILE build` defines the images of FILE; `push`, `up` and `run` use them. */
function compose(args: readonly string[], defines: string[], uses: string[]): void {
  let file = "docker-compose.yml";
  let i = 0;
  for (; i < args.length && args[i]!.startsWith("-"); i++) {
    const w = args[i]!;
    if ((w === "-f" || w === "--file") && args[i + 1]) file = args[++i]!;
    else if (w.startsWith("--file=")) file = w.slice("--file=".length);
    else if (w === "-p" || w === "--project-name" || w === "--env-file" || w === "--profile") i++;
  }
  const sub = args[i];
  if (sub === "build") defines.push(`compose/${file}`);
  else if (sub === "push" || sub === "up" || sub === "run") uses.push(`compose/${file}`);
}

interface Definition {
  readonly key: string;
  readonly id: string;
}

/** The most recent step defining each resource, as the graph is built in deck order. */
export class ResourceDefiners {
  private readonly literal = new Map<string, Definition>();
  /** Per kind, the definitions whose name is symbolic (`deployment/$SERVICE`). */
  private readonly symbolic = new Map<string, Definition[]>();
  /** Per kind, every definition: a symbolic use may match any of them. */
  private readonly byKind = new Map<string, Definition[]>();
  define(key: string, id: string): void {
    const d = { key, id };
    const kind = key.slice(0, key.indexOf("/"));
    if (key.includes("$")) push(this.symbolic, kind, d);
    else this.literal.set(key, d);
    push(this.byKind, kind, d);
  }

  /**
   * The step that last defined what `key` names, if any. A literal definition wins over a symbolic
   * one (`kubectl create deployment redis` over a later loop creating `deployment/$SERVICE`).
   */
  definer(key: string): string | undefined {
    const symbolicUse = key.includes("$");
    if (!symbolicUse) {
      const exact = this.literal.get(key);
      if (exact) return exact.id;
    }
    const kind = key.slice(0, key.indexOf("/"));
    const candidates = (symbolicUse ? this.byKind : this.symbolic).get(kind) ?? [];
    for (let i = candidates.length - 1; i >= 0; i--) {
      if (resourceMatches(candidates[i]!.key, key)) return candidates[i]!.id;
    }
    return undefined;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
