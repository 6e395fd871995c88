/**
 * `npm pack` gives a tarball of what runs (built code, bin/, the bundled decks, README, LICENSE),
 * which `npm install -g` installs and runs with no build step on the target.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, scratchDir } from "./helpers.js";

/** npm as the test's own `npm test` would not run it: none of that run's npm_config_* settings. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

describe("the npm package", () => {
  it("packs only what runs, installs into an empty prefix and runs there", () => {
    const dir = scratchDir("labrun-pack-");
    const env = { ...npmEnv(), CI: "", GITHUB_ACTIONS: "" };
    const packed = execFileSync("npm", ["pack", "--pack-destination", dir, "--silent"], { cwd: ROOT, encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] });
    const tarball = join(dir, packed.trim().split("\n").pop()!);
    expect(existsSync(tarball), packed).toBe(true);

    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n");
    expect(files).toContain("package/bin/labrun.js");
    expect(files).toContain("package/dist/main.js");
    expect(files).toContain("package/slides/dockercoins.yml");
    expect(files).toContain("package/README.md");
    expect(files).toContain("package/LICENSE");
    const stray = files.filter((f) => !/^package\/(bin|dist|slides)\/|^package\/(README\.md|LICENSE|package\.json)$/.test(f));
    expect(stray).toEqual([]);

    const prefix = join(dir, "prefix");
    const install = spawnSync("npm", ["install", "--global", "--prefix", prefix, "--no-audit", "--no-fund", tarball], { encoding: "utf8", env, timeout: 240_000 });
    expect(install.status, install.stderr).toBe(0);
    const installed = join(prefix, "lib", "node_modules", "labrun");
    // Nothing to build there: no sources, no TypeScript, no esbuild.
    expect(existsSync(join(installed, "src"))).toBe(false);
    expect(existsSync(join(installed, "node_modules", "typescript"))).toBe(false);
    expect(existsSync(join(installed, "node_modules", "esbuild"))).toBe(false);

    const labrun = (args: readonly string[]) =>
      spawnSync(join(prefix, "bin", "labrun"), args, { cwd: dir, encoding: "utf8", env: { ...env, LABRUN_STATE_DIR: join(dir, "state") }, timeout: 60_000 });
    const help = labrun(["--help"]);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^labrun: run hands-on workshop decks/);
    const plan = labrun(["plan", join(installed, "slides", "dockercoins.yml")]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/^Building, shipping and running DockerCoins on Kubernetes: \d+ steps/);
    writeFileSync(join(dir, "deck.md"), "## Hello\n\n.exercise[\n\n- Say it:\n  ```bash\n  echo hello from the package\n  ```\n\n]\n\nWe should see:\n```\nhello from the package\n```\n");
    const run = labrun(["run", "--ci", "deck.md"]);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/2 passed, 0 failed/);
  }, 300_000);
});
