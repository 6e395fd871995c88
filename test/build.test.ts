/**
 * The shipped build (scripts/build.mjs: esbuild, split at lazy imports) runs like the sources:
 * what `npm start` and the installed `labrun` run is not what the other tests import.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, scratchDir, slides } from "./helpers.js";

const OUT = join(ROOT, `.build-test-${process.pid}`);

function labrun(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync("node", [join(OUT, "main.js"), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "", GITHUB_ACTIONS: "", ...env }, timeout: 60_000 });
}

beforeAll(() => {
  execFileSync("node", [join(ROOT, "scripts", "build.mjs"), OUT], { cwd: ROOT, stdio: "pipe" });
}, 120_000);
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe("the build", () => {
  it("prints the usage and plans the bundled course", () => {
    const help = labrun(["--help"]);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^labrun: run hands-on workshop decks/);
    const plan = labrun(["plan", slides("dockercoins.yml")]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^Building, shipping and running DockerCoins on Kubernetes: \d+ steps/);
    expect(plan.stdout).toContain("kubectl create deployment registry");
  });

  it("runs a deck in --ci, colours, expectations and a JSON report included", () => {
    const dir = scratchDir("labrun-build-");
    const deck = join(dir, "deck.md");
    writeFileSync(deck, "## Colours\n\n.exercise[\n\n- Run:\n  ```bash\n  printf '\\033[32m%s\\033[0m\\n' green; echo done\n  ```\n\n]\n\nWe should see:\n```\ngreen\ndone\n```\n");
    const report = join(dir, "report.json");
    const run = labrun(["run", "--ci", deck, "--reporter", "json", "--output", report], { LABRUN_STATE_DIR: join(dir, "state") });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/2 passed, 0 failed/);
    const json = JSON.parse(execFileSync("cat", [report], { encoding: "utf8" })) as { steps: { status: string; output?: string }[] };
    expect(json.steps.map((s) => s.status)).toEqual(["passed", "passed"]);
  });

  it("keeps plans in ~/.cache/labrun/plans (XDG_CACHE_HOME), keyed by its build id; LABRUN_CACHE=off: none", () => {
    const home = scratchDir("labrun-build-cache-");
    const env = { LABRUN_CACHE_DIR: "", LABRUN_CACHE: "", XDG_CACHE_HOME: join(home, "xdg"), HOME: home };
    const first = labrun(["plan", slides("dockercoins.yml"), "--json"], env);
    expect(first.status, first.stderr).toBe(0);
    const plans = join(home, "xdg", "labrun", "plans");
    expect(readdirSync(plans).filter((n) => n.endsWith(".plan"))).toHaveLength(1);
    const second = labrun(["plan", slides("dockercoins.yml"), "--json"], env);
    expect(second.stdout).toBe(first.stdout);
    expect(readdirSync(plans)).toHaveLength(1);
    const off = labrun(["plan", slides("tour.md")], { ...env, LABRUN_CACHE: "off" });
    expect(off.status, off.stderr).toBe(0);
    expect(readdirSync(plans)).toHaveLength(1);
    const byHome = labrun(["plan", slides("tour.md")], { ...env, XDG_CACHE_HOME: "" });
    expect(byHome.stdout).toBe(off.stdout);
    expect(readdirSync(join(home, ".cache", "labrun", "plans"))).toHaveLength(1);
  });

  it("says a bad deck in one line, exit 2, as the sources do", () => {
    const r = labrun(["plan", join(ROOT, "nope.md")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});
