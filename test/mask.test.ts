/**
 * `--mask VAR` end to end: a real secret in the environment, a failing deck that prints it with
 * colour codes inside, where the terminal wraps it, writes it literally in a command, in an
 * expected output and in an error message; then every output is searched for it.
 */
import xterm from "@xterm/headless";
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MaskedView } from "../src/run/masked-view.js";
import { PaneTerminal } from "../src/ui/pane-terminal.js";
import { cli, ROOT } from "./helpers.js";
import { killTmuxServer } from "./tmux.js";

const { Terminal } = xterm;

let work: string;
let secret: string;
/** The part of the secret printed after a colour code: must not show either. */
let tail: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "labrun-mask-"));
  secret = `s3cr3t-${randomBytes(6).toString("hex")}`;
  tail = secret.slice(7);
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** A deck that fails, with the secret written literally (as SECRET) in its title, commands, expectations and directives. */
function secretDeck(): string {
  // The deck's name (its title in the JUnit report and the recording) holds the secret too.
  const deck = join(work, `deck-${secret}.md`);
  const text = `## Deploying with SECRET

.exercise[

- Print the token in colour:
  \`\`\`bash
  printf 'token %s\\e[1m%s\\e[0m done\\n' "\${API_TOKEN:0:7}" "\${API_TOKEN:7}"
  \`\`\`

- Print it where the line wraps:
  \`\`\`bash
  printf '%*s%s\\n' 110 '' "$API_TOKEN"
  \`\`\`

- Put it in the window's title (an escape sequence's payload):
  \`\`\`bash
  printf '\\e]0;title %s\\a' "$API_TOKEN"
  \`\`\`

- Compare it literally:
  \`\`\`bash
  test "SECRET" = "$API_TOKEN" && echo "same SECRET"
  \`\`\`

- An expectation that holds:
  \`\`\`bash
  $ echo "$API_TOKEN"
  SECRET
  \`\`\`

- An expectation that fails:
  \`\`\`bash
  $ echo "$API_TOKEN is right"
  SECRET is wrong
  \`\`\`

- Wait for it:
  \`\`\`bash
  sleep 30
  \`\`\`
<!-- \`\`\`wait not SECRET\`\`\` -->
<!-- \`\`\`key ^C\`\`\` -->

- Fail with it:
  \`\`\`bash
  echo "rejected: SECRET" >&2; false
  \`\`\`

]
`;
  writeFileSync(deck, text.replaceAll("SECRET", secret));
  return deck;
}

/** The text as a file holds it, as JSON-escaped strings would read, and with escape sequences removed. */
function forms(text: string): string[] {
  const unescaped = text.replace(/\\u001b/g, "\x1b").replace(/\\n/g, "\n");
  return [text, stripVTControlCharacters(text), stripVTControlCharacters(unescaped)];
}

function expectNoSecret(what: string, text: string): void {
  for (const form of forms(text)) {
    expect(form.includes(secret), `${what} shows the secret:\n${form}`).toBe(false);
    expect(form.includes(tail), `${what} shows the secret's end:\n${form}`).toBe(false);
  }
}

/** Plays an asciicast through a headless xterm; returns its lines (scrollback included), wrapped rows joined. */
async function play(cast: string): Promise<string[]> {
  const [header, ...events] = readFileSync(cast, "utf8").trim().split("\n");
  const { width, height } = JSON.parse(header!) as { width: number; height: number };
  const term = new Terminal({ cols: width, rows: height, scrollback: 10_000, allowProposedApi: true });
  for (const event of events) {
    const [, , data] = JSON.parse(event) as [number, string, string];
    await new Promise<void>((resolve) => term.write(data, resolve));
  }
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let row = 0; row < buffer.length; row++) {
    const line = buffer.getLine(row)!;
    const text = line.translateToString(!buffer.getLine(row + 1)?.isWrapped);
    if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  term.dispose();
  return lines;
}

describe("--mask: a secret never leaves the run", () => {
  it("is in no output of a failing run: CI stdout and annotations, JSON, JUnit, the recording played back", async () => {
    const deck = secretDeck();
    const report = join(work, "report.json");
    const junit = join(work, "junit.xml");
    const cast = join(work, "run.cast");
    const r = await cli(
      ["run", deck, "--ci", "--keep-going", "--strict-expectations", "--step-timeout", "2", "--mask", "API_TOKEN", "--reporter", "json", "--output", report, "--junit", junit, "--record", cast],
      { env: { API_TOKEN: secret, GITHUB_ACTIONS: "true" } },
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);

    // The run did what the deck says, with the secret shown as ****.
    const json = JSON.parse(readFileSync(report, "utf8")) as { steps: { kind: string; text: string; status: string; output: string; reason?: string }[] };
    const statuses = json.steps.map((s) => `${s.kind} ${s.status}`);
    expect(statuses).toEqual([
      "bash passed",
      "bash passed",
      "bash passed",
      "bash passed",
      "bash passed",
      "expect passed", // SECRET expected, **** printed: compared as shown (strictly: --strict-expectations)
      "bash passed",
      "expect failed",
      "bash passed",
      "wait timedOut",
      "key passed",
      "bash failed",
    ]);
    expect(json.steps[0]!.output).toContain("token **** done");
    expect(json.steps[3]!.text).toBe('test "****" = "$API_TOKEN" && echo "same ****"');
    expect(json.steps[3]!.output).toContain("same ****");
    expect(json.steps[9]!.reason).toContain("'not ****' did not appear");
    expect(json.steps[11]!.output).toContain("rejected: ****");
    expect(r.stdout).toContain("::error file=");
    expect(r.stdout).toContain("- **** is wrong");

    expectNoSecret("stdout", r.stdout);
    expectNoSecret("stderr", r.stderr);
    expectNoSecret("the JSON report", readFileSync(report, "utf8"));
    expectNoSecret("the JUnit report", readFileSync(junit, "utf8"));
    expectNoSecret("the recording's file", readFileSync(cast, "utf8"));
    const played = await play(cast);
    expectNoSecret("the recording played back", played.join("\n"));
    // The wrapped line is there, masked: 110 spaces, then ****.
    expect(played.some((line) => line === `${" ".repeat(110)}****`)).toBe(true);
  }, 60_000);
});

