/**
 * Per-step cost over SSH (issue 13): a real sshd on 127.0.0.1 (test/sshd.ts: a throwaway user),
 * measured in one run, alternated, medians of ROUNDS:
 *   local      labrun run --ci, 1 and 1 + N `true` steps, on this machine
 *   over ssh   the same decks with --ssh to 127.0.0.1
 *   ssh each   one `ssh HOST true` per command, as a runner without a session would do
 * A step's cost is (time of 1 + N steps - time of 1 step) / N: start-up and connection left out.
 * Needs root (the test user) and Debian's openssh-server, as the tests do.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startSshd, sshdUnavailable } from "../test/sshd.js";
import { fmt, stats } from "./stats.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LABRUN = join(ROOT, "bin", "labrun.js");
const STEPS = 200;
const ROUNDS = 5;
const SSH_EACH = 20;

function deck(steps: number): string {
  const items = Array.from({ length: steps }, () => "- Run:\n  ```bash\n  true\n  ```\n").join("\n");
  return `# Bench\n\n.exercise[\n${items}\n]\n`;
}

function timed(command: string, args: readonly string[]): number {
  const start = performance.now();
  const r = spawnSync(command, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${command} ${args.slice(0, 4).join(" ")}... exited ${r.status}: ${r.stderr}`);
  return ms;
}

export async function benchSsh(): Promise<void> {
  console.log(`\n## SSH: a step's cost over --ssh to 127.0.0.1, next to a local run and to one ssh per command (${ROUNDS} rounds, medians)\n`);
  const why = sshdUnavailable();
  if (why) {
    console.log(`skipped: ${why}`);
    return;
  }
  if (!existsSync(join(ROOT, "dist", "main.js"))) throw new Error("dist/ is not built: `npm run bench` builds it first");
  const server = await startSshd();
  const dir = mkdtempSync(join(tmpdir(), "labrun-bench-ssh-"));
  try {
    const one = join(dir, "one.md");
    const many = join(dir, "many.md");
    writeFileSync(one, deck(1));
    writeFileSync(many, deck(1 + STEPS));
    const ssh = ["--ssh", `${server.user}@127.0.0.1:${server.port}`, "--ssh-identity", server.identity, "--ssh-option", `UserKnownHostsFile=${server.knownHosts}`, "--ssh-option", "GlobalKnownHostsFile=/dev/null"];
    const samples = { local1: [] as number[], localN: [] as number[], ssh1: [] as number[], sshN: [] as number[], each: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      samples.local1.push(timed(process.execPath, [LABRUN, "run", "--ci", one]));
      samples.ssh1.push(timed(process.execPath, [LABRUN, "run", "--ci", one, ...ssh]));
      samples.localN.push(timed(process.execPath, [LABRUN, "run", "--ci", many]));
      samples.sshN.push(timed(process.execPath, [LABRUN, "run", "--ci", many, ...ssh]));
      const start = performance.now();
      for (let i = 0; i < SSH_EACH; i++) timed("ssh", [...server.sshArgs, `${server.user}@127.0.0.1`, "true"]);
      samples.each.push((performance.now() - start) / SSH_EACH);
    }
    const m = (xs: number[]) => stats(xs).median;
    const local = (m(samples.localN) - m(samples.local1)) / STEPS;
    const remote = (m(samples.sshN) - m(samples.ssh1)) / STEPS;
    const each = m(samples.each);
    console.log("| | 1 step | 1 + 200 steps | per step |");
    console.log("| --- | --- | --- | --- |");
    console.log(`| labrun, local | ${fmt(m(samples.local1))} | ${fmt(m(samples.localN))} | ${fmt(local)} |`);
    console.log(`| labrun --ssh 127.0.0.1 | ${fmt(m(samples.ssh1))} | ${fmt(m(samples.sshN))} | ${fmt(remote)} |`);
    console.log(`| one \`ssh HOST true\` per command | | | ${fmt(each)} |`);
    console.log(`\nover ssh: ${fmt(remote)} a step (target < 5 ms), ${(remote / local).toFixed(2)}x local, ${(each / remote).toFixed(0)}x less than an ssh per command (target >= 10x); connecting (1 step, ssh - local): ${fmt(m(samples.ssh1) - m(samples.local1))}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}
