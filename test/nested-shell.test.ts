// Steps typed into another interactive shell started by a step (`sh`, `su`, `docker exec -ti ... sh`):
// real shells of this machine (dash, busybox, bash, su), each driven through a labrun Session.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeckConfigSchema } from "../src/deck/config.js";
import { loadDeck } from "../src/deck/load.js";
import { matchExpected } from "../src/run/expect-match.js";
import { planDeck } from "../src/index.js";
import { EchoFilter, mayStartShell, PromptMatcher, stepsInNestedShells } from "../src/run/nested-shell.js";
import { missingPrograms } from "../src/run/preflight.js";
import { Session, type CommandResult } from "../src/run/session.js";
import { cli, fixture } from "./helpers.js";

const has = (program: string) => spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
const isRoot = process.getuid?.() === 0;

describe("the prompts of nested shells", () => {
  const defaults = new PromptMatcher();

  it.each(["$ ", "# ", "/ # ", "~ $ ", "/app # ", "bash-5.2# ", "sh-5.2$ ", "root@host:/# ", "k8s@shpod:~$ ", "user@node1:~/my dir$ ", "[user@node1 ~]$ ", "[root@node2 /]# ", "(venv) user@host:~$ ", "host% ", "~/src % "])(
    "recognises %j",
    (prompt) => expect(defaults.matches(prompt)).toBe(true),
  );

  it.each(["postgres=# ", ">>> ", "mysql> ", "Password: ", "Continue? [y/N] ", "50% ", "Downloading 50% ", "", "   "])("does not take %j for a prompt", (line) => {
    expect(defaults.matches(line)).toBe(false);
  });

  it("adds labrun.yml's prompts: to the defaults", () => {
    const withConfig = new PromptMatcher(["^lab\\) $", "^mysql> $"]);
    expect(withConfig.matches("lab) ")).toBe(true);
    expect(withConfig.matches("mysql> ")).toBe(true);
    expect(withConfig.matches("/ # ")).toBe(true);
    expect(defaults.matches("lab) ")).toBe(false);
  });

  it("reads prompts: from labrun.yml, and refuses a bad regular expression", async () => {
    expect((await loadDeck(fixture("run/nested/nested.md"))).config.prompts).toEqual(["^lab\\) $"]);
    expect(DeckConfigSchema.parse({}).prompts).toEqual([]);
    expect(DeckConfigSchema.safeParse({ prompts: ["(unclosed"] }).success).toBe(false);
  });
});

describe("which lines may start a shell (a hint: the prompt decides)", () => {
  it.each([
    "sh",
    "busybox sh",
    "bash --norc",
    "dash",
    "su",
    "su -s /bin/sh nobody",
    "sudo -i",
    "sudo su -",
    "sudo -u k8s -s",
    "env PS1='lab) ' dash",
    "docker run -ti busybox sh",
    "docker run -it --rm alpine",
    "docker run --rm -i -t alpine",
    "docker exec -ti $CID sh",
    "kubectl exec -ti pod/web -- sh",
    "kubectl exec -it POD -- /bin/bash",
    "docker compose exec web sh",
    "ssh node2",
    "cd /tmp && sh",
    "chroot /mnt",
    "chroot /mnt /bin/bash",
  ])("%s: yes", (line) => expect(mayStartShell(line)).toBe(true));

  it.each(["ls", "echo sh", "sh -c 'echo hi'", "bash script.sh", "ssh node2 uptime", "docker run busybox echo hi", "kubectl exec pod -- ls", "sudo apt-get install -y jq", "su -c id nobody", "chroot /mnt ls", "docker exec -ti web sh -c 'ls /'"])(
    "%s: no",
    (line) => expect(mayStartShell(line)).toBe(false),
  );
});

