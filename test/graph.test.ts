import { describe, it, expect, beforeAll } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { planDeck, type PlannedDeck } from "../src/index.js";
import { planJson } from "../src/plan/outline.js";
import type { Step } from "../src/graph/step.js";
import { fixture, slides, ROOT, scratchDir } from "./helpers.js";

let seed: PlannedDeck;
const byText = (text: string, kind?: string): Step => {
  const found = seed.graph.steps.filter((s) => s.text === text && (!kind || s.kind === kind));
  expect(found, `one step '${text}'`).toHaveLength(1);
  return found[0]!;
};

beforeAll(async () => {
  seed = await planDeck(slides("dockercoins.yml"));
});

describe("the seed deck's step graph", () => {
  it("lists the exercise commands in order, with the hidden helpers", () => {
    expect(seed.graph.steps.map((s) => `${s.kind}${s.hidden ? "*" : ""} ${s.text.split("\n")[0]}`)).toEqual([
      "bash kubectl create deployment registry --image=registry",
      "bash kubectl expose deploy/registry --port=5000 --type=NodePort",
      "bash kubectl describe svc/registry",
      "bash NODEPORT=$(kubectl get svc/registry -o json | jq .spec.ports[0].nodePort)",
      "hide* kubectl wait deploy/registry --for condition=available",
      "bash curl $REGISTRY/v2/_catalog",
      'expect {"repositories":[]}',
      "bash docker pull busybox",
      "bash docker push $REGISTRY/busybox",
      "bash curl $REGISTRY/v2/_catalog",
      'expect {"repositories":["busybox"]}',
      "bash cd ~/container.training/stacks",
      "bash export REGISTRY",
      "bash kubectl create deployment redis --image=redis",
      "bash for SERVICE in hasher rng webui worker; do",
      "hide* kubectl wait deploy/rng --for condition=available",
      "bash kubectl logs deploy/rng",
      "bash kubectl expose deployment redis --port 6379",
      "bash kubectl logs deploy/worker --follow",
      "wait* units of work done, updating hash counter",
      "keys* ^C",
      "bash kubectl expose deploy/webui --type=NodePort --port=80",
      "bash kubectl get svc",
      "open* http://node1:3xxxx/",
    ]);
  });

  it("removes list indentation from commands", () => {
    const loop = seed.graph.steps.find((s) => s.text.startsWith("for SERVICE"))!;
    expect(loop.text).toBe("for SERVICE in hasher rng webui worker; do\n  kubectl create deployment $SERVICE --image=$REGISTRY/$SERVICE:$TAG\ndone");
  });

  it("points the wait and ^C at the streaming logs command", () => {
    const follow = byText("kubectl logs deploy/worker --follow");
    expect(byText("units of work done, updating hash counter", "wait").dependsOn).toEqual([follow.id]);
    expect(byText("^C", "keys").dependsOn).toEqual([follow.id]);
  });

  it("checks each expected output against the right curl", () => {
    const curls = seed.graph.steps.filter((s) => s.text === "curl $REGISTRY/v2/_catalog");
    expect(curls).toHaveLength(2);
    expect(byText('{"repositories":[]}', "expect").dependsOn).toEqual([curls[0]!.id]);
    expect(byText('{"repositories":["busybox"]}', "expect").dependsOn).toEqual([curls[1]!.id]);
    expect(byText('{"repositories":[]}').lang).toBe("json");
  });

  it("makes curl depend on the step defining REGISTRY", () => {
    const definer = seed.graph.steps.find((s) => s.text.startsWith("NODEPORT="))!;
    expect(definer.defines).toEqual(["NODEPORT", "REGISTRY"]);
    const curl = seed.graph.steps.find((s) => s.text === "curl $REGISTRY/v2/_catalog")!;
    expect(curl.uses).toEqual(["REGISTRY"]);
    expect(curl.dependsOn).toEqual([definer.id]);
  });

  it("makes the compose build depend on the cd, and the loop on REGISTRY and TAG", () => {
    const cd = byText("cd ~/container.training/stacks");
    const build = seed.graph.steps.find((s) => s.text.includes("docker-compose -f dockercoins.yml build"))!;
    expect(build.dependsOn).toContain(cd.id);
    expect(build.defines).toEqual(["REGISTRY", "TAG"]);
    const loop = seed.graph.steps.find((s) => s.text.startsWith("for SERVICE"))!;
    expect(loop.uses).toEqual(["REGISTRY", "TAG"]);
    expect(loop.dependsOn).toContain(build.id);
  });

  it("gives steps stable ids: the file, the slide, the rank", () => {
    expect(byText("kubectl describe svc/registry").id).toBe("dockercoins/connecting-to-our-registry/1");
    expect(byText("^C").id).toBe("dockercoins/is-this-working-yet/3");
  });

  it("keeps ids when an earlier slide of the file changes", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = scratchDir("labrun-");
    const text = readFileSync(slides("dockercoins.md"), "utf8");
    writeFileSync(join(dir, "dockercoins.md"), text.replace("## The plan", "## The plan\n\n.exercise[\n```bash\necho new step\n```\n]\n\n---\n\n## A new slide"));
    const edited = await planDeck(join(dir, "dockercoins.md"));
    const ids = new Set(edited.graph.steps.map((s) => s.id));
    for (const s of seed.graph.steps) expect(ids).toContain(s.id);
  });

  it("matches the golden graph (test/golden/dockercoins.plan.json)", () => {
    const golden = join(ROOT, "test/golden/dockercoins.plan.json");
    const actual = planJson(seed.graph.steps) + "\n";
    // UPDATE_GOLDEN=1 rewrites it after a deliberate change; a missing golden file fails.
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, actual);
    expect(actual).toBe(readFileSync(golden, "utf8"));
  });
});

