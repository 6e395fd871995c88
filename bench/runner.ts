import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { planDeck } from "../src/index.js";
import { Runner } from "../src/run/runner.js";
import type { Reporter } from "../src/run/result.js";
import { fmt, stats } from "./stats.js";

const now = () => performance.timeOrigin + performance.now();

function deck(dir: string, name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

/**
 * labrun's overhead per step: 500 trivial steps through the runner (one real bash in a pty, each
 * step typed and its end detected) against plain bash running the same 500 commands from a script.
 */
async function overhead(dir: string, count = 500) {
  const commands = Array.from({ length: count }, (_, i) => `echo step ${i}`);
  const file = deck(dir, "trivial.md", `## Trivial\n\n.exercise[\n\n${commands.map((c) => "```bash\n" + c + "\n```\n").join("\n")}\n]\n`);
  const { graph } = await planDeck(file);
  const durations: number[] = [];
  let started = 0;
  const timer: Reporter = {
    onStepStart: () => (started = now()),
    onStepResult: () => durations.push(now() - started),
  };
  const outcome = await new Runner({ reporters: [timer] }).run(graph.steps);
  if (outcome.summary.passed !== count) throw new Error(`only ${outcome.summary.passed} of ${count} steps passed`);

  const script = join(dir, "trivial.sh");
  writeFileSync(script, commands.join("\n") + "\n");
  const bashRuns: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = now();
    execFileSync("bash", [script], { stdio: "ignore" });
    bashRuns.push((now() - t) / count);
  }
  const labrun = stats(durations);
  const bash = stats(bashRuns);
  console.log(`run: ${count} trivial steps (echo), one run`);
  console.log(`  plain bash, per command        ${fmt(bash.median)}  (median of 5 script runs / ${count})`);
  console.log(`  labrun, per step               ${fmt(labrun.median)}  [p25 ${fmt(labrun.p25)}, p75 ${fmt(labrun.p75)}]`);
  console.log(`  labrun overhead per step       ${fmt(labrun.median - bash.median)}  (target: under 5 ms)`);
}

/**
 * From a waited-for string appearing to the next step: the command prints READY with its own
 * clock reading; the next steps are `keys ^C` and a command that prints its start time.
 */
async function waitLatency(dir: string, rounds = 20) {
  const slide = (i: number) =>
    `## Round ${i}\n\n.exercise[\n\n\`\`\`bash\nsleep 0.05; echo "READY $(date +%s%N)"; sleep 30\n\`\`\`\n\n<!-- \`\`\`wait READY\`\`\` -->\n<!-- \`\`\`keys ^C\`\`\` -->\n\n\`\`\`bash\necho "NEXT $(date +%s%N)"\n\`\`\`\n\n]\n`;
  const file = deck(dir, "wait.md", Array.from({ length: rounds }, (_, i) => slide(i)).join("\n---\n\n"));
  const { graph } = await planDeck(file);
  const toKeys: number[] = [];
  const toCommand: number[] = [];
  let ready = 0;
  const timer: Reporter = {
    onStepStart: (step) => {
      if (step.kind === "keys") toKeys.push(now() - ready);
    },
    onStepResult: (r) => {
      const m = /READY (\d+)/.exec(r.output);
      if (r.step.kind === "wait" && m) ready = Number(m[1]) / 1e6;
      const n = /NEXT (\d+)/.exec(r.output);
      if (n) toCommand.push(Number(n[1]) / 1e6 - ready);
    },
  };
  const outcome = await new Runner({ reporters: [timer] }).run(graph.steps);
  if (outcome.summary.failed + outcome.summary.timedOut) throw new Error("the wait benchmark deck failed");
  const keys = stats(toKeys);
  const cmd = stats(toCommand);
  console.log(`wait: ${rounds} rounds of a command printing READY, then wait READY, keys ^C, next command`);
  console.log(`  READY printed -> next step (keys ^C) starts        ${fmt(keys.median)}  [p25 ${fmt(keys.p25)}, p75 ${fmt(keys.p75)}]  (target: under 20 ms)`);
  console.log(`  READY printed -> next command running (after ^C)   ${fmt(cmd.median)}  [p25 ${fmt(cmd.p25)}, p75 ${fmt(cmd.p75)}]`);
}

export async function benchRunner(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "labrun-bench-run-"));
  try {
    await overhead(dir);
    await waitLatency(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
