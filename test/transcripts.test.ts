import { describe, it, expect } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { planDeck } from "../src/index.js";
import { readTranscript } from "../src/parse/transcript.js";
import { AuthorIds, saysStopWithCtrlC, shownError, transcriptSteps } from "../src/parse/transcript-steps.js";
import { lineShape } from "../src/run/line-shape.js";
import { cli, fixture, ROOT, scratchDir } from "./helpers.js";

const deck = fixture("transcripts", "deck.md");
const CORPUS = join(ROOT, "..", "shared", "corpus", "container.training-2021", "slides");
const corpusPresent = existsSync(CORPUS);

/** `kind line text`, and what a command must fail with. */
const outline = (steps: readonly { kind: string; line: number; text: string; failsWith?: string; hidden: boolean }[]) =>
  steps.map((s) => `${s.hidden ? "hidden " : ""}${s.kind} ${s.line} ${s.text}${s.failsWith ? ` !! ${s.failsWith}` : ""}`);

describe("transcript mode: plan", () => {
  it("without it, a deck of transcripts outside exercises has no steps, as before, and plan says how to run them", async () => {
    expect((await planDeck(deck)).graph.steps).toEqual([]);
    const r = await cli(["plan", deck]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning: no steps to run in this deck (its `$ command` blocks outside exercises run with --transcripts)");
  });

  it("with it, each command runs, its output is its expectation, errors are expected failures, ^C is a key", async () => {
    const planned = await planDeck(deck, { transcripts: true });
    expect(outline(planned.graph.steps)).toEqual([
      "bash 8 echo hello from a transcript",
      "expect 9 hello from a transcript",
      "bash 17 cat /nonexistent/labrun-file !! cat: /nonexistent/labrun-file: No such file or directory",
      "expect 18 cat: /nonexistent/labrun-file: No such file or directory",
      "bash 24 labrun-no-such-command !! bash: labrun-no-such-command: command not found",
      "expect 25 bash: labrun-no-such-command: command not found",
      // The first line it shows is waited for, then ^C; the lines it showed are its output, ^C not among them.
      "bash 33 yes labrun",
      "hidden wait 34 labrun",
      "key 36 ^C",
      "expect 34 labrun",
      "bash 37 echo \"back at the prompt\"",
      "expect 38 back at the prompt",
      // A Dockerfile, YAML and shell without a prompt are no steps; a command with a value to fill in is shown, not run.
      "manual 61 docker inspect <containerID>",
    ]);
    const expects = planned.graph.steps.filter((s) => s.kind === "expect");
    expect(expects.every((s) => s.strict)).toBe(true);
    // The wait, the key and the expectation act on the command they follow.
    const [yes, wait, key, output] = planned.graph.steps.slice(6, 10);
    for (const s of [wait, key, output]) expect(s!.dependsOn).toEqual([yes!.id]);
  });

  it("--transcripts on plan and lint; the JSON plan says what a command must fail with", async () => {
    const r = await cli(["plan", deck, "--transcripts", "--json"]);
    expect(r.code).toBe(0);
    const steps = JSON.parse(r.stdout).steps as { text: string; failsWith?: string }[];
    expect(steps.find((s) => s.text === "labrun-no-such-command")?.failsWith).toBe("bash: labrun-no-such-command: command not found");
    const text = await cli(["plan", deck, "--transcripts"]);
    expect(text.stdout).toMatch(/bash +\S+deck\.md:24 {2}labrun-no-such-command {2}\(must fail, as the slide shows: bash: labrun-no-such-command: command not found\)/);
    // lint reads the deck the same way: the shell blocks are steps, not blocks outside exercises.
    const without = await cli(["lint", deck]);
    const withIt = await cli(["lint", deck, "--transcripts"]);
    expect(without.stdout).toContain("(command-outside-exercise)");
    expect(withIt.stdout.match(/command-outside-exercise/g)?.length ?? 0).toBe(1); // only `echo "no prompt: never run"`
  });

  it("`transcripts: true` in labrun.yml or in a manifest's labrun: key turns it on", async () => {
    for (const d of [fixture("transcripts", "config", "deck.md"), fixture("transcripts", "course.yml")]) {
      expect(outline((await planDeck(d)).graph.steps), d).toEqual(["bash 4 echo configured", "expect 5 configured"]);
    }
  });

  it("without it, transcripts inside exercises keep their steps: ^C stays text, an error is not a failure to expect", () => {
    const entries = readTranscript("$ ping es\nPING es\n^C\n$ figlet\nbash: figlet: command not found")!;
    const steps = transcriptSteps(entries, 10, (s) => s, false);
    expect(steps.map((s) => `${s.kind} ${s.line} ${JSON.stringify(s.text)}${s.failsWith ? " !" : ""}`)).toEqual([
      `bash 10 "ping es"`,
      `expect 11 "PING es\\n^C"`,
      `bash 13 "figlet"`,
      `expect 14 "bash: figlet: command not found"`,
    ]);
  });
});

describe("the errors a transcript shows", () => {
  it("reads the courses' errors on the output's first or last line", () => {
    for (const output of [
      "bash: figlet: command not found",
      "sh: 1: figlet: not found",
      "sh: figlet: not found",
      "ls: cannot access 'x': No such file or directory",
      "bash: ./run.sh: Permission denied",
      'error: the server doesn\'t have a resource type "endpoint"',
      'Error from server (Forbidden): nodes is forbidden: User "jean.doe@gmail.com"\ncannot list resource "nodes" in API group "" at the cluster scope',
      "Error response from daemon: This node is not a swarm manager. [...]",
      "Unable to find image 'nope:latest' locally\ndocker: Error response from daemon: pull access denied for nope.\nSee 'docker run --help'.",
      "Error: rendered manifests contain a resource that already exists.\nUnable to continue with install: existing resource conflict:",
      "fatal: not a git repository (or any of the parent directories): .git",
    ]) {
      expect(shownError(output), output).toBeDefined();
    }
  });

  it("not what a command prints when it works, nor an error in the middle of logs", () => {
    for (const output of [
      "hello world",
      "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN qlen 1000",
      "Usage:\n  stern pod-query [flags]",
      "Starting\nError: connection refused, retrying\nConnected",
      "The error is not found here",
      "",
    ]) {
      expect(shownError(output), output).toBeUndefined();
    }
  });
});

describe("transcript mode: run, for real", () => {
  it("runs the transcripts: outputs matched, errors expected, ^C stops the command; reports written", async () => {
    const dir = scratchDir("labrun-transcripts-");
    const json = join(dir, "r.json");
    const junit = join(dir, "j.xml");
    const r = await cli(["run", deck, "--ci", "--transcripts", "--step-timeout", "20", "--reporter", "json", "--output", json, "--junit", junit]);
    expect(r.stderr).not.toMatch(/not on PATH/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^12 passed, 0 failed, 1 skipped, 0 timed out/m);
    const report = JSON.parse(readFileSync(json, "utf8")) as { steps: { text: string; kind: string; status: string; reason?: string; exitCode: number | null; durationMs: number }[] };
    const step = (text: string, kind = "bash") => report.steps.find((s) => s.text === text && s.kind === kind)!;
    expect(step("cat /nonexistent/labrun-file")).toMatchObject({ status: "passed", exitCode: 1, reason: "exit status 1, as the slide shows (cat: /nonexistent/labrun-file: No such file or directory)" });
    expect(step("labrun-no-such-command")).toMatchObject({ status: "passed", exitCode: 127 });
    // ^C stopped `yes` (the next command did not wait for the step's timeout), and its output was matched without the ^C.
    expect(step("labrun", "expect").status).toBe("passed");
    expect(step('echo "back at the prompt"').durationMs).toBeLessThan(10_000);
    expect(readFileSync(junit, "utf8")).toContain('tests="13"');
  }, 120_000);

  it("an output that differs fails its step; a command that works where the slide shows an error fails too", async () => {
    const dir = scratchDir("labrun-transcripts-");
    const json = join(dir, "r.json");
    const r = await cli(["run", fixture("transcripts", "wrong.md"), "--ci", "--transcripts", "--keep-going", "--reporter", "json", "--output", json]);
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(json, "utf8")) as { steps: { text: string; kind: string; line: number; status: string; reason?: string }[] };
    expect(report.steps.map((s) => `${s.line} ${s.kind} ${s.status}`)).toEqual(["4 bash passed", "5 expect failed", "13 bash failed", "14 expect failed"]);
    expect(report.steps[2]!.reason).toBe("exit status 0, but the slide shows an error (ls: cannot access '/': No such file or directory)");
  }, 120_000);

  it("a run with no steps passes and still writes every report asked for", async () => {
    const dir = scratchDir("labrun-transcripts-");
    const [json, junit, html] = [join(dir, "r.json"), join(dir, "j.xml"), join(dir, "r.html")];
    const r = await cli(["run", deck, "--ci", "--reporter", "json", "--output", json, "--junit", junit, "--reporter", "html", "--output", html]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning: no steps to run in this deck");
    expect(r.stdout).toMatch(/^0 passed, 0 failed, 0 skipped, 0 timed out/m);
    expect(JSON.parse(readFileSync(json, "utf8"))).toMatchObject({ note: "no steps to run in this deck", steps: [], summary: { passed: 0, failed: 0 } });
    expect(readFileSync(junit, "utf8")).toContain('tests="0"');
    expect(readFileSync(html, "utf8")).toContain("<html");
    // --only that matches nothing is still a mistake.
    expect((await cli(["run", deck, "--ci", "--transcripts", "--only", "no such slide"])).code).toBe(2);
  }, 120_000);
});

describe.skipIf(!corpusPresent)("transcript mode on the real containers course (2021)", () => {
  const fullday = join(CORPUS, "intro-fullday.yml");
  const at = (file: string, line: number) => (s: { file: string; line: number }) => s.file.endsWith(file) && s.line === line;

  it("plan --transcripts finds the course's commands and outputs (without it: one step)", async () => {
    expect((await planDeck(fullday)).graph.steps.length).toBe(1);
    const { graph } = await planDeck(fullday, { transcripts: true });
    const steps = graph.steps;
    expect(steps.filter((s) => s.kind === "bash").length).toBeGreaterThan(100);
    expect(steps.filter((s) => s.kind === "expect").length).toBeGreaterThan(60);
    const find = (file: string, line: number) => steps.filter(at(file, line)).map((s) => `${s.kind} ${s.text}${s.failsWith ? ` !! ${s.failsWith}` : ""}`);
    expect(find("First_Containers.md", 25)).toEqual(["bash docker run busybox echo hello world"]);
    expect(find("First_Containers.md", 26)).toEqual(["expect hello world"]);
    // The container's prompt under `docker run -it ubuntu` is the next shell waiting, not output.
    expect(find("First_Containers.md", 49)).toEqual(["bash docker run -it ubuntu"]);
    expect(steps.some((s) => s.kind === "expect" && s.text.includes("root@04c0bb0a6c07"))).toBe(false);
    expect(find("First_Containers.md", 70)).toEqual(["bash figlet hello !! bash: figlet: command not found"]);
    // Elided output stays a placeholder of the expectation.
    expect(find("First_Containers.md", 84)).toEqual(["expect ...\nFetched 1514 kB in 14s (103 kB/s)\nReading package lists... Done"]);
    // `docker logs --follow 068` names the author's container (068cc994ffd0, shown above): shown, not run.
    expect(find("Background_Containers.md", 253)).toEqual(["manual docker logs --tail 1 --follow 068"]);
    // The clock runs until ^C, as the prose after it says: lines like those it shows are waited for
    // (their dates and times change), then compared whole.
    const clock = "Fri Feb 20 00:28:53 UTC 2015\nFri Feb 20 00:28:54 UTC 2015\nFri Feb 20 00:28:55 UTC 2015";
    expect(find("Background_Containers.md", 33)).toEqual([`wait ${clock}`, `expect ${clock}`]);
    expect(find("Background_Containers.md", 40)).toEqual(["key ^C"]);
    // In a nested shell (`/ # ping es`), ^C is a key and the statistics after it are output.
    expect(find("Container_Network_Model.md", 217)).toEqual(["key ^C"]);
    expect(steps.find((s) => at("Container_Network_Model.md", 213)(s) && s.kind === "expect")?.text).toMatch(/time=0\.114 ms\n\.\.\.\n--- es ping statistics ---/);
    // Templates are shown, not run; a continued command is one command.
    expect(find("Naming_And_Inspecting.md", 86)).toEqual(["manual docker inspect <containerID>"]);
    expect(steps.filter((s) => s.kind === "bash" && /^FROM |^version:|^services:/m.test(s.text))).toEqual([]);
  }, 60_000);

  it("the fence left open at Working_With_Volumes.md:172 is not read as a transcript; run of a chapter with no steps passes", async () => {
    const volumes = join(CORPUS, "containers", "Working_With_Volumes.md");
    const { graph } = await planDeck(volumes, { transcripts: true });
    expect(graph.steps.some((s) => s.line === 173)).toBe(false);
    expect(graph.steps.find((s) => s.line === 189)?.text).toBe("docker run -d -p 1234:8080 \\\n         -v logs:/usr/local/tomcat/logs \\\n         -v webapps:/usr/local/tomcat/webapps \\\n         tomcat");
    const r = await cli(["run", volumes, "--ci"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("structural");
  }, 60_000);
});

describe("transcript commands shown, not run", () => {
  const kinds = (block: string) => transcriptSteps(readTranscript(block)!, 1, (s) => s, true).map((s) => `${s.kind} ${s.text}`);

  it("an id the deck's own outputs showed (the author's container) is a value to fill in", () => {
    const ids = new AuthorIds();
    const steps = (block: string) => transcriptSteps(readTranscript(block)!, 1, (s) => s, true, undefined, ids).map((s) => `${s.kind} ${s.text}`);
    expect(steps("$ docker run -d jpetazzo/clock\n47d677dcfba4277c6cc68fcaa51f932b544cab1a187c853b7d0caf4e8debe5ad")).toEqual([
      "bash docker run -d jpetazzo/clock",
      "expect 47d677dcfba4277c6cc68fcaa51f932b544cab1a187c853b7d0caf4e8debe5ad",
    ]);
    expect(steps("$ docker stop 47d6\n47d6")).toEqual(["manual docker stop 47d6"]);
    expect(steps("$ docker logs --tail 3 47d677dcfba4")).toEqual(["manual docker logs --tail 3 47d677dcfba4"]);
    // Another word, a word too short to be one, or an id no output showed: run.
    expect(steps("$ docker stop web\nweb")).toEqual(["bash docker stop web", "expect web"]);
    expect(steps("$ seq 47")).toEqual(["bash seq 47"]);
    expect(steps("$ docker stop 068c")).toEqual(["bash docker stop 068c"]);
  });

  it("a value to fill in or an editor, pager or screen makes a template; quoted text does not", () => {
    expect(kinds("$ docker port <containerID> 80\n8080")).toEqual(["manual docker port <containerID> 80"]);
    expect(kinds("$ kubectl logs pingpong-xxxxxxxxxx-yyyyy")).toEqual(["manual kubectl logs pingpong-xxxxxxxxxx-yyyyy"]);
    expect(kinds("$ vim Dockerfile")).toEqual(["manual vim Dockerfile"]);
    expect(kinds("$ ps faux | less")).toEqual(["manual ps faux | less"]);
    expect(kinds("$ echo '<h1>hi</h1>' > index.html")).toEqual(["bash echo '<h1>hi</h1>' > index.html"]);
    expect(kinds("$ docker top web\nPID")).toEqual(["bash docker top web", "expect PID"]);
  });
});

describe("transcript commands that run until interrupted", () => {
  const interrupts = fixture("transcripts", "interrupts.md");

  it("plan: prose after the block that says to press ^C, a `^C` with output after it, an author's note of an interrupt", async () => {
    const planned = await planDeck(interrupts, { transcripts: true });
    expect(planned.graph.steps.map((s) => `${s.hidden ? "hidden " : ""}${s.kind} ${s.line} ${s.text.split("\n")[0]}${s.lineLike ? " (like)" : ""}`)).toEqual([
      "bash 8 while :; do date -u; sleep 0.2; done",
      // Its lines change from run to run: lines like them are waited for; the key is on the prose's line.
      "hidden wait 9 Fri Feb 20 00:28:53 UTC 2015 (like)",
      "key 16 ^C",
      "expect 9 Fri Feb 20 00:28:53 UTC 2015",
      "bash 23 bash -c 'trap \"echo --- 2 lines counted ---; exit 0\" INT; echo counting; while :; do sleep 0.1; done'",
      "hidden wait 24 counting",
      "key 25 ^C",
      "expect 24 counting",
      "bash 33 sleep 1000",
      "key 34 ^C",
      // Prose that mentions ^C without telling the reader to press it changes nothing.
      "bash 42 echo done",
      "expect 43 done",
      "bash 49 echo back",
      "expect 50 back",
      "bash 60 sleep 1000",
      "hidden wait 61 Tue Mar  3 10:00:00 UTC 2020 (like)",
      "key 62 ^C",
      "expect 61 Tue Mar  3 10:00:00 UTC 2020",
    ]);
    // What the command printed as it stopped is its output, after whatever the ^C showed.
    expect(planned.graph.steps[7]!.text).toBe("counting\n...--- 2 lines counted ---");
    // Without transcript mode, the same deck has no steps, and none of this.
    expect((await planDeck(interrupts)).graph.steps).toEqual([]);
  });

  it("the real course: the clock runs until ^C as its prose says, and a ping that shows nothing is interrupted", async () => {
    if (!corpusPresent) return;
    const planned = await planDeck(join(CORPUS, "containers", "Background_Containers.md"), { transcripts: true });
    const clock = planned.graph.steps.findIndex((s) => s.text === "docker run jpetazzo/clock");
    expect(planned.graph.steps.slice(clock, clock + 3).map((s) => `${s.kind} ${s.line} ${s.text}${s.lineLike ? " (like)" : ""}`)).toEqual([
      "bash 32 docker run jpetazzo/clock",
      "wait 33 Fri Feb 20 00:28:53 UTC 2015\nFri Feb 20 00:28:54 UTC 2015\nFri Feb 20 00:28:55 UTC 2015 (like)",
      "key 40 ^C",
    ]);
    // The author's container ids, as their run printed them: shown, not run.
    const named = planned.graph.steps.filter((s) => /^docker (?:logs|stop|kill) /.test(s.text)).map((s) => `${s.kind} ${s.text}`);
    expect(named).toEqual(["manual docker logs 068", "manual docker logs --tail 3 068", "manual docker logs --tail 1 --follow 068", "manual docker stop 47d6", "manual docker kill 068 57ad"]);
    const network = await planDeck(join(CORPUS, "containers", "Container_Network_Model.md"), { transcripts: true });
    const ping = network.graph.steps.findIndex((s) => s.text === "ping 172.20.0.3");
    expect(network.graph.steps.slice(ping, ping + 2).map((s) => `${s.kind} ${s.line} ${s.text}`)).toEqual(["bash 712 ping 172.20.0.3", "key 713 ^C"]);
  });

  it("only an order at a sentence's start is one", () => {
    for (const yes of ["* This container will run forever.\n* To stop it, press `^C`.", "6. Hit Ctrl-C to stop the whole stack", "* Interrupt it with Ctrl-C.", "Then press ^C.", "Use `^C` to exit."]) {
      expect(saysStopWithCtrlC(yes), yes).toBe(true);
    }
    for (const no of ["(But not by hitting `^C`, as this would deliver `SIGINT` to the container.)", "* `^C` will detach, rather than stop the container.", "When we hit Ctrl-C, Compose tries to gracefully terminate all of the containers.", "Sometimes, `^C` won't be enough.", "Press Enter to go on."]) {
      expect(saysStopWithCtrlC(no), no).toBe(false);
    }
  });

  it("a line like the one shown: numbers, times, addresses and dates may differ, words and punctuation may not", () => {
    const clock = lineShape("Fri Feb 20 00:28:53 UTC 2015");
    expect(clock.test("Sun Dec  6 04:30:28 UTC 2026")).toBe(true);
    expect(clock.test("Sun Dec  6 04:30:28 CET 2026")).toBe(false);
    expect(clock.test("Unable to find image 'jpetazzo/clock:latest' locally")).toBe(false);
    const ping = lineShape("PING es (172.20.0.3): 56 data bytes");
    expect(ping.test("PING es (10.0.0.7): 56 data bytes")).toBe(true);
    expect(ping.test("PING es (10.0.0.7) 56(84) bytes of data.")).toBe(false);
    expect(lineShape("Status: ... image for jpetazzo/clock:latest").test("Status: Downloaded newer image for jpetazzo/clock:latest")).toBe(true);
  });

  it("run: each stops at its ^C; a line like the one shown is waited for; one that never comes is a warning, and the ^C goes anyway", async () => {
    const dir = scratchDir("labrun-transcripts-interrupts-");
    const json = join(dir, "r.json");
    const r = await cli(["run", interrupts, "--ci", "--transcripts", "--step-timeout", "4", "--reporter", "json", "--output", json]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const steps = (JSON.parse(readFileSync(json, "utf8")) as { steps: { line: number; kind: string; status: string; warning?: string; exitCode: number | null; durationMs: number }[] }).steps;
    const at = (line: number, kind: string) => steps.find((s) => s.line === line && s.kind === kind)!;
    expect(steps.every((s) => s.status === "passed"), JSON.stringify(steps, null, 1)).toBe(true);
    // The clock's line was seen (no warning), and the clock stopped: the next command did not wait for a timeout.
    expect(at(9, "wait").warning).toBeUndefined();
    expect(at(24, "expect").warning).toBeUndefined();
    expect(at(33, "bash").durationMs).toBeLessThan(3_000);
    expect(at(42, "bash").exitCode).toBe(0);
    expect(at(61, "wait").warning).toBe("no lines like 'Tue Mar  3 10:00:00 UTC 2020' within 4 s: went on");
    // The clock's three lines were seen, so its output (dates and times as the slide shows them) matched.
    expect(at(9, "expect").warning).toBeUndefined();
    // The line that never came is not in the output either: a warning too (the expectation is loose: its date changes).
    expect(at(61, "expect").warning).toMatch(/^expected output did not match/);
    expect(r.stdout).toMatch(/^18 passed \(2 with a warning\), 0 failed/m);
  }, 60_000);
});