describe("steps typed into nested shells, read from the deck", () => {
  const step = (id: string, text: string, kind = "bash") => ({ id, kind, text });

  it("are the steps after a line that starts a shell, until exit, logout or key ^D", () => {
    const steps = [
      step("a", "docker run -ti alpine sh"),
      step("b", "apk add curl"),
      step("c", "ssh node2"),
      step("d", "hostname"),
      step("e", "exit"),
      step("f", "curl localhost"),
      step("g", "^D", "key"),
      step("h", "kubectl get pods"),
      step("i", "kubectl exec -ti web -- sh\nls"),
      step("j", "logout"),
      step("k", "docker ps"),
    ];
    expect([...stepsInNestedShells(steps)]).toEqual(["b", "c", "d", "e", "f", "j"]);
  });

  it("are left out of preflight: their programs are the container's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "labrun-nested-preflight-"));
    try {
      const deck = join(dir, "deck.md");
      const block = (text: string) => "```bash\n" + text + "\n```\n";
      writeFileSync(deck, `## Containers\n\n.exercise[\n\n${block("docker run -ti alpine sh")}\n${block("apk-labrun-only-in-the-container add curl")}\n${block("exit")}\n${block("missing-labrun-tool --version")}\n]\n`);
      const planned = await planDeck(deck);
      const missing = missingPrograms(planned.graph.steps, planned.graph.facts, "/usr/bin:/bin").map((m) => m.program);
      expect(missing).toContain("missing-labrun-tool");
      expect(missing).not.toContain("apk-labrun-only-in-the-container");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the echo of a line typed into a nested shell", () => {
  it("ends at the newline after all that was typed, even wrapped by the terminal", () => {
    const echo = new EchoFilter("echo aaaaaaaaaa");
    expect(echo.push("echo aaaa")).toBe("");
    expect(echo.push("aa\r\naaaa\r\n")).toBe("");
    expect(echo.passed).toBe(true);
    expect(echo.push("aaaaaaaaaa\r\n")).toBe("aaaaaaaaaa\r\n");
  });

  it("hands over what follows the echo in the same chunk, without a line editor's leftovers", () => {
    const echo = new EchoFilter("ls");
    expect(echo.push("ls\r\n\x1b[?2004l\rfile\r\n")).toBe("file\r\n");
    const split = new EchoFilter("ls");
    expect(split.push("ls\r\n\x1b[?2004l")).toBe("");
    expect(split.push("\rfile\r\n")).toBe("file\r\n");
    expect(split.push("\rmore\r\n")).toBe("\rmore\r\n");
  });
});

/** A command that took no timeout to end: its prompt (and marker) came back. */
function ended(result: CommandResult): CommandResult {
  expect(result.timedOut, result.output).toBe(false);
  expect(result.durationMs).toBeLessThan(5_000);
  return result;
}

const SHELLS: readonly { name: string; command: string; exe: RegExp; user?: string; skip?: string }[] = [
  { name: "sh (dash)", command: "sh", exe: /dash$/, skip: has("dash") ? undefined : "dash missing" },
  { name: "busybox sh", command: "busybox sh", exe: /busybox$/, skip: has("busybox") ? undefined : "busybox missing" },
  { name: "bash --norc", command: "bash --norc", exe: /bash$/ },
  { name: "su -s /bin/sh nobody", command: "su -s /bin/sh nobody", exe: /dash$|bash$|busybox$/, user: "nobody", skip: isRoot && has("su") ? undefined : "needs root and su" },
];

describe.each(SHELLS)("steps inside $name", ({ command, exe, user, skip }) => {
  let session: Session;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "labrun-nested-"));
    session = await Session.start({ cwd: work });
  });

  afterAll(async () => {
    await session.close();
    rmSync(work, { recursive: true, force: true });
  });

  it.skipIf(skip !== undefined)("get their status, output and expectations; exit goes back to labrun's bash, its variables intact", async () => {
    const run = (text: string) => session.run(text, { timeoutMs: 20_000 });
    expect(ended(await run("export ORIGIN=outer; KEPT=yes; cd /tmp")).exitCode).toBe(0);
    const outerShell = ended(await run("readlink /proc/$$/exe")).output.trim();

    expect(ended(await run(command)).exitCode).toBe(0);
    expect(session.busy).toBe(false);
    const inner = ended(await run("readlink /proc/$$/exe"));
    expect(inner.output.trim()).toMatch(exe);
    expect(`${inner.output}`).not.toContain("readlink");
    if (user) expect(ended(await run("id -un")).output).toBe(`${user}\n`);

    const computed = ended(await run('echo "inside $((6 * 7))"'));
    expect(computed).toMatchObject({ exitCode: 0, statuses: [0], output: "inside 42\n" });
    expect(matchExpected("inside 42", computed.output).passed).toBe(true);
    expect(matchExpected("inside 43", computed.output).passed).toBe(false);

    const failed = ended(await run("ls /nonexistent-labrun-dir"));
    expect(failed.exitCode).not.toBe(0);
    expect(failed.output).toMatch(/nonexistent-labrun-dir/);
    expect(ended(await run("false")).exitCode).toBe(1);

    // A command of several lines, and the lines after it, in one text.
    const heredoc = ended(await run("cat <<EOF\nline one\nEOF\necho second"));
    expect(heredoc).toMatchObject({ exitCode: 0, statuses: [0, 0], output: "line one\nsecond\n" });
    // The markers labrun asked for are invisible: not on the screen, not in the output.
    expect(session.screen()).not.toMatch(/7770|PS1=/);

    expect(ended(await run("exit")).exitCode).toBe(0);
    const back = ended(await run('echo "$ORIGIN $KEPT $(pwd)"; readlink /proc/$$/exe'));
    expect(back.output).toBe(`outer yes /tmp\n${outerShell}\n`);
  }, 60_000);
});

