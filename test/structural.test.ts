import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planDeck, lintDeck } from "../src/index.js";
import { formatProblem, structuralErrors } from "../src/problem.js";
import { splitSlides } from "../src/parse/slides.js";
import { runUi } from "../src/ui/run-ui.js";
import { cli, fixture, ROOT, scratchDir } from "./helpers.js";

const deck = (name: string) => `fixtures/structural/${name}`;

async function lintLines(name: string): Promise<string[]> {
  const planned = await planDeck(deck(name));
  return lintDeck(planned, { env: ["WORK"] }).map(formatProblem);
}

describe("structural errors: lint reports each with its own rule id, where it is", () => {
  it("an unclosed fence ends at its slide: the next slide still parses", async () => {
    const lines = await lintLines("fence-unclosed.md");
    expect(lines).toContain(`${deck("fence-unclosed.md")}:11:3: error: fenced code block is never closed on this slide (it ends at the slide's end) (fence-unclosed)`);
    const planned = await planDeck(deck("fence-unclosed.md"));
    expect(planned.parsed.slides.map((s) => s.title)).toEqual(["A fence never closed", "The next slide still parses"]);
    expect(planned.graph.steps.at(-1)).toMatchObject({ text: "touch $WORK/ran-after", line: 22 });
  });

  it("an unclosed comment ends at its slide, and nothing in it is a step", async () => {
    const lines = await lintLines("comment-unclosed.md");
    expect(lines).toContain(`${deck("comment-unclosed.md")}:9:1: error: HTML comment is never closed on this slide (it ends at the slide's end) (comment-unclosed)`);
    const planned = await planDeck(deck("comment-unclosed.md"));
    expect(planned.graph.steps.map((s) => s.text)).toEqual(["touch $WORK/ran-before", "touch $WORK/ran-after"]);
  });

  it("an unclosed macro", async () => {
    expect(await lintLines("macro-unclosed.md")).toEqual([
      `${deck("macro-unclosed.md")}:3:1: error: macro .exercise[ is never closed on this slide (expected a line with ]) (macro-unclosed)`,
    ]);
  });

  it("empty keys, wait, copy, key: one directive-empty each, at the directive", async () => {
    const lines = await lintLines("directive-empty.md");
    const f = deck("directive-empty.md");
    expect(lines).toEqual([
      `${f}:9:6: error: directive 'keys' is empty: it needs the keys to type (directive-empty)`,
      `${f}:10:6: error: directive 'wait' is empty: it needs the text to wait for (directive-empty)`,
      `${f}:12:1: error: directive 'copy' is empty: it needs the text to copy (directive-empty)`,
      `${f}:15:6: error: directive 'key' is empty: it needs the keys to type (directive-empty)`,
    ]);
    // And none of them becomes a step.
    const planned = await planDeck(f);
    expect(planned.graph.steps.map((s) => s.kind)).toEqual(["bash"]);
  });

  it("a YAML document separator inside a closed fence does not split the slide", () => {
    const text = "## a\n\n```yaml\nkind: A\n---\nkind: B\n---\nkind: C\n```\n\n---\n\n## b\n";
    const slides = splitSlides(text);
    expect(slides).toHaveLength(2);
    expect(slides.every((s) => s.unclosed.length === 0)).toBe(true);
  });

  it("a fence that starts a list item or a quote (`- ```bash`, `1. ````, `> ````) opens there: nothing is left open", async () => {
    const dir = scratchDir("labrun-fence-item-");
    const file = join(dir, "deck.md");
    const text = "## a\n\n.exercise[\n\n- ```bash\n  echo one\n  ```\n\n1. ```bash\n   echo two\n   ```\n\n]\n\n> ```\n> quoted\n> ```\n\n---\n\n## b\n\n.exercise[\n\n- ```bash\n  echo three\n  ```\n\n]\n";
    writeFileSync(file, text);
    expect(splitSlides(text).map((slide) => slide.unclosed)).toEqual([[], []]);
    const planned = await planDeck(file);
    expect(structuralErrors(lintDeck(planned))).toEqual([]);
    expect(planned.graph.steps.map((step) => step.text)).toEqual(["echo one", "echo two", "echo three"]);
    // `- ```wait x```` is inline code in a list item, not a fence.
    expect(splitSlides("## a\n\n- ```wait x```\n\n---\n\n## b\n").map((slide) => slide.unclosed)).toEqual([[], []]);
  });

  it("a fence left open meets the next slide's fence: still unclosed, at its own line", () => {
    const text = "## a\n\n```bash\necho a\n\n---\n\n## b\n\n```bash\necho b\n```\n";
    const slides = splitSlides(text);
    expect(slides).toHaveLength(2);
    expect(slides[0]!.unclosed).toEqual([{ kind: "fence", line: 3, column: 1 }]);
    expect(slides[1]!.unclosed).toEqual([]);
  });

  it("a fence open at the end of the file, a comment left open before another comment", () => {
    expect(splitSlides("## a\n\n  ~~~\nx\n")[0]!.unclosed).toEqual([{ kind: "fence", line: 3, column: 3 }]);
    const slides = splitSlides("## a\n<!-- open\n\n---\n\n## b\n<!-- closed -->\n<!--\nx\n-->\n");
    expect(slides).toHaveLength(2);
    expect(slides.map((s) => s.unclosed)).toEqual([[{ kind: "comment", line: 2, column: 1 }], []]);
  });

  it("lint --help lists the structural rules", async () => {
    const help = (await cli(["lint", "--help"])).stdout;
    for (const id of ["fence-unclosed", "comment-unclosed", "macro-unclosed", "directive-empty"]) expect(help).toContain(id);
  });

  it("the bundled decks and the clean fixtures have none", async () => {
    for (const d of [fixture("lint", "clean.md"), fixture("directives.md"), fixture("hidden-lab.md")]) {
      expect(structuralErrors((await planDeck(d)).parsed.problems)).toEqual([]);
    }
  });
});

