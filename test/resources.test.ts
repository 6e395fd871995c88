import { describe, it, expect, beforeAll } from "vitest";
import { analyzeShell, initShellParser } from "../src/graph/shell.js";
import { normalizeImage, normalizeKind, resourceFacts, resourceMatches, ResourceDefiners, waitsForCluster } from "../src/graph/resources.js";
import { planDeck, type PlannedDeck } from "../src/index.js";
import { selectSteps } from "../src/graph/select.js";
import { planJson } from "../src/plan/outline.js";
import type { Step } from "../src/graph/step.js";
import { fixture, slides } from "./helpers.js";

beforeAll(async () => {
  await initShellParser();
});

const facts = (text: string) => resourceFacts(analyzeShell(text).commands);

describe("resources a command defines and uses", () => {
  it("normalises kinds and image references", () => {
    for (const k of ["deploy", "deployment", "deployments", "Deployments", "deployment.apps"]) expect(normalizeKind(k)).toBe("deployment");
    for (const k of ["svc", "service", "services"]) expect(normalizeKind(k)).toBe("service");
    for (const k of ["po", "pod", "pods"]) expect(normalizeKind(k)).toBe("pod");
    expect(normalizeKind("ns")).toBe("namespace");
    expect(normalizeKind("Widgets")).toBe("widgets");
    expect(normalizeImage("busybox")).toBe("busybox:latest");
    expect(normalizeImage("docker.io/library/redis:7")).toBe("redis:7");
    expect(normalizeImage("127.0.0.1:5000/busybox")).toBe("127.0.0.1:5000/busybox:latest");
    expect(normalizeImage("${REGISTRY}/worker:${TAG}")).toBe("$REGISTRY/worker:$TAG");
  });

  it("kubectl create, expose and run define; get, describe, logs, wait, rollout status... use", () => {
    expect(facts("kubectl create deployment registry --image=registry")).toEqual({ defines: ["deployment/registry"], uses: [] });
    expect(facts("kubectl expose deploy/registry --port=5000 --type=NodePort")).toEqual({ defines: ["service/registry"], uses: ["deployment/registry"] });
    expect(facts("kubectl expose deployment rng --port 80 --name rng-svc")).toEqual({ defines: ["service/rng-svc"], uses: ["deployment/rng"] });
    expect(facts("kubectl run pingpong --image alpine ping 1.1.1.1")).toEqual({ defines: ["pod/pingpong", "deployment/pingpong"], uses: [] });
    expect(facts("kubectl create service nodeport web --tcp=80").defines).toEqual(["service/web"]);
    expect(facts("kubectl create secret generic pw --from-literal=a=b").defines).toEqual(["secret/pw"]);
    expect(facts("kubectl apply -f dockercoins.yaml")).toEqual({ defines: ["file/dockercoins.yaml"], uses: [] });
    expect(facts("kubectl create deployment web --image=nginx --dry-run=client -o yaml > web.yaml")).toEqual({ defines: [], uses: [] });
    const uses = (text: string) => facts(text).uses;
    expect(uses("kubectl get svc/registry -o json")).toEqual(["service/registry"]);
    expect(uses("kubectl describe svc registry web")).toEqual(["service/registry", "service/web"]);
    expect(uses("kubectl logs deploy/worker --follow")).toEqual(["deployment/worker"]);
    expect(uses("kubectl logs -f --tail 1 pingpong-abc")).toEqual(["pod/pingpong-abc"]);
    expect(uses("kubectl wait deploy/registry --for condition=available")).toEqual(["deployment/registry"]);
    expect(uses("kubectl wait --for=condition=available deployments.apps/registry")).toEqual(["deployment/registry"]);
    expect(uses("kubectl rollout status deploy/worker")).toEqual(["deployment/worker"]);
    expect(uses("kubectl scale deployment worker --replicas=10")).toEqual(["deployment/worker"]);
    expect(uses("kubectl set image deploy/worker worker=dockercoins/worker:v0.2")).toEqual(["deployment/worker"]);
    expect(uses("kubectl exec -ti deploy/web -- sh")).toEqual(["deployment/web"]);
    expect(uses("kubectl port-forward svc/web 8080:80")).toEqual(["service/web"]);
    expect(uses("kubectl label pods pingpong color=blue tier-")).toEqual(["pod/pingpong"]);
    expect(uses("kubectl -n blue get deploy web")).toEqual(["namespace/blue", "deployment/web"]);
    expect(uses("kubectl delete -f dockercoins.yaml")).toEqual(["file/dockercoins.yaml"]);
    expect(uses("sudo kubectl delete deploy/web")).toEqual(["deployment/web"]);
    expect(["kubectl wait deploy/x --for condition=available", "sleep 1; kubectl -n a rollout status deploy/x"].map(waitsForCluster)).toEqual([true, true]);
    expect(["kubectl get pods -w", "echo kubectl; wait", "kubectl logs deploy/wait"].map(waitsForCluster)).toEqual([false, false, false]);
    // a list of a kind names no resource; a step's own definitions are not uses
    expect(uses("kubectl get pods -w")).toEqual([]);
    expect(facts("kubectl create deployment web --image=nginx && kubectl expose deploy web --port 80")).toEqual({
      defines: ["deployment/web", "service/web"],
      uses: [],
    });
  });

  it("docker build, tag and pull define images that push, run and tag use; compose build and push too", () => {
    expect(facts("docker build -t dockercoins/worker:v0.1 worker")).toEqual({ defines: ["image/dockercoins/worker:v0.1"], uses: [] });
    expect(facts("docker pull busybox")).toEqual({ defines: ["image/busybox:latest"], uses: [] });
    expect(facts("docker tag busybox $REGISTRY/busybox")).toEqual({ defines: ["image/$REGISTRY/busybox:latest"], uses: ["image/busybox:latest"] });
    expect(facts("docker push $REGISTRY/busybox")).toEqual({ defines: [], uses: ["image/$REGISTRY/busybox:latest"] });
    expect(facts("docker run --rm -ti -e A=1 alpine:3.19 sh")).toEqual({ defines: [], uses: ["image/alpine:3.19"] });
    expect(facts("docker image push --platform linux/amd64 web:v1").uses).toEqual(["image/web:v1"]);
    expect(facts("docker-compose -f dockercoins.yml build")).toEqual({ defines: ["compose/dockercoins.yml"], uses: [] });
    expect(facts("docker compose push")).toEqual({ defines: [], uses: ["compose/docker-compose.yml"] });
  });

  it("matches symbolic names: a loop's deployment/$SERVICE defines deployment/rng; literal definitions win", () => {
    expect(resourceMatches("deployment/$SERVICE", "deployment/rng")).toBe(true);
    expect(resourceMatches("deployment/$SERVICE", "service/rng")).toBe(false);
    expect(resourceMatches("image/$REGISTRY/busybox:latest", "image/$REGISTRY/busybox:latest")).toBe(true);
    expect(resourceMatches("image/$REGISTRY/$S:$TAG", "image/$REGISTRY/worker:$TAG")).toBe(true);
    expect(resourceMatches("deployment/web", "deployment/$NAME")).toBe(true);
    expect(resourceMatches("deployment/web", "deployment/api")).toBe(false);
    const definers = new ResourceDefiners();
    definers.define("deployment/redis", "a");
    definers.define("deployment/$SERVICE", "b");
    expect(definers.definer("deployment/redis")).toBe("a");
    expect(definers.definer("deployment/rng")).toBe("b");
    expect(definers.definer("service/rng")).toBeUndefined();
    definers.define("deployment/redis", "c");
    expect(definers.definer("deployment/redis")).toBe("c");
  });
});