describe("every directive", () => {
  it("turns each directive into a step of its kind, hidden, in order", async () => {
    const { graph } = await planDeck(fixture("directives.md"));
    expect(graph.steps.map((s) => [s.kind, s.hidden, s.text])).toEqual([
      ["bash", false, "export GREETING=hello && echo $GREETING world"],
      ["hide", true, "echo hidden step"],
      ["manual", false, "kubectl delete pod pingpong-xxxxxxxxxx-yyyyy"],
      ["bash", false, 'for i in $(seq 1 100); do echo "tick $i"; sleep 0.1; done'],
      ["wait", true, "tick 3"],
      ["keys", true, "^C"],
      ["longwait", true, "done"],
      ["key", true, "^D"],
      ["check", true, ""],
      ["bash", true, "vim /tmp/labrun-fixture.txt"],
      ["wait", true, "~"],
      ["keys", true, "ihello"],
      ["key", true, "^["],
      ["keys", true, ":wq"],
      ["key", true, "^J"],
      ["bash", false, "echo token-12345"],
      ["copy", true, "token-[0-9]+"],
      ["tmux", true, "split-pane -v"],
      ["paste", true, ""],
      ["tmux", true, "select-pane -t 0"],
      ["tmux", true, "last-pane"],
      ["open", true, "http://node1:3xxxx/"],
      ["hide", true, "echo first hidden line\necho second hidden line"],
      ["expect", false, "token-12345"],
    ]);
  });

  it("links clipboard, panes and acted-on commands", async () => {
    const { graph } = await planDeck(fixture("directives.md"));
    const s = graph.steps;
    const [copy, split, paste, select] = ["copy", "tmux", "paste", "tmux"].map((k, i) => s.filter((x) => x.kind === k)[k === "tmux" && i === 3 ? 1 : 0]!);
    expect(paste!.dependsOn).toEqual([copy!.id, split!.id]);
    expect(select!.dependsOn).toEqual([split!.id]);
    const vim = s.find((x) => x.text.startsWith("vim"))!;
    expect(s.filter((x) => ["keys", "key"].includes(x.kind) && x.line > vim.line).every((x) => x.dependsOn[0] === vim.id)).toBe(true);
    const expectation = s.find((x) => x.kind === "expect")!;
    // The slide quotes `echo token-12345`'s output: an expectation checks the last command, past `hide` helpers.
    expect(expectation.dependsOn).toEqual([s.find((x) => x.text === "echo token-12345")!.id]);
  });

  it("excludes slides by class and keeps chapters across files", async () => {
    const { graph, parsed } = await planDeck(fixture("manifest/course.yml"));
    expect(graph.steps.map((s) => s.text)).toEqual(["cd /tmp", "ls", "pwd"]);
    expect(graph.steps.map((s) => s.chapter)).toEqual(["Part one", "Part one", "Part two"]);
    expect(parsed.slides.map((s) => s.number)).toEqual([1, 2, 3, 4]);
    expect(graph.steps[1]!.dependsOn).toEqual([graph.steps[0]!.id]);
  });

  it("runs hidden labs: an exercise macro inside an HTML comment, its steps hidden, at the file's lines and columns", async () => {
    const { graph, parsed } = await planDeck(fixture("hidden-lab.md"));
    expect(graph.steps.map((s) => [s.kind, s.hidden, s.line, s.column, s.text])).toEqual([
      ["open", true, 7, 1, "http://localhost:8080/"],
      ["bash", false, 19, 3, "echo visible"],
      ["bash", true, 29, 3, 'echo "hidden $((40 + 2))"'],
      ["wait", true, 32, 1, "hidden 42"],
      ["key", true, 32, 22, "^C"],
      ["expect", false, 37, 1, "hidden 42"],
      ["open", true, 57, 17, "http://localhost:8081/"],
      ["bash", true, 61, 1, "echo same line"],
      ["bash", true, 69, 9, "echo in a list"],
    ]);
    expect(graph.steps[4]!.dependsOn).toEqual([graph.steps[2]!.id]);
    // a comment with no exercise macro is still a comment: its directives outside any exercise are ignored, and said so
    expect(parsed.problems.map((p) => `${p.line} ${p.ruleId}`)).toEqual(["45 directive-outside-exercise"]);
    // the attendee never sees a hidden lab: the slide's text leaves comments out
    const { slideLines } = await import("../src/ui/markdown.js");
    const { lineText } = await import("../src/ui/text.js");
    const shown = parsed.slides.flatMap((s) => slideLines(s.markdown, 80, { title: s.title }).map(lineText)).join("\n");
    expect(shown).toContain("The attendee sees this.");
    expect(shown).not.toMatch(/localhost|hidden \$|exercise\[|lab\[/);
  });

  it("runs the hidden lab of a real course (slides/shared/about-slides.md)", async () => {
    const about = join(ROOT, "..", "shared", "corpus", "container.training-2021", "slides", "shared", "about-slides.md");
    if (!existsSync(about)) return; // the corpus sits beside the dev checkout only
    const { graph, parsed } = await planDeck(about);
    expect(graph.steps.filter((s) => s.hidden).map((s) => [s.kind, s.line, s.text])).toEqual([["open", 53, "https://@@GITREPO@@/tree/master/slides/common/about-slides.md"]]);
    expect(parsed.problems.filter((p) => p.ruleId === "directive-outside-exercise")).toEqual([]);
  });

  it("reports an unclosed hidden exercise, and one with nothing to run", async () => {
    const { parsed } = await planDeck(fixture("hidden-lab-bad.md"));
    expect(parsed.problems.map((p) => `${p.line}:${p.column} ${p.ruleId}`)).toEqual(["4:1 macro-unclosed"]);
    expect(parsed.emptyExercises.map((e) => `${e.line}:${e.column} ${e.name}`)).toEqual(["15:1 lab"]);
  });

  it("uses the configured macro names", async () => {
    const { graph } = await planDeck(fixture("config/deck.md"));
    expect(graph.steps.map((s) => s.text)).toEqual(["echo $PROVIDED"]);
  });
});
