/**
 * labrun against txm (a Markdown test runner: a fresh `bash` per block, no terminal) and an
 * `expect` script driving one bash in a pty (about the floor for "type a command, wait for the
 * prompt, check the last line"), on the same four workloads, alternated in one run:
 *   D  a deck of one `true` step (start-up)
 *   A  300 `echo` steps, each with an expected output
 *   B  50 steps of `seq 1 20000 | tail -1`
 *   C  one step printing 20 MB (seq 1 2700000), its last line checked
 * Also `labrun --help` and `labrun plan` of deck D against `node -e 0`, and peak RSS (from
 * /usr/bin/time, Debian's `time`). labrun runs as installed: `node bin/labrun.js` on the build,
 * twice over: with its plan cache warm (a folder of the bench's own, filled by the warm-up round:
 * an author's next save, a CI shard after the first) and cold (LABRUN_CACHE=off: every plan made).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fmt, stats } from "./stats.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LABRUN = join(ROOT, "bin", "labrun.js");
const TXM = join(ROOT, "node_modules", "txm", "src", "cli.js");
const TIME = "/usr/bin/time";

interface Workload {
  readonly name: string;
  readonly what: string;
  /** Each step: the command and the last line it prints ("" for none). */
  readonly steps: readonly { readonly command: string; readonly last: string }[];
}

const WORKLOADS: readonly Workload[] = [
  { name: "D", what: "a deck of one `true` step (start-up)", steps: [{ command: "true", last: "" }] },
  { name: "A", what: "300 `echo` steps, each with an expected output", steps: Array.from({ length: 300 }, (_, i) => ({ command: `echo line ${i}`, last: `line ${i}` })) },
  { name: "B", what: "50 steps of `seq 1 20000 | tail -1`", steps: Array.from({ length: 50 }, () => ({ command: "seq 1 20000 | tail -1", last: "20000" })) },
  { name: "C", what: "one step printing 20 MB, its last line checked", steps: [{ command: "seq 1 2700000", last: "2700000" }] },
];