describe("resource dependencies in the step graph", () => {
  let seed: PlannedDeck;
  let deck: PlannedDeck;
  const find = (p: PlannedDeck, text: string): Step => {
    const found = p.graph.steps.filter((s) => s.text.startsWith(text));
    expect(found, text).toHaveLength(1);
    return found[0]!;
  };
  beforeAll(async () => {
    seed = await planDeck(slides("dockercoins.yml"));
    deck = await planDeck(fixture("readiness/deck.md"));
  });

  it("links the seed's registry steps, each with its reason", () => {
    const create = find(seed, "kubectl create deployment registry");
    const expose = find(seed, "kubectl expose deploy/registry");
    const wait = find(seed, "kubectl wait deploy/registry");
    const nodeport = find(seed, "NODEPORT=");
    expect(expose.dependencies).toEqual([{ id: create.id, because: "resource deployment/registry" }]);
    expect(wait.dependencies).toEqual([{ id: create.id, because: "resource deployment/registry" }]);
    expect(nodeport.dependencies).toEqual([{ id: expose.id, because: "resource service/registry" }]);
    expect(seed.graph.steps.find((s) => s.text.startsWith("curl $REGISTRY"))!.dependencies).toEqual([{ id: nodeport.id, because: "variable REGISTRY" }]);
    const pull = find(seed, "docker pull busybox");
    expect(find(seed, "docker push").dependencies).toEqual([
      { id: nodeport.id, because: "variable REGISTRY" },
      { id: pull.id, because: "image $REGISTRY/busybox:latest" },
    ]);
    const follow = find(seed, "kubectl logs deploy/worker --follow");
    expect(find(seed, "^C").dependencies).toEqual([{ id: follow.id, because: "command" }]);
    const loop = find(seed, "for SERVICE");
    expect(follow.dependencies).toContainEqual({ id: loop.id, because: "resource deployment/worker" });
    expect(find(seed, "kubectl expose deployment redis").dependencies).toContainEqual({ id: find(seed, "kubectl create deployment redis").id, because: "resource deployment/redis" });
    expect(find(seed, "kubectl expose deployment redis").dependencies).toContainEqual({ id: loop.id, because: "resource deployment/rng" });
  });

  it("dependsOn stays the list of ids; plan --json adds the reasons and the resources", () => {
    for (const s of seed.graph.steps) expect(s.dependsOn).toEqual([...new Set(s.dependencies!.map((d) => d.id))]);
    const json = JSON.parse(planJson(seed.graph.steps)) as { steps: { text: string; dependsOn: string[]; dependencies: { id: string; because: string }[]; resources?: unknown }[] };
    const expose = json.steps.find((s) => s.text.startsWith("kubectl expose deploy/registry"))!;
    expect(expose.dependencies).toEqual([{ id: expose.dependsOn[0], because: "resource deployment/registry" }]);
    expect(expose.resources).toEqual({ defines: ["service/registry"], uses: ["deployment/registry"] });
  });

  it("links kubectl run, apply -f, images with ${VAR}, namespaces", () => {
    expect(find(deck, "kubectl logs pingpong").dependencies).toEqual([
      { id: find(deck, "kubectl run pingpong").id, because: "resource pod/pingpong" },
      { id: find(deck, "kubectl run pingpong").id, because: "resource file/app.yaml" },
    ]);
    expect(find(deck, "docker push").dependencies).toEqual([{ id: find(deck, "docker build").id, because: "image $REGISTRY/web:v1" }]);
    expect(find(deck, "kubectl -n default wait").dependencies).toEqual([{ id: find(deck, "kubectl create deploy cache").id, because: "resource deployment/cache" }]);
  });

  it("--from replays the hidden waits and visible kubectl waits on what it replays, not unrelated hidden steps", () => {
    const selected = selectSteps(deck, { from: "The target" });
    expect(selected.from!.catchUp.map((s) => s.text)).toEqual([
      "kubectl create deployment web --image=nginx\nkubectl expose deploy web --port=80 --type=NodePort",
      "kubectl create deploy cache --image=redis",
      "kubectl rollout status deployments/web",
      "kubectl wait --for condition=available deployment.apps/cache",
      "kubectl -n default wait deploy/cache --for condition=available",
      "docker build -t web:v1 .\ndocker tag web:v1 $REGISTRY/web:v1",
      "docker push ${REGISTRY}/web:v1",
      "kubectl run pingpong --image alpine ping 127.0.0.1\nkubectl apply -f app.yaml",
      "kubectl logs pingpong\nkubectl label po pingpong color=blue\nkubectl delete -f app.yaml",
    ]);
  });

  it("a catch-up profile that skips a deployment skips the hidden wait for it", () => {
    const { catchUp } = selectSteps(deck, { catchUp: "nocache" });
    const hiddenWait = find(deck, "kubectl wait --for condition=available deployment.apps/cache");
    expect(catchUp!.skip.get(hiddenWait.id)).toBe("catch-up 'nocache': no cache");
    expect(catchUp!.skip.has(find(deck, "kubectl rollout status").id)).toBe(false);
    expect(catchUp!.skip.has(find(deck, "echo nothing").id)).toBe(false);
  });

  it("a profile skipping a slide keeps its hidden waits for what still gets created; one naming them skips them", () => {
    const { catchUp } = selectSteps(deck, { catchUp: "noslide" });
    const skipped = deck.graph.steps.filter((s) => catchUp!.skip.has(s.id)).map((s) => s.text);
    expect(skipped).toEqual(["echo nothing to do with the cluster", "kubectl get pods", "kubectl -n default wait deploy/cache --for condition=available"]);
    const named = selectSteps(deck, { catchUp: "named" }).catchUp!;
    expect([...named.skip.keys()]).toEqual([find(deck, "kubectl rollout status").id]);
  });
});