describe("nested shells in a session", () => {
  let session: Session;

  beforeAll(async () => {
    session = await Session.start({ prompts: ["^lab\\) $"] });
  });

  afterAll(() => session.close());

  it("follows shells inside shells, and knows which one an exit leaves", async () => {
    const run = (text: string) => session.run(text, { timeoutMs: 20_000 });
    ended(await run("bash --norc"));
    ended(await run("env PS1='lab) ' dash"));
    expect(ended(await run("echo $0")).output).toBe("dash\n");
    ended(await run("exit"));
    expect(ended(await run("echo ${BASH_VERSION:+bash}")).output).toBe("bash\n");
    ended(await run("exit"));
    expect(ended(await run("echo $LABRUN_SESSION")).output).toMatch(/^[0-9a-f]{16}\n$/);
  }, 60_000);

  it("gives a nested shell its markers again when a step or keys set its PS1 (as container.training decks do)", async () => {
    const run = (text: string) => session.run(text, { timeoutMs: 20_000 });
    ended(await run("sh"));
    // The prompt comes back without a marker: found again once the output went quiet.
    expect(ended(await run("PS1='$ '")).exitCode).toBe(0);
    expect(ended(await run("false")).exitCode).toBe(1);
    session.send("PS1='[me@node1 ~]$ '\r");
    // Typed ahead of the new prompt, which is thus part of the output: no marker tells them apart.
    expect(ended(await run("echo one")).output).toMatch(/^(\[me@node1 ~\]\$ )?one\n/);
    expect(ended(await run("echo two")).output).toBe("two\n");
    ended(await run("exit"));
    expect(ended(await run("echo $LABRUN_SESSION")).output).toMatch(/^[0-9a-f]{16}\n$/);
  }, 60_000);

  it("stops a step that hangs inside a nested shell, and the shell stays usable", async () => {
    const run = (text: string, timeoutMs = 20_000) => session.run(text, { timeoutMs });
    ended(await run("sh"));
    const hung = await run("sleep 30", 300);
    expect(hung.timedOut).toBe(true);
    expect(hung.durationMs).toBeLessThan(3_000);
    expect(ended(await run("echo still here")).output).toBe("still here\n");
    ended(await run("exit"));
  }, 60_000);

  it.skipIf(!has("script") || !has("busybox"))(
    "stops a program that ignores ^C in a shell on a terminal of its own (as in `docker run -ti`): the program is killed, not what runs the shell",
    async () => {
      const run = (text: string, timeoutMs = 20_000) => session.run(text, { timeoutMs });
      // script runs busybox sh on a terminal of its own, as docker's client does a container's shell.
      ended(await run("script -q -c 'busybox sh' /dev/null"));
      const shell = ended(await run("echo $$")).output.trim();
      const vi = await run("busybox vi /tmp/labrun-never-saved.txt", 300);
      expect(vi.timedOut).toBe(true);
      expect(vi.durationMs).toBeLessThan(8_000);
      // Still in the same busybox sh: exit leaves it for labrun's bash, which stays.
      expect(ended(await run("echo $$; readlink /proc/$$/exe")).output).toMatch(new RegExp(`^${shell}\n.*busybox\n$`));
      ended(await run("exit"));
      expect(ended(await run("echo $LABRUN_SESSION")).output).toMatch(/^[0-9a-f]{16}\n$/);
    },
    60_000,
  );

  it("says so when a shell's prompt was found but the shell drops the markers it was given", async () => {
    const stubborn = await Session.start({});
    try {
      // This bash rewrites its PS1 before every prompt: labrun's markers never show.
      const result = await stubborn.run(`env PROMPT_COMMAND='PS1="% "' bash --norc`, { timeoutMs: 800 });
      expect(result).toMatchObject({ timedOut: true, shellWithoutMarkers: true, lastScreenLine: "%" });
    } finally {
      await stubborn.close();
    }
  }, 30_000);

  it("times out on an unknown prompt, naming the screen's last line", async () => {
    const unknown = await Session.start({});
    try {
      const result = await unknown.run("env PS1='weird> ' dash", { timeoutMs: 500 });
      expect(result.timedOut).toBe(true);
      expect(result.lastScreenLine).toBe("weird>");
      expect(result.durationMs).toBeLessThan(5_000);
      // Labrun's bash is back once the unknown shell was stopped.
      expect(ended(await unknown.run("echo $LABRUN_SESSION", { timeoutMs: 5_000 })).output).toMatch(/^[0-9a-f]{16}\n$/);
    } finally {
      await unknown.close();
    }
  }, 30_000);
});

