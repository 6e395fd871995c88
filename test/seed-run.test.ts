// The flagship deck, run for real by `labrun run --ci` against the lab double (test/lab-double):
// kubectl, docker and docker-compose are scripts on PATH; curl and jq are the real ones, talking
// to a local HTTP server that stands in for the registry.
import { describe, it, expect, afterAll } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, ROOT } from "./helpers.js";

const missing = ["curl", "jq"].filter((t) => spawnSync("bash", ["-c", `command -v ${t}`]).status !== 0);
if (missing.length) console.warn(`seed run skipped: ${missing.join(" and ")} not on PATH (.ci/run installs them)`);

const DOUBLE = join(ROOT, "test/lab-double");
const dirs: string[] = [];

export function labEnv(): { env: string[]; state: string; home: string } {
  const state = mkdtempSync(join(tmpdir(), "labrun-lab-"));
  const home = join(state, "home");
  mkdirSync(join(home, "container.training/stacks"), { recursive: true });
  dirs.push(state);
  return {
    state,
    home,
    env: ["--env", `PATH=${DOUBLE}/bin:${process.env.PATH}`, "--env", `LAB_DOUBLE_DIR=${state}/lab`, "--env", `HOME=${home}`],
  };
}

afterAll(() => {
  for (const d of dirs) {
    execFileSync("bash", [join(DOUBLE, "stop.sh"), join(d, "lab")], { stdio: "ignore" });
    rmSync(d, { recursive: true, force: true });
  }
});

describe.skipIf(missing.length > 0)("the seed deck against the lab double", () => {
  it("passes every step, with both catalog expectations checked", async () => {
    const lab = labEnv();
    const report = join(lab.state, "report.json");
    const r = await cli(["run", "slides/dockercoins.yml", "--ci", ...lab.env, "--reporter", "json", "--output", report, "--junit", join(lab.state, "junit.xml")]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const json = JSON.parse(readFileSync(report, "utf8")) as {
      steps: { kind: string; text: string; status: string; reason?: string; assertions: { expected: string; actual: string; passed: boolean }[] }[];
      summary: Record<string, number>;
    };
    const notPassed = json.steps.filter((s) => s.status !== "passed");
    expect(notPassed, JSON.stringify(notPassed, null, 2)).toEqual([]);
    expect(json.summary).toMatchObject({ passed: 24, failed: 0, skipped: 0, timedOut: 0 });
    const checks = json.steps.filter((s) => s.kind === "expect").map((s) => s.assertions[0]);
    expect(checks).toEqual([
      { expected: '{"repositories":[]}', actual: expect.stringContaining('{"repositories":[]}'), passed: true },
      { expected: '{"repositories":["busybox"]}', actual: expect.stringContaining('{"repositories":["busybox"]}'), passed: true },
    ]);
    const log = readFileSync(join(lab.state, "lab/log"), "utf8");
    expect(log).toMatch(/^kubectl create deployment worker --image=127\.0\.0\.1:\d+\/worker:v0\.1$/m);
    expect(readFileSync(join(lab.state, "junit.xml"), "utf8")).toContain('<testsuite name="Running our application on Kubernetes"');
  });
});
