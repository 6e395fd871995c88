import { describe, it, expect, afterEach, beforeEach } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xterm from "@xterm/headless";
import pty from "@lydell/node-pty";
import { HEAD_KEPT, TAIL_KEPT } from "../src/run/output-log.js";
import { cli, fixture, ROOT } from "./helpers.js";
import { processesWith } from "./leftovers.js";

interface JsonStep {
  id: string;
  kind: string;
  text: string;
  status: string;
  exitCode: number | null;
  output: string;
  reason?: string;
  assertions: { expected: string; actual: string; passed: boolean }[];
}
interface JsonReport {
  steps: JsonStep[];
  summary: { passed: number; failed: number; skipped: number; timedOut: number };
}

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "labrun-run-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

async function run(deck: string, ...extra: string[]) {
  const report = join(work, "report.json");
  const r = await cli(["run", fixture("run", deck), "--ci", "--env", `WORK=${work}`, "--reporter", "json", "--output", report, ...extra]);
  const json = existsSync(report) ? (JSON.parse(readFileSync(report, "utf8")) as JsonReport) : undefined;
  return { ...r, json: json! };
}

const hasVim = existsSync("/usr/bin/vim") || existsSync("/usr/bin/vim.basic") || existsSync("/usr/bin/vim.tiny");

/** `run --ci` of hang.md (its files in `work`), once its hung step has started. */
async function startHungRun(work: string, ...args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts"), "run", fixture("run", "hang.md"), "--ci", "--env", `WORK=${work}`, ...args], {
    cwd: ROOT,
    stdio: "ignore",
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const pidFile = join(work, "hang.pid");
  const deadline = Date.now() + 30_000;
  while (!existsSync(pidFile) || readFileSync(pidFile, "utf8").trim() === "") {
    if (Date.now() > deadline) throw new Error("the hung step never started");
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited, pidFile };
}