describe("run --ci with nested shells", () => {
  interface JsonReport {
    steps: { kind: string; text: string; line: number; status: string; exitCode: number | null; output: string; reason?: string }[];
    summary: { passed: number; failed: number; skipped: number; timedOut: number };
  }
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "labrun-nested-run-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  async function run(deck: string, ...extra: string[]) {
    const report = join(work, `${deck.replace(/\W/g, "-")}.json`);
    const r = await cli(["run", fixture("run", deck), "--ci", "--reporter", "json", "--output", report, ...extra]);
    return { ...r, json: JSON.parse(readFileSync(report, "utf8")) as JsonReport };
  }

  it.skipIf(!has("busybox") || !has("dash"))("passes steps and expectations inside busybox sh, then a dash with labrun.yml's prompt, and back", async () => {
    const r = await run("nested/nested.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.steps.map((s) => `${s.kind}:${s.status}`)).toEqual([
      "bash:passed",
      "bash:passed",
      "bash:passed",
      "expect:passed",
      "bash:passed",
      "bash:passed",
      "expect:passed",
      "bash:passed",
      "bash:passed",
      "bash:passed",
      "expect:passed",
    ]);
    expect(r.json.steps.filter((s) => s.kind === "expect").map((s) => s.output)).toEqual(["inside 42\n", "level two, in dash\n", "home in labrun-bash\n"]);
  }, 60_000);

  it("follows a nested shell driven with hidden keys: a new PS1, ^D to leave (container.training's stateful-failover.md)", async () => {
    const r = await run("nested/keys-prompt.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["bash:passed", "wait:passed", "keys:passed", "key:passed", "bash:passed", "key:passed", "expect:passed", "bash:passed", "expect:passed"]);
    expect(r.json.steps.filter((s) => s.kind === "expect").map((s) => s.output)).toEqual([expect.stringMatching(/^in bash\n/), "back, session kept\n"]);
  }, 60_000);

  it.skipIf(!has("busybox"))("fails the run at the step that fails inside the nested shell, with its line, without a timeout", async () => {
    const started = Date.now();
    const r = await run("nested/nested-fail.md");
    expect(r.code).toBe(1);
    expect(r.json.steps.map((s) => `${s.line}:${s.status}`)).toEqual(["7:passed", "12:passed", "17:failed", "22:skipped"]);
    expect(r.json.steps[2]).toMatchObject({ exitCode: 1, output: expect.stringContaining("nonexistent-labrun-dir") });
    expect(r.stdout).toMatch(/nested-fail\.md:17/);
    expect(r.json.summary.timedOut).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it("an exit or ^D meant for a shell that did not start (docker run -it without its image) is not typed: labrun's own shell stays", async () => {
    const r = await run("nested/failed-start.md", "--keep-going");
    expect(r.code).toBe(1);
    expect(r.json.steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["bash:failed", "bash:skipped", "key:skipped", "bash:passed"]);
    expect(r.json.steps[1]!.reason).toBe("not typed: it would end labrun's own shell, as no shell was started to leave (did the step that starts one fail?)");
    expect(r.json.steps[3]!.output).toBe("still on the node\n");
  }, 60_000);

  it("times out quickly on a shell whose prompt it cannot know, naming the screen's last line", async () => {
    const r = await run("unknown-prompt.md", "--step-timeout", "1");
    expect(r.code).toBe(1);
    expect(r.json.steps.map((s) => s.status)).toEqual(["timedOut", "skipped"]);
    expect(r.json.steps[0]?.reason).toMatch(/^no prompt after 1 s: interrupted; the screen's last line was "weird>" \(if that is the prompt of the shell this step starts, add a regular expression for it to prompts: in labrun\.yml\)$/);
  }, 60_000);
});
