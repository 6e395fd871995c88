import { describe, it, expect } from "vitest";
import { planDeck } from "../src/index.js";
import { readTranscript } from "../src/parse/transcript.js";
import { readAnnouncement } from "../src/parse/expectations.js";
import { planJson, planOutline } from "../src/plan/outline.js";
import { fixture } from "./helpers.js";

const steps = async (...p: string[]) => (await planDeck(fixture("expect", ...p))).graph.steps;
const brief = (s: { kind: string; text: string; strict?: boolean }) => `${s.kind}${s.kind === "expect" ? (s.strict ? " strict" : " loose") : ""}: ${s.text}`;

describe("transcripts", () => {
  it("reads prompts of every usual shape, and what each command printed", () => {
    expect(readTranscript("k8s@shpod:~$ flux get all -A\nNAME READY\nflux True")).toEqual([
      { command: "flux get all -A", line: 0, output: "NAME READY\nflux True", outputLine: 1, outputEndLine: 2, outputLines: [1, 2] },
    ]);
    for (const prompt of ["$ ", "root@node1:~# ", "[user@node1 ~]$ ", "/ # ", "/app # ", "~ $ ", "bash-5.2# ", "docker@node1:/tmp$ "]) {
      expect(readTranscript(`${prompt}ls -l\ntotal 0`)?.map((e) => [e.command, e.output]), prompt).toEqual([["ls -l", "total 0"]]);
    }
  });

  it("splits several prompts into several commands, continues a command ending with a backslash", () => {
    const t = readTranscript("$ docker run -d \\\n    nginx\n0123abcd\n$ docker ps -q\n$ echo done\ndone");
    expect(t?.map((e) => [e.command, e.output])).toEqual([
      ["docker run -d \\\n    nginx", "0123abcd"],
      ["docker ps -q", ""],
      ["echo done", "done"],
    ]);
  });

  it("is not fooled by shell that starts with $ or by comments", () => {
    expect(readTranscript("$VAR=1\necho $VAR", "bash")).toBeUndefined();
    expect(readTranscript("$(kubectl get pods)", "bash")).toBeUndefined();
    expect(readTranscript("# Create the namespace\nkubectl create ns x", "")).toBeUndefined();
    expect(readTranscript("# edit this line\nkubectl delete pod web-xxxxx", "")).toBeUndefined();
    expect(readTranscript("/usr/local/bin/helper # runs the helper", "bash")).toBeUndefined();
    expect(readTranscript("# ls /\nbin etc", "console")?.map((e) => [e.command, e.output])).toEqual([["ls /", "bin etc"]]);
    expect(readTranscript("# make sure we are home\ncd ~", "bash")).toBeUndefined();
    expect(readTranscript("kubectl get pods\nNAME READY")).toBeUndefined();
    // A prompt with nothing after it is the next shell waiting, not output.
    expect(readTranscript("$ docker run -ti alpine sh\n/ #\n/ # hostname\nabc")?.map((e) => [e.command, e.output])).toEqual([
      ["docker run -ti alpine sh", ""],
      ["hostname", "abc"],
    ]);
    expect(readTranscript("$ docker run -it ubuntu\nroot@04c0bb0a6c07:/#")?.map((e) => e.output)).toEqual([""]);
  });

  it("inside an exercise: the commands run, the lines after them are expectations, never commands", async () => {
    const all = await steps("transcript.md");
    expect(all.map(brief)).toEqual([
      "bash: printf 'alpha\\nbeta\\n' > $WORK/list.txt; cat $WORK/list.txt",
      "expect strict: alpha\nbeta",
      "bash: echo one",
      "expect strict: one",
      'bash: echo "two three" > $WORK/two.txt',
      "bash: cat $WORK/two.txt",
      "expect strict: two three",
    ]);
    expect(all.find((s) => s.text === "one")!.line).toBe(15);
    expect(all.find((s) => s.kind === "expect")!.strictReason).toMatch(/transcript/);
  });
});

describe("which blocks are expected outputs, and how strict", () => {
  it("recognises the phrasings of real courses, through a .small[ wrapper, and leaves out queries, commands, files, prompts", async () => {
    const all = await steps("phrasings.md");
    expect(all.map(brief)).toEqual([
      expect.stringMatching(/^bash: echo "Error from server/),
      "expect strict: Error from server: the core of it",
      "expect strict: Error from server: the core of it",
      "expect loose: line two",
      "expect strict: serving insecure client requests on 127.0.0.1:2379",
      "bash: echo query",
    ]);
    const fragment = all.find((s) => s.text.startsWith("serving"))!;
    expect(fragment.fragment).toBe(true);
    // One line of text may be a piece of a longer line; JSON is compared as JSON, never a fragment.
    expect(all.find((s) => s.text.startsWith("Error from server"))!.fragment).toBe(true);
    const seed = (await planDeck(fixture("..", "slides", "dockercoins.yml"))).graph.steps.filter((s) => s.kind === "expect");
    expect(seed.map((s) => [s.strict, s.fragment ?? false])).toEqual([[true, false], [true, false]]);
    expect(all.find((s) => s.text === "line two")!.strictReason).toMatch(/looks like/);
  });

  it("ties an expectation to a command on its slide or the one before, never further, never across files", async () => {
    const all = await steps("ties");
    expect(all.map(brief)).toEqual(["bash: echo first", "expect loose: first", "bash: echo second", "manual: kubectl delete pod web-xxxxx", "bash: echo third"]);
    expect(all[1]!.strictReason).toMatch(/slide before/);
  });

  it("plan --json carries strict and its reason on every expect step; plan says strict or loose", async () => {
    const planned = await planDeck(fixture("expect", "phrasings.md"));
    const json = JSON.parse(planJson(planned.graph.steps)) as { steps: Record<string, unknown>[] };
    const expects = json.steps.filter((s) => s.kind === "expect");
    expect(expects.length).toBe(4);
    for (const s of expects) {
      expect(typeof s.strict).toBe("boolean");
      expect(s.strictReason).toEqual(expect.any(String));
    }
    for (const s of json.steps.filter((s) => s.kind !== "expect")) expect(s).not.toHaveProperty("strict");
    const outline = planOutline(planned);
    expect(outline).toMatch(/expect .*Error from server: the core of it {2}\(expected output, strict: announced on the command's slide/);
    expect(outline).toMatch(/expect .*line two {2}\(expected output, loose: announced by 'looks like'/);
  });

  it.each([
    ["The core of the error is:", true],
    ["We get the following error:", true],
    ["The output looks like:", true],
    ["These commands will give an error message that includes:", true],
    ["This query will show us CPU usage across all containers:", false],
    ["These commands will give us a `yes`/`no` answer:", false],
    ["You should see a prompt looking like this:", false],
    ["Try it:", false],
  ])("%j announces an output: %s", (prose, yes) => expect(readAnnouncement(prose) !== undefined).toBe(yes));
});