/** One slide per step; a step with a last line gets "We should see:" and that line. */
function labrunDeck(w: Workload): string {
  return w.steps
    .map((s, i) => `## Step ${i}\n\n.exercise[\n\n- Run:\n  \`\`\`bash\n  ${s.command}\n  \`\`\`\n\n]\n${s.last ? `\nWe should see:\n\`\`\`\n${s.last}\n\`\`\`\n` : ""}`)
    .join("\n---\n\n");
}

/** txm: one test per step, bash reading the command; its stdout compared with the last line. */
function txmDeck(w: Workload): string {
  // txm keeps a test's whole output in memory (child_process.exec's 1 MB limit): for C the
  // program's output goes through `tail -1`, which is what checking its last line means there.
  const program = w.name === "C" ? "bash | tail -n 1" : "bash";
  const tests = w.steps.map((s, i) =>
    s.last
      ? `<!-- !test in t${i} -->\n\n    ${s.command}\n\n<!-- !test out t${i} -->\n\n    ${s.last}\n`
      : `<!-- !test check t${i} -->\n\n    ${s.command}\n`,
  );
  return `<!-- !test program ${program} -->\n\n${tests.join("\n")}`;
}

/** expect: one bash in a pty; each command typed, the prompt awaited, the line before it checked. */
function expectScript(w: Workload, commandsFile: string): string {
  // No bracketed paste: its escapes would sit between a line's end and the prompt.
  const inputrc = `${commandsFile}.inputrc`;
  writeFileSync(inputrc, "set enable-bracketed-paste off\n");
  writeFileSync(commandsFile, w.steps.map((s) => `${s.command}\t${s.last}`).join("\n") + "\n");
  return `set timeout 120
log_user 0
set env(PS1) {PROMPT> }
set env(INPUTRC) ${JSON.stringify(inputrc)}
spawn -noecho bash --norc --noprofile -i
expect -re {PROMPT> $}
set f [open ${JSON.stringify(commandsFile)}]
while {[gets $f line] >= 0} {
  lassign [split $line "\\t"] command last
  send -- "$command\\r"
  expect {
    -re {([^\\r\\n]*)\\r\\nPROMPT> $} {}
    timeout { puts "timed out: $command"; exit 1 }
  }
  if {$last ne "" && $expect_out(1,string) ne $last} { puts "mismatch: $command"; exit 1 }
}
send "exit\\r"
expect eof
`;
}

interface Sample {
  readonly seconds: number;
  readonly rssMiB: number;
}

/** Runs the command under /usr/bin/time: wall time (measured here) and peak RSS of the process tree's largest. */
function measure(argv: readonly string[], env: NodeJS.ProcessEnv, expectCode = 0): Sample {
  const t = performance.now();
  const r = spawnSync(TIME, ["-f", "RSS=%M", ...argv], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== expectCode) throw new Error(`${argv.join(" ")} exited ${r.status}:\n${(r.stdout ?? "").slice(-2000)}\n${(r.stderr ?? "").slice(-2000)}`);
  const rss = /RSS=(\d+)/.exec(r.stderr)?.[1];
  return { seconds, rssMiB: rss ? Number(rss) / 1024 : NaN };
}

const median = (xs: readonly number[]) => stats(xs).median;
const secs = (s: number) => fmt(s * 1000);

export async function benchVersus(rounds = 5): Promise<void> {
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing (Debian's package 'time')`);
  if (spawnSync("expect", ["-v"]).status !== 0) throw new Error("expect is missing (Debian's package 'expect')");
  if (!existsSync(join(ROOT, "dist", "main.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  const dir = mkdtempSync(join(tmpdir(), "labrun-bench-versus-"));
  try {
    const plans = join(dir, "plans");
    const env = { ...process.env, LABRUN_STATE_DIR: join(dir, "state"), LABRUN_CACHE_DIR: plans, LABRUN_CACHE: "", NO_COLOR: "1", CI: "", GITHUB_ACTIONS: "" };
    const cold = { ...env, LABRUN_CACHE: "off" };
    /** Each tool: its command line for a workload, and its environment. */
    const tools = new Map<string, { argv: (w: Workload) => readonly string[]; env: NodeJS.ProcessEnv }>();
    for (const w of WORKLOADS) {
      writeFileSync(join(dir, `${w.name}.md`), labrunDeck(w));
      writeFileSync(join(dir, `${w.name}.txm.md`), txmDeck(w));
      writeFileSync(join(dir, `${w.name}.exp`), expectScript(w, join(dir, `${w.name}.commands`)));
    }
    const labrun = (w: Workload) => ["node", LABRUN, "run", "--ci", join(dir, `${w.name}.md`)];
    tools.set("labrun", { argv: labrun, env });
    tools.set("labrun cold", { argv: labrun, env: cold });
    tools.set("txm", { argv: (w) => ["node", TXM, join(dir, `${w.name}.txm.md`)], env });
    tools.set("expect", { argv: (w) => ["expect", join(dir, `${w.name}.exp`)], env });
    // The floor for C: node-pty alone reading the same 20 MB from a terminal, nothing done with it.
    const ptyReader = join(dir, "pty-reader.mjs");
    const nodePty = createRequire(import.meta.url).resolve("@lydell/node-pty");
    writeFileSync(
      ptyReader,
      `import pty from ${JSON.stringify(pathToFileURL(nodePty).href)};\nconst p = pty.spawn("bash", ["-c", process.argv[2]], { cols: 120, rows: 40 });\nlet n = 0;\np.onData((d) => (n += d.length));\np.onExit(() => { if (n < 20e6) process.exit(1); });\n`,
    );
    const startup = new Map<string, { argv: readonly string[]; env: NodeJS.ProcessEnv }>([
      ["node-pty reading C", { argv: ["node", ptyReader, "seq 1 2700000"], env }],
      // The same with the kernel's \n -> \r\n (onlcr) off: not what a terminal (an attendee's, labrun's) does.
      ["node-pty reading C, -onlcr", { argv: ["node", ptyReader, "stty -onlcr; seq 1 2700000"], env }],
      ["node -e 0", { argv: ["node", "-e", "0"], env }],
      ["labrun --help", { argv: ["node", LABRUN, "--help"], env }],
      ["labrun plan (D)", { argv: ["node", LABRUN, "plan", join(dir, "D.md")], env }],
      ["labrun plan (D) cold", { argv: ["node", LABRUN, "plan", join(dir, "D.md")], env: cold }],
    ]);

    const samples = new Map<string, Sample[]>();
    const add = (key: string, s: Sample) => samples.set(key, [...(samples.get(key) ?? []), s]);
    // One warm-up of each (file cache; the plan cache gets each deck's plan), then rounds alternating tools and workloads.
    for (const [, t] of startup) measure(t.argv, t.env);
    for (const w of WORKLOADS) for (const [, t] of tools) measure(t.argv(w), t.env);
    const cached = readdirSync(plans).filter((n) => n.endsWith(".plan")).length;
    if (cached !== WORKLOADS.length) throw new Error(`the plan cache holds ${cached} plans after the warm-up, not ${WORKLOADS.length}: the warm rounds would not be warm`);
    for (let round = 0; round < rounds; round++) {
      for (const [name, t] of startup) add(name, measure(t.argv, t.env));
      for (const w of WORKLOADS) for (const [tool, t] of tools) add(`${tool} ${w.name}`, measure(t.argv(w), t.env));
    }

    const t = (key: string) => median(samples.get(key)!.map((s) => s.seconds));
    const rss = (key: string) => median(samples.get(key)!.map((s) => s.rssMiB));
    console.log(`versus: labrun, txm 8 (its default: as many jobs as cores) and an expect script, ${rounds} rounds alternated (medians; peak RSS in MiB)`);
    console.log(`labrun: plan cache warm (its ${cached} decks' plans cached by the warm-up round) and cold (LABRUN_CACHE=off: each plan made)`);
    console.log("");
    console.log("| workload | labrun, cache warm | labrun, cold | txm | expect | labrun/txm warm | cold |");
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const w of WORKLOADS) {
      const [l, c, x, e] = ["labrun", "labrun cold", "txm", "expect"].map((tool) => `${tool} ${w.name}`) as [string, string, string, string];
      console.log(
        `| ${w.name}: ${w.what} | ${secs(t(l))}, ${rss(l).toFixed(0)} MiB | ${secs(t(c))}, ${rss(c).toFixed(0)} MiB | ${secs(t(x))}, ${rss(x).toFixed(0)} MiB | ${secs(t(e))} | ${(t(l) / t(x)).toFixed(2)}x | ${(t(c) / t(x)).toFixed(2)}x |`,
      );
    }
    const perStep = (tool: string) => ((t(`${tool} A`) - t(`${tool} D`)) / 299) * 1000;
    console.log("");
    console.log(
      `per step on A ((A - D) / 299): labrun ${fmt(perStep("labrun"))} warm, ${fmt(perStep("labrun cold"))} cold, txm ${fmt(perStep("txm"))}, expect ${fmt(perStep("expect"))}; labrun/expect ${(perStep("labrun") / perStep("expect")).toFixed(2)}x warm, ${(perStep("labrun cold") / perStep("expect")).toFixed(2)}x cold (target: within 3x)`,
    );
    const node = t("node -e 0");
    for (const name of ["labrun --help", "labrun plan (D)", "labrun plan (D) cold"]) {
      console.log(`${name.padEnd(21)} ${secs(t(name))}, ${rss(name).toFixed(0)} MiB: ${(t(name) / node).toFixed(2)}x of node -e 0 (${secs(node)}) (target: within 3x)`);
    }
    const [bare, raw, fixed] = [t("node-pty reading C"), t("node-pty reading C, -onlcr"), t("labrun D") - t("node -e 0")];
    console.log(
      `C's floor, node-pty alone reading the 20 MB from a terminal: ${secs(bare)} (labrun/that: ${(t("labrun C") / bare).toFixed(2)}x; labrun's C minus its start-up (D - node -e 0, ${secs(fixed)}): ${(
        (t("labrun C") - fixed) / bare
      ).toFixed(2)}x; txm reads a pipe, not a terminal)`,
    );
    console.log(`  with the kernel's \\n -> \\r\\n off (stty -onlcr): ${secs(raw)}, ${(raw / t("txm C")).toFixed(2)}x txm's C: the least a terminal reader can take`);
    console.log(`peak RSS: run --ci of D ${rss("labrun D").toFixed(0)} MiB warm, ${rss("labrun cold D").toFixed(0)} MiB cold (target: under 80), of C ${rss("labrun C").toFixed(0)} MiB (target: under 120)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