describe("labrun run --ci in real shells", () => {
  it("carries variables and the working directory across slides; runs hidden steps; never runs manual blocks", async () => {
    const r = await run("state.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["bash:passed", "hide:passed", "manual:skipped", "bash:passed", "expect:passed"]);
    expect(readFileSync(join(work, "hidden.txt"), "utf8")).toBe("hidden-ran\n");
    expect(existsSync(join(work, "manual-ran"))).toBe(false);
    expect(r.json.steps[3]!.output.trim()).toBe("hello from sub");
    expect(r.stdout).toMatch(/^4 passed, 0 failed, 1 skipped, 0 timed out/m);
  });

  it("ends a streaming command with wait and ^C, then goes on", async () => {
    const r = await run("stream.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["bash:passed", "wait:passed", "keys:passed", "bash:passed", "expect:passed"]);
    expect(r.json.steps[1]!.output).toContain("tick 5");
    expect(r.json.steps[1]!.output).not.toContain("tick 600");
  });

  it.skipIf(!hasVim)("drives vim with keys and saves the file", async () => {
    const r = await run("vim.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(join(work, "note.txt"), "utf8")).toBe("hello from vim\n");
    expect(r.json.steps.at(-1)).toMatchObject({ kind: "expect", status: "passed" });
  });

  it("copies from the screen and pastes into a running command", async () => {
    const r = await run("clipboard.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.steps.find((s) => s.kind === "copy")!.output).toBe("tok42");
    expect(r.json.steps.at(-1)).toMatchObject({ kind: "expect", status: "passed" });
  });

  it("types keys exactly as written: keys then paste then Enter gives the shell 'kubectl delete pod NAME'", async () => {
    const r = await run("keys-spacing.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const printed = r.json.steps.filter((s) => s.text.startsWith("printf")).map((s) => s.output);
    expect(printed).toEqual(["[kubectl delete pod pingpong-7f9c-x2z4q]\n", "[  two  spaces  ]\n"]);
  });

  it("runs a hidden lab (an exercise inside an HTML comment) before the visible step that needs it", async () => {
    const r = await run("hidden-lab.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["bash:passed", "check:passed", "bash:passed", "expect:passed"]);
    expect(readFileSync(join(work, "hidden-lab.txt"), "utf8")).toBe("prepared by a hidden lab\n");
  });

  it("calls the deck's own functions and aliases: preflight does not count them as missing programs", async () => {
    const r = await run("functions.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.steps[1]!.output).toBe("hello, world\nHEY!\nhello, alias\n");
  });

  it("splits panes and switches between shells", async () => {
    const r = await run("panes.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.steps[2]!.output.trim()).toBe("pane two sees 'nothing'");
  });

  it("fails a step with its exit status, stops, and reports the rest as skipped", async () => {
    const r = await run("fail.md");
    expect(r.code).toBe(1);
    expect(r.json.steps.map((s) => s.status)).toEqual(["passed", "failed", "skipped"]);
    expect(r.json.steps[1]).toMatchObject({ exitCode: 3, reason: "exit status 3" });
    expect(r.json.steps[1]!.output).toContain("about to fail");
    expect(r.json.steps[2]!.reason).toMatch(/an earlier step failed \(.*fail\.md:10\)/);
    expect(existsSync(join(work, "after.txt"))).toBe(false);
    expect(r.stdout).toMatch(/FAIL .*fail\.md:10/);
  });

  it("prints GitHub annotations for failures when GITHUB_ACTIONS=true", async () => {
    const r = await cli(["run", fixture("run", "fail.md"), "--ci", "--env", `WORK=${work}`], { env: { GITHUB_ACTIONS: "true" } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=.*fixtures\/run\/fail\.md,line=10,title=.*::exit status 3/m);
  });

  it("goes on after a failure with --keep-going", async () => {
    const r = await run("fail.md", "--keep-going");
    expect(r.code).toBe(1);
    expect(r.json.steps.map((s) => s.status)).toEqual(["passed", "failed", "passed"]);
    expect(existsSync(join(work, "after.txt"))).toBe(true);
  });

  it("shows a diff when an expected output does not match", async () => {
    const r = await run("expect-fail.md");
    expect(r.code).toBe(1);
    const expectation = r.json.steps[1]!;
    expect(expectation.status).toBe("failed");
    expect(expectation.assertions).toEqual([{ expected: '{"repositories":["busybox"]}', actual: '{"repositories":["alpine"]}\n', passed: false }]);
    expect(r.stdout).toMatch(/-\s+"busybox"/);
    expect(r.stdout).toMatch(/\+\s+"alpine"/);
  });

  it("skips the steps of extra-details slides with --skip-extra", async () => {
    const report = join(work, "extra.json");
    const r = await cli(["run", fixture("extra.md"), "--ci", "--skip-extra", "--env", `WORK=${work}`, "--output", report, "--reporter", "json"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(report, "utf8")) as JsonReport;
    expect(json.steps.map((s) => [s.status, s.reason ?? ""])).toEqual([["passed", ""], ["skipped", "extra-details slide (--skip-extra)"]]);
    expect(existsSync(join(work, "main.txt"))).toBe(true);
    expect(existsSync(join(work, "extra.txt"))).toBe(false);
  });

  it("checks the last exit status", async () => {
    const r = await run("exit-code.md");
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.steps.map((s) => `${s.kind}:${s.status}`)).toEqual(["bash:passed", "check:passed"]);
  });

  it("times out a hung step and leaves no process behind", async () => {
    const r = await run("hang.md", "--step-timeout", "1");
    expect(r.code).toBe(1);
    expect(r.json.steps.map((s) => s.status)).toEqual(["passed", "timedOut", "skipped"]);
    expect(existsSync(join(work, "hang.pid")) && existsSync(join(work, "bg.pid"))).toBe(true);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
    expect(existsSync(join(work, "never.txt"))).toBe(false);
  });

  // Six seconds: on a loaded machine the shell alone can take a couple of seconds to start.
  it("bounds the whole run with --timeout", async () => {
    const r = await run("hang.md", "--timeout", "6", "--keep-going");
    expect(r.code).toBe(1);
    expect(r.json.steps.map((s) => s.status)).toEqual(["passed", "timedOut", "skipped"]);
    expect(r.json.steps[2]!.reason).toBe("the run's time limit was reached");
    expect(existsSync(join(work, "hang.pid"))).toBe(true);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
  });

  it("leaves no process behind after a successful run, even a setsid one", async () => {
    const r = await run("background.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const f of ["bg.pid", "setsid.pid"]) expect(existsSync(join(work, f)), f).toBe(true);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
  });

  it.each([["SIGTERM", 143], ["SIGINT", 130]] as const)("leaves no process behind when labrun gets %s mid-step", async (signal, code) => {
    const { child, exited } = await startHungRun(work);
    expect(processesWith(`WORK=${work}`).filter((pid) => pid !== child.pid).length).toBeGreaterThan(0);
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(processesWith(`WORK=${work}`)).toEqual([]);
  });

  it("never shows a masked value: not in output, reports, JUnit or recordings", async () => {
    const secret = "hunter2-xyzzy";
    const junit = join(work, "junit.xml");
    const cast = join(work, "session.cast");
    const r = await run("secret.md", "--env", `SECRET=${secret}`, "--mask", "SECRET", "--junit", junit, "--record", cast);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.steps[0]!.output).toContain("the secret is ****");
    for (const text of [r.stdout, r.stderr, readFileSync(join(work, "report.json"), "utf8"), readFileSync(junit, "utf8"), readFileSync(cast, "utf8")]) {
      expect(text).not.toContain(secret);
    }
    const [header, ...events] = readFileSync(cast, "utf8").trim().split("\n");
    expect(JSON.parse(header!)).toMatchObject({ version: 2, width: 120, height: 40 });
    expect(events.map((e) => JSON.parse(e) as unknown[]).some((e) => String(e[2]).includes("the secret is ****"))).toBe(true);
  });

  it("stops before running when programs are missing, unless --no-preflight", async () => {
    const deck = join(work, "deck.md");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(deck, "## x\n.exercise[\n```bash\nlabrun-no-such-program --version\n```\n]\n");
    const r = await cli(["run", deck, "--ci"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("labrun-no-such-program  (first at");
    const r2 = await cli(["run", deck, "--ci", "--no-preflight"]);
    expect(r2.code).toBe(1);
    expect(r2.stdout).toMatch(/exit status 127/);
  });
});

describe("reports, recordings and saved progress are written whole", () => {
  /** A deck that prints for a while, so that two runs write their recordings at the same time. */
  function chattyDeck(): string {
    const deck = join(work, "chatty.md");
    const step = "```bash\nfor i in $(seq 1 40); do echo \"line $i of run $RUN$PAD\"; sleep 0.02; done\n```\n";
    writeFileSync(deck, `## Chatty\n\n.exercise[\n\n${step}\n${step}\n]\n`);
    return deck;
  }

  it("leaves a valid JSON report, JUnit file, asciicast and HTML report when two runs write the same paths", async () => {
    const deck = chattyDeck();
    const out = join(work, "out");
    mkdirSync(out);
    const paths = { json: join(out, "report.json"), junit: join(out, "junit.xml"), cast: join(out, "session.cast"), html: join(out, "report.html") };
    const args = ["run", deck, "--ci", "--reporter", "json", "--output", paths.json, "--reporter", "html", "--output", paths.html, "--junit", paths.junit, "--record", paths.cast];
    // Lines of different lengths: a file both runs wrote into cannot pass for either's.
    const results = await Promise.all([cli([...args, "--env", "RUN=a", "--env", "PAD="]), cli([...args, "--env", "RUN=b", "--env", `PAD=${"-".repeat(37)}`])]);
    for (const r of results) expect(r.code, r.stdout + r.stderr).toBe(0);

    expect(readdirSync(out).sort()).toEqual(["junit.xml", "report.html", "report.json", "session.cast"]); // no temp file left
    const json = JSON.parse(readFileSync(paths.json, "utf8")) as JsonReport;
    expect(json.steps.map((s) => s.status)).toEqual(["passed", "passed"]);
    const xml = readFileSync(paths.junit, "utf8");
    expect(xml.startsWith("<?xml")).toBe(true);
    expect(xml.match(/<testsuites\b/g)).toHaveLength(1);
    expect(xml.trimEnd().endsWith("</testsuites>")).toBe(true);
    const lines = readFileSync(paths.cast, "utf8").trimEnd().split("\n");
    const parsed = lines.map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new Error(`line ${i + 1} of the asciicast is not JSON: ${line.slice(0, 120)}`);
      }
    });
    expect(parsed[0]).toMatchObject({ version: 2, width: 120, height: 40 });
    const events = parsed.slice(1) as [number, string, string][];
    expect(events.every((e) => Array.isArray(e) && e[1] === "o")).toBe(true);
    // One run's recording, whole: its 40 lines twice, none of the other run's.
    const printed = events.map((e) => e[2]).join("");
    const run = /line 1 of run (a|b)/.exec(printed)?.[1];
    expect(run).toBeDefined();
    expect(printed).not.toContain(`of run ${run === "a" ? "b" : "a"}`);
    expect(printed.match(/line 40 of run/g)).toHaveLength(2);
    // The JSON report may come from the other run (each file is one run's), but whole.
    expect(json.steps[0]!.output).toMatch(/line 40 of run (a|b)/);

    // The HTML report: one page as the reporter writes it, with both steps of one run and its recording.
    const html = readFileSync(paths.html, "utf8");
    expect(html.startsWith("<!doctype html>\n<html lang=\"en\">\n")).toBe(true);
    expect(html.endsWith("</body>\n</html>\n")).toBe(true);
    for (const tag of ["<!doctype html>", "<html ", "</html>", "<body>", "</body>", 'id="labrun-cast"']) expect(html.split(tag), tag).toHaveLength(2);
    expect([...html.matchAll(/ data-id="([^"]*)"/g)].map((m) => m[1])).toEqual(json.steps.map((s) => s.id));
    expect(html).toContain("<footer>2 steps · written by labrun</footer>");
    const embedded = /<script type="application\/json" id="labrun-cast">(.*?)<\/script>/s.exec(html);
    expect(embedded).not.toBeNull();
    const htmlCast = JSON.parse(embedded![1]!) as { events: [number, string, string][] };
    const htmlPrinted = htmlCast.events.map((e) => e[2]).join("");
    const htmlRun = /line 1 of run (a|b)/.exec(htmlPrinted)?.[1];
    expect(htmlRun).toBeDefined();
    expect(htmlPrinted.match(/line 40 of run/g)).toHaveLength(2);
    expect(html).not.toContain(`of run ${htmlRun === "a" ? "b" : "a"}`);
  });

  it("closes and renames the recording when interrupted, leaving no temp file", async () => {
    const out = join(work, "out");
    mkdirSync(out);
    const cast = join(out, "session.cast");
    const { child, exited } = await startHungRun(work, "--record", cast);
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(readdirSync(out)).toEqual(["session.cast"]);
    const [header, ...events] = readFileSync(cast, "utf8").trimEnd().split("\n");
    expect(JSON.parse(header!)).toMatchObject({ version: 2 });
    for (const e of events) expect(() => JSON.parse(e) as unknown).not.toThrow();
    // Events still held in a batch when the signal came are in it.
    expect(events.map((e) => (JSON.parse(e) as [number, string, string])[2]).join("")).toContain("exec sleep 300");
  });

  it("keeps a step's recording bounded like the JSON report, with a readable marker where output was left out", async () => {
    const bytes = 32_000_000;
    const deck = join(work, "big.md");
    // Red from the start, reset at the end: the marker, printed while red, resets it to be read.
    const big = `printf '\\033[1;31mFIRST-LINE\\n'; yes 0123456789abcdef | head -c ${bytes}; printf '\\033[0m\\n'`;
    writeFileSync(deck, `## Big\n\n.exercise[\n\n\`\`\`bash\n${big}\n\`\`\`\n\n\`\`\`bash\necho LAST-LINE\n\`\`\`\n\n]\n`);
    const cast = join(work, "big.cast");
    const r = await cli(["run", deck, "--ci", "--record", cast, "--step-timeout", "300"], { timeoutMs: 300_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);

    // The terminal showed more than `bytes` (each line break as \r\n); the recording keeps about the JSON report's share.
    const size = statSync(cast).size;
    expect(size).toBeLessThan(1.25 * (HEAD_KEPT + TAIL_KEPT));
    expect(size).toBeLessThan(HEAD_KEPT + 2 * TAIL_KEPT); // the JSON report's own bound, in characters
    const [header, ...lines] = readFileSync(cast, "utf8").trimEnd().split("\n");
    expect(JSON.parse(header!)).toMatchObject({ version: 2, width: 120, height: 40 });
    const events = lines.map((line, i) => {
      const event = JSON.parse(line) as unknown;
      expect(event, `event ${i + 1}`).toEqual([expect.any(Number), "o", expect.any(String)]);
      return event as [number, "o", string];
    });
    for (let i = 1; i < events.length; i++) expect(events[i]![0]).toBeGreaterThanOrEqual(events[i - 1]![0]);

    const markers = events.filter((e) => e[2].includes("[labrun: "));
    expect(markers).toHaveLength(1);
    const marker = markers[0]!;
    const amount = /^\r\n\x1b\[0m\[labrun: (\d+\.\d) MB of output left out\]\r\n$/.exec(marker[2]);
    expect(amount, marker[2]).not.toBeNull();
    // What was left out and what was kept add up to what the step printed (to the marker's rounding, plus the echo and prompt).
    const kept = events.filter((e) => e !== marker).reduce((n, e) => n + Buffer.byteLength(e[2]), 0);
    const printed = bytes + Math.floor(bytes / 17); // \n became \r\n
    expect(Math.abs(Number(amount![1]) * 1e6 + kept - printed)).toBeLessThan(60_000);

    const text = events.map((e) => e[2]).join("");
    expect(text).toContain("FIRST-LINE\r\n0123456789abcdef\r\n0123456789abcdef\r\n");
    expect(text).toMatch(new RegExp(`0123456789abcdef\\r\\n${"0123456789abcdef".slice(0, bytes % 17)}\\x1b\\[0m\\r\\n`));
    expect(text).toContain("LAST-LINE\r\n");
    // The marker sits where the cut happened: after the head's last event, before the tail's and the next step's.
    const at = events.indexOf(marker);
    expect(marker[0]).toBeGreaterThanOrEqual(events[at - 1]![0]);
    expect(marker[0]).toBeLessThan(events.find((e) => e[2].includes("LAST-LINE"))![0]);

    // Played in a terminal, the marker reads whole, in default colours, and the run goes on to its last line.
    const term = new xterm.Terminal({ cols: 120, rows: 40, allowProposedApi: true });
    try {
      const play = (from: number, to: number) => new Promise<void>((done) => term.write(events.slice(from, to).map((e) => e[2]).join(""), done));
      const screen = () => Array.from({ length: term.rows }, (_, y) => term.buffer.active.getLine(term.buffer.active.viewportY + y)!.translateToString(true));
      await play(0, at + 1);
      const row = screen().findIndex((line) => line.startsWith("[labrun: "));
      expect(screen()[row]).toBe(`[labrun: ${amount![1]} MB of output left out]`);
      const cell = term.buffer.active.getLine(term.buffer.active.viewportY + row)!.getCell(0)!;
      expect(cell.isAttributeDefault()).toBe(true);
      await play(at + 1, events.length);
      expect(screen()).toContain("LAST-LINE");
    } finally {
      term.dispose();
    }
  }, 300_000);

  it("says in one line, exit 2, that a LABRUN_STATE_DIR that is a file is not a folder; nothing of the deck runs", async () => {
    const notAFolder = join(work, "state");
    writeFileSync(notAFolder, "a file\n");
    // The deck's one step, on its first slide, leaves a marker.
    const marker = join(work, "ran");
    const deck = join(work, "marker.md");
    writeFileSync(deck, `## Marker\n\n.exercise[\n\n\`\`\`bash\ntouch ${marker}\n\`\`\`\n\n]\n`);
    // The UI needs a terminal. Were it to start, Enter (once it shows the step) would run the step, then q quit.
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, TERM: "xterm-256color", LABRUN_STATE_DIR: notAFolder };
    const term = pty.spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/main.ts"), "run", deck], { cwd: ROOT, cols: 100, rows: 30, env });
    let printed = "";
    let pressed = false;
    const timers: NodeJS.Timeout[] = [];
    term.onData((data) => {
      printed += data;
      if (!pressed && printed.includes("step 1/1")) {
        pressed = true;
        term.write("\r");
        timers.push(setTimeout(() => term.write("q"), 5_000));
      }
    });
    timers.push(setTimeout(() => term.kill("SIGKILL"), 50_000));
    const code = await new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    timers.forEach(clearTimeout);
    expect(existsSync(marker), "the deck's step ran").toBe(false);
    expect(code, printed).toBe(2);
    expect(printed.replace(/\r/g, "").trim().split("\n")).toEqual([`labrun: LABRUN_STATE_DIR=${notAFolder}: not a folder`]);
    expect(readFileSync(notAFolder, "utf8")).toBe("a file\n");
  }, 60_000);
});
