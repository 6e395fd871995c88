import { describe, it, expect, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planDeck } from "../src/index.js";
import { selectSteps } from "../src/graph/select.js";
import { DeckError } from "../src/problem.js";
import { cli, ROOT, slides, scratchDir } from "./helpers.js";

const DOUBLE = join(ROOT, "test/lab-double");
const dirs: string[] = [];
function lab() {
  const state = mkdtempSync(join(tmpdir(), "labrun-catchup-"));
  mkdirSync(join(state, "home/container.training/stacks"), { recursive: true });
  dirs.push(state);
  const env = ["--env", `PATH=${DOUBLE}/bin:${process.env.PATH}`, "--env", `LAB_DOUBLE_DIR=${state}/lab`, "--env", `HOME=${state}/home`];
  return { state, env, report: join(state, "report.json"), log: () => readFileSync(join(state, "lab/log"), "utf8") };
}
afterAll(() => {
  for (const d of dirs) {
    execFileSync("bash", [join(DOUBLE, "stop.sh"), join(d, "lab")], { stdio: "ignore" });
    rmSync(d, { recursive: true, force: true });
  }
});
const missing = ["curl", "jq"].filter((t) => spawnSync("bash", ["-c", `command -v ${t}`]).status !== 0);
if (missing.length) console.warn(`catch-up runs skipped: ${missing.join(" and ")} not on PATH (.ci/run installs them)`);

interface Report {
  steps: { id: string; kind: string; text: string; status: string; reason?: string; output?: string }[];
}

const FROM = "Is this working yet?";
/** The seed's steps from that slide on (the first line of each). */
const FROM_TARGET_ON = [
  "kubectl logs deploy/worker --follow",
  "units of work done, updating hash counter",
  "^C",
  "kubectl expose deploy/webui --type=NodePort --port=80",
  "kubectl get svc",
  "http://node1:3xxxx/",
];
/**
 * What `--from "Is this working yet?"` must replay on the seed: deployments, exposes, what they
 * need, and the hidden waits on the deployments they create (readiness: no race with the cluster).
 */
const REPLAYED = [
  "kubectl create deployment registry --image=registry",
  "kubectl expose deploy/registry --port=5000 --type=NodePort",
  "NODEPORT=$(kubectl get svc/registry -o json | jq .spec.ports[0].nodePort)",
  "kubectl wait deploy/registry --for condition=available",
  "docker pull busybox",
  "docker push $REGISTRY/busybox",
  "cd ~/container.training/stacks",
  "export REGISTRY",
  "kubectl create deployment redis --image=redis",
  "for SERVICE in hasher rng webui worker; do",
  "kubectl wait deploy/rng --for condition=available",
  "kubectl expose deployment redis --port 6379",
];