describe("--mask on what the command prints itself", () => {
  it("masks the deck's structural errors, which name the deck", async () => {
    const deck = join(work, `${secret}.md`);
    writeFileSync(deck, "## Broken\n\n.exercise[\n\n```bash\necho never closed\n\n]\n");
    const r = await cli(["run", deck, "--ci", "--mask", "API_TOKEN"], { env: { API_TOKEN: secret } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("****.md:5:1: error:");
    expectNoSecret("stderr", r.stderr);
  });
});

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;

describe.skipIf(!hasTmux)("--mask in the terminal UI (tmux)", () => {
  const socket = `labrun-mask-${process.pid}`;
  const tmux = (...args: string[]): string => execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], { encoding: "utf8" });
  const screen = (): string => tmux("capture-pane", "-p", "-t", "ui");

  async function until(predicate: (text: string) => boolean, what: string): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = screen();
      if (predicate(text)) return text;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  afterEach(async () => {
    killTmuxServer(socket);
    // labrun gets SIGHUP with the tmux server: give it a moment to end before the folder goes.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  it("shows no secret on screen and saves none in the progress file", async () => {
    const deck = join(work, "ui.md");
    const stateDir = join(work, "state");
    writeFileSync(
      deck,
      `## Token SECRET here\n\n.exercise[\n\n- Print it:\n  \`\`\`bash\n  echo "literal SECRET"; printf '%s\\e[1m%s\\e[0m\\n' "\${API_TOKEN:0:7}" "\${API_TOKEN:7}"\n  \`\`\`\n\n]\n`.replaceAll("SECRET", secret),
    );
    const shell = [
      "env -i",
      `PATH=${JSON.stringify(process.env.PATH ?? "/usr/bin:/bin")}`,
      `HOME=${JSON.stringify(work)}`,
      "TERM=xterm-256color",
      `LABRUN_STATE_DIR=${JSON.stringify(stateDir)}`,
      `API_TOKEN=${secret}`,
      "PS1='mask$ '",
      "bash --norc --noprofile",
    ].join(" ");
    tmux("new-session", "-d", "-x", "100", "-y", "30", "-s", "ui", "-c", ROOT, shell);
    await until((s) => s.includes("mask$"), "the shell prompt");
    tmux("send-keys", "-t", "ui", "-l", `node --import tsx src/main.ts ${deck} --mask API_TOKEN; echo EXIT=$?`);
    tmux("send-keys", "-t", "ui", "Enter");
    await until((s) => s.includes("Token **** here") && s.includes("step 1/1"), "the slide");
    tmux("send-keys", "-t", "ui", "Enter");
    const text = await until((s) => s.includes("✓ 1 passed") && /^echo "literal \*\*\*\*"/m.test(s) && /^literal \*\*\*\*$/m.test(s) && /^\*\*\*\*$/m.test(s), "the step's ✓ and its output");
    expectNoSecret("the UI", text);
    tmux("send-keys", "-t", "ui", "q");
    await until((s) => s.includes("EXIT=0"), "labrun to exit");
    const files = readdirSync(stateDir);
    expect(files.length).toBe(1);
    const saved = readFileSync(join(stateDir, files[0]!), "utf8");
    expect(saved).toContain('"passed"');
    expectNoSecret("the saved progress", saved);
  }, 90_000);
});

describe("the UI's output pane masks what the screen puts together", () => {
  it("masks a secret cut by the line wrap or assembled by cursor moves, in the scrollback and the live view", async () => {
    const view = new MaskedView(["topsecret"]);
    const pane = new PaneTerminal(10, 6, 100, (rows, wrapped) => view.rows(rows, wrapped));
    // The stream never holds "topsecret" in one piece: the screen does.
    pane.write("\x1b[32mxxxxxxtopse\x1b[0m\x1b[1mc\x1b[0mret\r\n");
    pane.write("topXXXret\x1b[6Dsec\r\n");
    await pane.flushed();
    for (const live of [false, true]) {
      const lines = pane.view(6, 0, { color: true, live }).lines.map((line) => stripVTControlCharacters(line));
      const joined = lines.join("");
      expect(joined, lines.join("\n")).not.toContain("topsecret");
      expect(joined).not.toContain("secret");
      expect(joined).toContain("****");
    }
    pane.dispose();
  });
});