describe("run refuses a deck with structural errors, unless --force", () => {
  let work: string;
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), "labrun-structural-"));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  for (const name of ["fence-unclosed.md", "comment-unclosed.md", "macro-unclosed.md", "directive-empty.md"]) {
    it(`${name}: exit 2, file:line:col: error lines, and nothing ran`, async () => {
      const r = await cli(["run", deck(name), "--ci", "--env", `WORK=${work}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^\S+:\d+:\d+: error: .* \((fence-unclosed|comment-unclosed|macro-unclosed|directive-empty)\)$/m);
      expect(r.stderr).toMatch(/structural errors?: nothing was run \(--force runs anyway\)/);
      expect(r.stdout).toBe("");
      expect(readdirSync(work)).toEqual([]);
    });
  }

  it("--force runs it anyway (the unclosed comment's commands still do not run)", async () => {
    const r = await cli(["run", deck("comment-unclosed.md"), "--ci", "--force", "--env", `WORK=${work}`]);
    expect(r.code).toBe(0);
    expect(existsSync(join(work, "ran-before"))).toBe(true);
    expect(existsSync(join(work, "ran-after"))).toBe(true);
    expect(existsSync(join(work, "ran-inside"))).toBe(false);
  });

  it("--force on an unclosed fence: the next slide runs too", async () => {
    const r = await cli(["run", deck("fence-unclosed.md"), "--ci", "--force", "--keep-going", "--env", `WORK=${work}`]);
    expect(existsSync(join(work, "ran-before"))).toBe(true);
    expect(existsSync(join(work, "ran-after"))).toBe(true);
    expect([0, 1]).toContain(r.code);
  });

  it("plan still prints the plan, reports the errors and exits 1", async () => {
    const r = await cli(["plan", deck("fence-unclosed.md")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("The next slide still parses");
    expect(r.stderr).toContain("(fence-unclosed)");
    expect(r.stderr).toContain("'run' refuses this deck without --force");
  });

  it("the UI's entry refuses too, before it needs a terminal", async () => {
    const planned = await planDeck(deck("macro-unclosed.md"));
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (written.push(s), true)) as typeof process.stderr.write;
    try {
      const code = await runUi({ source: "d.md", planned, steps: planned.graph.steps, runOptions: { env: { WORK: work } } });
      expect(code).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(written.join("")).toMatch(/macro-unclosed\.md:3:1: error: .*\(macro-unclosed\)\n/);
    expect(written.join("")).toContain("labrun: d.md: 1 structural error: nothing was run");
    expect(readdirSync(work)).toEqual([]);
  });

  it("run --help documents --force", async () => {
    expect((await cli(["run", "--help"])).stdout).toContain("--force");
  });
});

describe("structural errors in prose, outside any exercise: lint warnings that neither plan nor run mind", () => {
  const CORPUS = join(ROOT, "..", "shared", "corpus", "container.training-2021", "slides");
  const volumes = join(CORPUS, "containers", "Working_With_Volumes.md");

  it("a fence, a macro and a comment left open in prose: warnings at their lines, the steps unchanged", async () => {
    const f = deck("prose-unclosed.md");
    expect(await lintLines("prose-unclosed.md")).toEqual([
      `${f}:13:1: warning: fenced code block is never closed on this slide (it ends at the slide's end); it is outside any exercise, so no step changes (fence-unclosed)`,
      `${f}:31:1: warning: macro .small[ is never closed on this slide (expected a line with ]); it is outside any exercise, so no step changes (macro-unclosed)`,
      `${f}:34:1: warning: HTML comment is never closed on this slide (it ends at the slide's end); it is outside any exercise, so no step changes (comment-unclosed)`,
    ]);
    const planned = await planDeck(f);
    expect(planned.graph.steps.map((s) => `${s.line} ${s.text}`)).toEqual(["6 touch $WORK/ran-before", "26 touch $WORK/ran-after", "43 touch $WORK/ran-last"]);
    const r = await cli(["plan", f]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/structural|error/);
  });

  it("run runs such a deck, without --force", async () => {
    const work = scratchDir("labrun-structural-");
    const r = await cli(["run", deck("prose-unclosed.md"), "--ci", "--env", `WORK=${work}`]);
    expect(r.stderr).not.toMatch(/structural|error/);
    expect(r.code).toBe(0);
    expect(readdirSync(work).sort()).toEqual(["ran-after", "ran-before", "ran-last"]);
  });

  it("left open before an exercise on its slide, a fence is still an error: plan exits 1, run refuses", async () => {
    const f = deck("prose-unclosed-before-exercise.md");
    expect(await lintLines("prose-unclosed-before-exercise.md")).toEqual([
      `${f}:5:1: error: fenced code block is never closed on this slide (it ends at the slide's end) (fence-unclosed)`,
    ]);
    expect((await cli(["plan", f])).code).toBe(1);
    const work = scratchDir("labrun-structural-");
    const r = await cli(["run", f, "--ci", "--env", `WORK=${work}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("1 structural error: nothing was run");
    expect(readdirSync(work)).toEqual([]);
  });

  it.skipIf(!existsSync(volumes))("the real course: Working_With_Volumes.md:172 is a warning; plan exits 0", async () => {
    const problems = lintDeck(await planDeck(volumes)).filter((p) => p.ruleId === "fence-unclosed");
    expect(problems.map((p) => `${p.line}:${p.column} ${p.severity}`)).toEqual(["172:1 warning"]);
    const r = await cli(["plan", join(CORPUS, "intro-selfpaced.yml")]);
    expect(r.stderr).not.toContain("structural error");
    expect(r.code).toBe(0);
    const lint = await cli(["lint", join(CORPUS, "intro-selfpaced.yml")]);
    expect(lint.stdout).toContain("Working_With_Volumes.md:172:1: warning: fenced code block is never closed");
    expect(lint.code).toBe(0);
  });
});