describe("plan --from", () => {
  it("replays the deployments and exposes the target needs, and their readiness waits, not the read-only steps", async () => {
    const planned = await planDeck(slides("dockercoins.yml"));
    const selected = selectSteps(planned, { from: FROM });
    expect(selected.from!.catchUp.map((s) => s.text.split("\n")[0])).toEqual(REPLAYED);
    const replayedText = selected.from!.catchUp.map((s) => s.text).join("\n");
    for (const readOnly of ["kubectl describe", "kubectl logs", "curl"]) expect(replayedText).not.toContain(readOnly);
    expect(selected.from!.catchUp.filter((s) => s.hidden).map((s) => s.text)).toEqual([
      "kubectl wait deploy/registry --for condition=available",
      "kubectl wait deploy/rng --for condition=available\nkubectl wait deploy/worker --for condition=available",
    ]);
    expect(selected.steps.slice(REPLAYED.length).map((s) => s.title)).toEqual([FROM, FROM, FROM, "Exposing services for external access", "Exposing services for external access", "Accessing the web UI"]);
  });

  it("accepts a slide number, a title fragment, or a step id", async () => {
    const planned = await planDeck(slides("dockercoins.yml"));
    const byNumber = selectSteps(planned, { from: "20" });
    expect(byNumber.from!.target.title).toBe(FROM);
    expect(selectSteps(planned, { from: "web UI" }).from!.target.title).toBe("Accessing the web UI");
    expect(selectSteps(planned, { from: "dockercoins/is-this-working-yet/1" }).from!.target.title).toBe(FROM);
    expect(() => selectSteps(planned, { from: "working" })).toThrow(/matches several slides/);
    expect(() => selectSteps(planned, { from: "nothing like this" })).toThrow(DeckError);
  });

  it("combines with --catch-up: the profile's skipped steps are not replayed", async () => {
    const planned = await planDeck(slides("dockercoins.yml"));
    const selected = selectSteps(planned, { from: FROM, catchUp: true });
    expect(selected.from!.catchUp.map((s) => s.text.split("\n")[0])).toEqual([
      "kubectl create deployment redis --image=redis",
      "for SERVICE in hasher rng webui worker; do",
      "kubectl wait deploy/rng --for condition=available",
      "kubectl expose deployment redis --port 6379",
    ]);
  });

  it("shows the plan on the command line, and as JSON", async () => {
    const r = await cli(["plan", "slides/dockercoins.yml", "--from", FROM]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Replayed first, to reach slide 20 "${FROM}":`);
    const json = await cli(["plan", "slides/dockercoins.yml", "--from", FROM, "--json"]);
    const steps = (JSON.parse(json.stdout) as { steps: { replayed?: boolean }[] }).steps;
    expect(steps.filter((s) => s.replayed)).toHaveLength(REPLAYED.length);
  });
});

describe("catch-up profiles", () => {
  it("the bundled dockercoins profile: REGISTRY=dockercoins, TAG=v0.1, registry and build/push skipped", async () => {
    const planned = await planDeck(slides("dockercoins.yml"));
    const { catchUp, steps } = selectSteps(planned, { catchUp: true });
    expect(catchUp!.name).toBe("dockercoins");
    expect(catchUp!.env).toEqual({ REGISTRY: "dockercoins", TAG: "v0.1" });
    const run = steps.filter((s) => !catchUp!.skip.has(s.id)).map((s) => s.text.split("\n")[0]);
    expect(run).toEqual([
      "kubectl create deployment redis --image=redis",
      "for SERVICE in hasher rng webui worker; do",
      "kubectl wait deploy/rng --for condition=available",
      "kubectl logs deploy/rng",
      "kubectl expose deployment redis --port 6379",
      ...FROM_TARGET_ON,
    ]);
  });

  it("a selector that matches nothing is an error naming the config line", async () => {
    const dir = scratchDir("labrun-profile-");
    copyFileSync(slides("dockercoins.md"), join(dir, "dockercoins.md"));
    writeFileSync(join(dir, "labrun.yml"), "catchUp:\n  p:\n    env: {REGISTRY: x}\n    skip:\n      - slide: Deploying a self-hosted registry\n      - slide: No such slide\n");
    const r = await cli(["plan", join(dir, "dockercoins.md"), "--catch-up"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/labrun\.yml:6:9: catch-up profile 'p': skip #2 \(slide: No such slide\) matches no step\n$/);
    const unknown = await cli(["plan", "slides/dockercoins.yml", "--catch-up", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("labrun: slides/labrun.yml: --catch-up nope: no such profile (there is dockercoins)\n");
  });

  it("lint knows the profile's variables", async () => {
    const dir = scratchDir("labrun-profile-");
    writeFileSync(join(dir, "deck.md"), "## x\n.exercise[\n```bash\necho $FROM_PROFILE\n```\n]\n");
    expect((await cli(["lint", join(dir, "deck.md")])).code).toBe(1);
    writeFileSync(join(dir, "labrun.yml"), "catchUp:\n  p:\n    env: {FROM_PROFILE: x}\n");
    expect((await cli(["lint", join(dir, "deck.md")])).code).toBe(0);
  });
});

describe.skipIf(missing.length > 0)("run --catch-up and --from against the lab double", () => {
  it("run --ci --catch-up deploys the dockercoins v0.1 images, no registry, no push", async () => {
    const l = lab();
    const r = await cli(["run", "slides/dockercoins.yml", "--ci", "--catch-up", ...l.env, "--reporter", "json", "--output", l.report]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(l.report, "utf8")) as Report;
    const notSkipped = report.steps.filter((s) => s.status !== "skipped");
    expect(notSkipped.every((s) => s.status === "passed"), JSON.stringify(notSkipped, null, 2)).toBe(true);
    expect(notSkipped).toHaveLength(11);
    expect(report.steps.filter((s) => s.status === "skipped").every((s) => s.reason?.startsWith("catch-up 'dockercoins': "))).toBe(true);
    const log = l.log();
    for (const name of ["hasher", "rng", "webui", "worker"]) expect(log).toContain(`kubectl create deployment ${name} --image=dockercoins/${name}:v0.1\n`);
    expect(log).not.toContain("create deployment registry");
    expect(log).not.toMatch(/^docker push|^docker-compose .*push/m);
  });

  it("run --from runs exactly the replay list, then the target and the rest", async () => {
    const l = lab();
    const r = await cli(["run", "slides/dockercoins.yml", "--ci", "--from", FROM, ...l.env, "--reporter", "json", "--output", l.report]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const planned = await planDeck(slides("dockercoins.yml"));
    const expected = selectSteps(planned, { from: FROM }).steps.map((s) => s.id);
    const report = JSON.parse(readFileSync(l.report, "utf8")) as Report;
    expect(report.steps.map((s) => s.id)).toEqual(expected);
    expect(report.steps.every((s) => s.status === "passed")).toBe(true);
    expect(l.log()).not.toMatch(/^kubectl (describe|logs deploy\/rng)/m);
    expect(r.stderr).toContain(`catching up: ${REPLAYED.length} earlier steps before "${FROM}" (slide 20)`);
  });

  it("run --from waits for the registry it replays: a registry that takes seconds to be ready, a web UI that answers 503 first", async () => {
    const l = lab();
    const slow = ["--env", "LAB_REGISTRY_READY_MS=4000", "--env", "LAB_WEBUI_READY_MS=1500"];
    const r = await cli(["run", "slides/dockercoins.yml", "--ci", "--from", FROM, ...l.env, ...slow, "--reporter", "json", "--output", l.report]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(l.report, "utf8")) as Report;
    expect(report.steps.every((s) => s.status === "passed"), JSON.stringify(report.steps, null, 2)).toBe(true);
    const wait = report.steps.find((s) => s.text === "kubectl wait deploy/registry --for condition=available")!;
    expect(report.steps.indexOf(wait)).toBeLessThan(report.steps.findIndex((s) => s.text.startsWith("docker push")));
    expect(report.steps.find((s) => s.kind === "open")!.output).toMatch(/HTTP 200 OK[\s\S]*\(answered after \d+ tries/);
  });

  it("without the replayed wait, the same run races the registry and fails at docker push", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labrun-nowait-"));
    dirs.push(dir);
    for (const f of ["dockercoins.yml", "labrun.yml"]) copyFileSync(slides(f), join(dir, f));
    const deck = readFileSync(slides("dockercoins.md"), "utf8");
    const withoutWait = deck.replace("<!-- ```hide kubectl wait deploy/registry --for condition=available```-->\n", "");
    expect(withoutWait).not.toBe(deck);
    writeFileSync(join(dir, "dockercoins.md"), withoutWait);
    const l = lab();
    const r = await cli(["run", join(dir, "dockercoins.yml"), "--ci", "--from", FROM, ...l.env, "--env", "LAB_REGISTRY_READY_MS=4000", "--reporter", "json", "--output", l.report]);
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(l.report, "utf8")) as Report;
    const push = report.steps.find((s) => s.text.startsWith("docker push"))!;
    expect(push.status).toBe("failed");
    expect(push.output).toContain("received unexpected HTTP status: 503 Service Unavailable");
  });

  it("run --catch-up --from combine", async () => {
    const l = lab();
    const r = await cli(["run", "slides/dockercoins.yml", "--ci", "--catch-up", "dockercoins", "--from", FROM, ...l.env, "--reporter", "json", "--output", l.report]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(l.report, "utf8")) as Report;
    expect(report.steps.map((s) => s.text.split("\n")[0])).toEqual([
      "kubectl create deployment redis --image=redis",
      "for SERVICE in hasher rng webui worker; do",
      "kubectl wait deploy/rng --for condition=available",
      "kubectl expose deployment redis --port 6379",
      ...FROM_TARGET_ON,
    ]);
    expect(report.steps.every((s) => s.status === "passed")).toBe(true);
    expect(l.log()).toContain("kubectl create deployment worker --image=dockercoins/worker:v0.1\n");
  });
});
