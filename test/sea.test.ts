/**
 * `npm run package`'s single executable (scripts/package.mjs: Node's single executable
 * applications) runs labrun on a machine with no Node.js and no npm: here, with a PATH that holds
 * neither, from another folder, with a HOME of its own (where it writes its files, once).
 */
import pty from "@lydell/node-pty";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, scratchDir } from "./helpers.js";

const OUT = join(ROOT, `.build-test-sea-${process.pid}`);
const EXE = join(OUT, "labrun");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
/** What a deck's shell needs here; no node, no npm. */
const PROGRAMS = ["bash", "sh", "unshare", "env", "cat", "ls", "mkdir", "rm", "mktemp", "sleep"];
const DECK = "## Hello\n\n.exercise[\n\n- Say it, in colour:\n  ```bash\n  printf '\\033[32m%s\\033[0m\\n' 'hello from one file'\n  ```\n\n]\n\nWe should see:\n```\nhello from one file\n```\n";

let bin: string;

/** The environment of a machine without Node: PATH holds only links to PROGRAMS. */
function bare(home: string): NodeJS.ProcessEnv {
  return { PATH: bin, HOME: home, TERM: "xterm-256color", LANG: "C.UTF-8" };
}

function labrun(args: readonly string[], cwd: string, home: string) {
  return spawnSync(EXE, args, { cwd, env: bare(home), encoding: "utf8", timeout: 60_000 });
}

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, "scripts", "package.mjs"), OUT], { cwd: ROOT, stdio: "pipe" });
  bin = mkdtempSync(join(tmpdir(), "labrun-sea-bin-"));
  for (const program of PROGRAMS) {
    const found = spawnSync("bash", ["-c", `command -v ${program}`], { encoding: "utf8" }).stdout.trim();
    if (found.startsWith("/")) symlinkSync(found, join(bin, program));
  }
}, 300_000);
afterAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  if (bin) rmSync(bin, { recursive: true, force: true });
});

describe("the single executable", () => {
  it("is where no node and no npm can be found", () => {
    const found = spawnSync(join(bin, "bash"), ["-c", "command -v node; command -v npm; command -v nodejs"], { env: bare(tmpdir()), encoding: "utf8" });
    expect(found.stdout).toBe("");
    expect(found.status).not.toBe(0);
  });

  it("prints the usage, plans a deck and runs it with --ci, from another folder and HOME", () => {
    const dir = scratchDir("labrun-sea-");
    const [home, work] = [join(dir, "home"), join(dir, "work")];
    mkdirSync(home);
    mkdirSync(work);
    writeFileSync(join(work, "deck.md"), DECK);

    const help = labrun(["--help"], work, home);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^labrun: run hands-on workshop decks/);
    expect(help.stderr).toBe("");

    // Its files, written once to the cache: node-pty's module, the wasm, the bundled decks.
    const cache = join(home, ".cache", "labrun");
    const folders = readdirSync(cache);
    expect(folders).toEqual([expect.stringMatching(new RegExp(`^${VERSION.replace(/\./g, "\\.")}-[0-9a-f]{16}$`))]);
    const assets = join(cache, folders[0]!);
    const pty = join(assets, "node_modules", "@lydell", `node-pty-linux-${process.arch}`, "pty.node");
    const written = statSync(pty).mtimeMs;

    const plan = labrun(["plan", "deck.md"], work, home);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^deck: 2 steps on 1 slide/);
    expect(plan.stdout).toContain("hello from one file");
    // The bundled decks come from the cache folder.
    const tour = labrun(["plan", join(assets, "slides", "tour.md")], work, home);
    expect(tour.status, tour.stderr).toBe(0);
    expect(tour.stdout).toMatch(/^tour: \d+ steps/);

    const run = labrun(["run", "--ci", "deck.md", "--junit", "junit.xml", "--reporter", "html", "--output", "report.html"], work, home);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/2 passed, 0 failed/);
    expect(readFileSync(join(work, "junit.xml"), "utf8")).toMatch(/<testsuites name="deck" tests="2" failures="0"/);
    expect(readFileSync(join(work, "report.html"), "utf8")).toContain("AsciinemaPlayer");

    // A failing expectation fails the run, exit 1, as from the sources.
    writeFileSync(join(work, "wrong.md"), DECK.replace(/hello from one file\n```\n$/, "hello from two files\n```\n"));
    const wrong = labrun(["run", "--ci", "wrong.md"], work, home);
    expect(wrong.status, wrong.stdout + wrong.stderr).toBe(1);
    expect(wrong.stdout).toMatch(/1 passed, 1 failed/);

    // Later starts use the folder as it is; the plans it made are cached beside it.
    expect(statSync(pty).mtimeMs).toBe(written);
    expect(readdirSync(cache).sort()).toEqual([...folders, "plans"].sort());
    expect(readdirSync(join(cache, "plans")).filter((n) => n.endsWith(".plan"))).toHaveLength(3);
  });

  it("writes its files whole when started twice at once, and again when they were damaged", async () => {
    const dir = scratchDir("labrun-sea-");
    const both = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<number | null>((resolve) => {
            spawn(EXE, ["--version"], { cwd: dir, env: bare(dir), stdio: "ignore" }).on("close", resolve);
          }),
      ),
    );
    expect(both).toEqual([0, 0]);
    const cache = join(dir, ".cache", "labrun");
    const folders = readdirSync(cache);
    expect(folders).toHaveLength(1);
    const tour = join(cache, folders[0]!, "slides", "tour.md");
    rmSync(tour);
    const plan = labrun(["plan", tour], dir, dir);
    expect(plan.status, plan.stderr).toBe(0);
    // Beside the assets, the plan cache's folder.
    expect(readdirSync(cache).filter((n) => n !== "plans")).toEqual(folders);
  });

  it("draws its terminal UI and steps through a deck", async () => {
    const dir = scratchDir("labrun-sea-");
    writeFileSync(join(dir, "deck.md"), DECK);
    const term = pty.spawn(EXE, ["deck.md"], { cols: 80, rows: 24, cwd: dir, env: { ...bare(dir), LABRUN_STATE_DIR: join(dir, "state") } as Record<string, string> });
    let screen = "";
    term.onData((data) => (screen += data));
    const exited = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    // What the terminal was sent, less its escape sequences (colours, cursor moves).
    const shown = () => screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
    const until = async (text: string) => {
      for (const deadline = Date.now() + 30_000; !shown().includes(text); ) {
        if (Date.now() > deadline) throw new Error(`"${text}" never shown; the terminal got:\n${shown()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until("labrun · deck");
      // Keys count once the terminal is in raw mode, set after the first frame: the clock's tick comes later.
      await until("⏱ 00:01");
      term.write("\r");
      await until("That was the last step of the deck");
      term.write("q");
      expect(await exited).toBe(0);
    } finally {
      try {
        term.kill();
      } catch {
        // Already gone.
      }
    }
  }, 90_000);
});
