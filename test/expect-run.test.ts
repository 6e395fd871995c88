import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, fixture } from "./helpers.js";

interface JsonStep {
  kind: string;
  text: string;
  status: string;
  output: string;
  strict?: boolean;
  strictReason?: string;
  warning?: string;
  assertions: { passed: boolean }[];
}
interface JsonReport {
  steps: JsonStep[];
  summary: { passed: number; failed: number; warnings: number };
}

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "labrun-expect-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

async function run(deck: string, extra: string[] = [], env: Record<string, string> = {}) {
  const report = join(work, "report.json");
  const junit = join(work, "junit.xml");
  const r = await cli(["run", fixture("expect", deck), "--ci", "--env", `WORK=${work}`, "--reporter", "json", "--output", report, "--junit", junit, ...extra], { env });
  const json = existsSync(report) ? (JSON.parse(readFileSync(report, "utf8")) as JsonReport) : undefined;
  return { ...r, json: json!, junit: existsSync(junit) ? readFileSync(junit, "utf8") : "" };
}

describe("run --ci with expectations", () => {
  it("runs a transcript's commands and checks the lines under them, which are never typed", async () => {
    const r = await run("transcript.md");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.json.steps.map((s) => `${s.kind} ${s.status}`)).toEqual([
      "bash passed", "expect passed", "bash passed", "expect passed", "bash passed", "bash passed", "expect passed",
    ]);
    expect(readFileSync(join(work, "list.txt"), "utf8")).toBe("alpha\nbeta\n");
    expect(readFileSync(join(work, "two.txt"), "utf8")).toBe("two three\n");
    const typed = r.json.steps.filter((s) => s.kind === "bash").map((s) => s.text);
    expect(typed.some((t) => /^(alpha|beta|one|two three)$/m.test(t))).toBe(false);
    expect(r.json.steps.map((s) => s.output).join("")).not.toMatch(/command not found/);
  });

  it("a loose expectation that does not match warns in every report and the run goes on, exit 0", async () => {
    const r = await run("loose.md", [], { GITHUB_ACTIONS: "true" });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const expectation = r.json.steps[1]!;
    expect(expectation).toMatchObject({ kind: "expect", status: "passed", strict: false, strictReason: expect.stringMatching(/looks like/) });
    expect(expectation.warning).toMatch(/did not match \(loose expectation/);
    expect(expectation.assertions).toEqual([expect.objectContaining({ passed: false })]);
    expect(r.json.summary).toMatchObject({ failed: 0, warnings: 1 });
    expect(existsSync(join(work, "after.txt"))).toBe(true);
    expect(r.stdout).toMatch(/⚠ WARN .*loose\.md:13/);
    expect(r.stdout).toMatch(/-\s+web-1 0\/1 Pending/);
    expect(r.stdout).toMatch(/\(1 with a warning\)/);
    expect(r.stdout).toMatch(/^::warning file=[^,]*loose\.md,line=13,title=Expected output differs \(loose\)/m);
    expect(r.stdout).not.toMatch(/^::error/m);
    expect(r.junit).toMatch(/<system-out><!\[CDATA\[warning: expected output did not match/);
    expect(r.junit).not.toMatch(/<failure/);
  });

  it("--strict-expectations makes a loose expectation fail the run", async () => {
    const r = await run("loose.md", ["--strict-expectations"]);
    expect(r.code).toBe(1);
    expect(r.json.steps[1]).toMatchObject({ status: "failed" });
    expect(r.json.steps[1]!.warning).toBeUndefined();
  });

  it("a strict expectation that does not match fails, exit 1", async () => {
    const r = await run("strict.md");
    expect(r.code).toBe(1);
    expect(r.json.steps[1]).toMatchObject({ kind: "expect", status: "failed", strict: true });
    expect(r.stdout).toMatch(/✗ FAIL .*strict\.md/);
  });

  it("fragments match where they are in a longer output; the real courses' phrasings pass", async () => {
    const r = await run("phrasings.md");
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.steps.filter((s) => s.kind === "expect").map((s) => [s.status, s.warning ?? ""])).toEqual([
      ["passed", ""], ["passed", ""], ["passed", ""], ["passed", ""],
    ]);
  });
});
