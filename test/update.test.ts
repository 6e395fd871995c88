import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planDeck } from "../src/index.js";
import { updatedExpectation } from "../src/update/updated-expectation.js";
import { applyEdits, planUpdates, type StaleExpectation } from "../src/update/plan-updates.js";
import { cli, fixture } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "labrun-update-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const texts = (r: ReturnType<typeof updatedExpectation>) => ("lines" in r ? r.lines.map((l) => l.text).join("\n") : `refused: ${r.refused}`);

describe("the updated expectation (values)", () => {
  it("takes the output, keeping the slide's lines that still match through a placeholder, as written", () => {
    const r = updatedExpectation(
      "tool version 1.0\npod/web-xxxxx   Running   X.X.X.X\nport 3xxxx\n<name>  ready",
      "tool version 2.0\npod/web-abc12   Running   10.1.2.3\nport 31234\nweb  ready\nextra line\n",
    );
    expect(texts(r)).toBe("tool version 2.0\npod/web-xxxxx   Running   X.X.X.X\nport 3xxxx\n<name>  ready\nextra line");
    expect("lines" in r && r.lines.map((l) => l.kept)).toEqual([undefined, 1, 2, 3, undefined]);
  });

  it("keeps a `...` line standing for the lines it covers, and changes the lines around it", () => {
    expect(texts(updatedExpectation("first\n...\ntotal 3", "first\na\nb\ntotal 4"))).toBe("first\n...\ntotal 4");
    expect(texts(updatedExpectation("...\nStatus: Running", "a\nb\nStatus: Pending"))).toBe("...\nStatus: Pending");
  });

  it("drops colours, control characters, trailing spaces and blank edges of the output; keeps tabs and inner spaces", () => {
    expect(texts(updatedExpectation("ready: 2", "\r\n\x1b[1;32mready\x1b[0m: 3 pods\t(all)   \r\nsecond\x07 line  \r\n\r\n"))).toBe("ready: 3 pods\t(all)\nsecond line");
  });

  it("updates a fragment where it lines up with the output, not with all of it", () => {
    const r = updatedExpectation("Name: web\nStatus: Running", "Labels: x\nName: web\nStatus: Pending\nIP: 10.0.0.1", { fragment: true });
    expect(texts(r)).toBe("Name: web\nStatus: Pending");
    // A one-line fragment with nothing left of it: the output line most like it, or nothing when none is.
    expect(texts(updatedExpectation("Status: Running", "Labels: x\nStatus: Pending\nIP: 10.0.0.1", { fragment: true }))).toBe("Status: Pending");
    expect(texts(updatedExpectation("Status: Running", "alpha\nbeta", { fragment: true }))).toMatch(/^refused: a fragment/);
  });

  it("refuses what it cannot write faithfully: a regular expression, an empty output", () => {
    expect(texts(updatedExpectation("/ready \\d+/", "not yet"))).toMatch(/^refused: a regular expression/);
    expect(texts(updatedExpectation("anything", "regex me", { lang: "regex" }))).toMatch(/^refused: a regular expression/);
    expect(texts(updatedExpectation("hello", "\n\n"))).toBe("refused: the command printed nothing");
  });

  it("writes a JSON block as the output's JSON, which then matches as JSON", () => {
    expect(texts(updatedExpectation('{"repositories":["busybox"]}', '{"repositories":["alpine"]}\n', { lang: "json" }))).toBe('{"repositories":["alpine"]}');
  });
});

const stale = (file: string, line: number, expected: string, actual: string, more: Partial<StaleExpectation> = {}): StaleExpectation => ({
  where: `${file}:${line}`,
  expected,
  actual,
  block: { file, line, endLine: line + expected.split("\n").length - 1, hidden: false },
  masking: false,
  ...more,
});

describe("the plan of edits (values)", () => {
  it("keeps the list's indentation, the fence, a kept line byte for byte, and every other line", () => {
    const source = "- a\n  - b\n    - c:\n      ```\n      v1   \n      pod-xxxxx  \n      ```\n- after\n";
    const plan = planUpdates([stale("s.md", 5, "v1\npod-xxxxx", "v2\npod-abc12\nnew")], new Map([["s.md", source]]));
    expect(plan.refused).toEqual([]);
    expect(plan.edits).toEqual([{ file: "s.md", line: 5, endLine: 6, lines: ["      v2", "      pod-xxxxx  ", "      new"], eol: "\n", where: "s.md:5" }]);
    expect(applyEdits(source, plan.edits).text).toBe("- a\n  - b\n    - c:\n      ```\n      v2\n      pod-xxxxx  \n      new\n      ```\n- after\n");
  });

  it("writes CRLF in a CRLF file, a blockquote's `>` and tabs of the container, and blank lines without trailing spaces", () => {
    const crlf = "x\r\n```\r\nold\r\n```\r\n";
    const p1 = planUpdates([stale("c.md", 3, "old", "new\n\nlast")], new Map([["c.md", crlf]]));
    expect(applyEdits(crlf, p1.edits).text).toBe("x\r\n```\r\nnew\r\n\r\nlast\r\n```\r\n");
    const quoted = "> ```\n> old\n> ```\n";
    const p2 = planUpdates([stale("q.md", 2, "old", "new\n\nlast")], new Map([["q.md", quoted]]));
    expect(applyEdits(quoted, p2.edits).text).toBe("> ```\n> new\n>\n> last\n> ```\n");
    const tabbed = "-\t```\n\told\n\t```\n";
    const p3 = planUpdates([stale("t.md", 2, "old", "new")], new Map([["t.md", tabbed]]));
    expect(applyEdits(tabbed, p3.edits).text).toBe("-\t```\n\tnew\n\t```\n");
  });

  it("edits several blocks of one file by their own lines, and says where each is afterwards", () => {
    const source = "```\na\n```\n\n```\nb\n```\n";
    const plan = planUpdates([stale("m.md", 6, "b", "B"), stale("m.md", 2, "a", "A1\nA2\nA3")], new Map([["m.md", source]]));
    const { text, lines } = applyEdits(source, plan.edits);
    expect(text).toBe("```\nA1\nA2\nA3\n```\n\n```\nB\n```\n");
    expect(plan.edits.map((e) => lines.get(e))).toEqual([8, 2]);
  });

  it("changes nothing when the block already says it", () => {
    const plan = planUpdates([stale("n.md", 2, "same   here", "same here\n")], new Map([["n.md", "```\nsame   here\n```\n"]]));
    expect(plan).toEqual({ edits: [], refused: [] });
  });

  it("leaves a block as it is, with why: a masked value, output cut short, a line that would end the block or run, a file changed", () => {
    const src = new Map([["f.md", "```\nold\n```\n"]]);
    const why = (s: StaleExpectation) => planUpdates([s], src).refused.map((r) => r.reason);
    expect(why(stale("f.md", 2, "old", "token ****", { masking: true }))).toEqual([expect.stringMatching(/masked value/)]);
    expect(why(stale("f.md", 2, "old", "a\n[labrun: 5000 characters of output not kept]\nb"))).toEqual([expect.stringMatching(/too long/)]);
    expect(why(stale("f.md", 2, "old", "a\n```\nb"))).toEqual([expect.stringMatching(/close the code block/)]);
    expect(why(stale("f.md", 2, "old", "a\n$ rm -rf x\nb"))).toEqual([expect.stringMatching(/prompt and a command/)]);
    expect(why(stale("f.md", 2, "old", "a --> b", { block: { file: "f.md", line: 2, endLine: 2, hidden: true } }))).toEqual([expect.stringMatching(/HTML comment/)]);
    expect(why(stale("f.md", 2, "older", "new"))).toEqual([expect.stringMatching(/not the one the slide showed/)]);
    expect(why(stale("f.md", 2, "old", "new", { block: undefined }))).toEqual([expect.stringMatching(/not lines of one file/)]);
    // Without --mask, `****` is what the command printed.
    expect(planUpdates([stale("f.md", 2, "old", "****")], src).edits).toHaveLength(1);
  });
});

describe("where an expected output is (the parser's ranges)", () => {
  it("gives each expect step its lines: announced blocks, transcript outputs, hidden blocks", async () => {
    const planned = await planDeck(fixture("update", "stale.md"));
    const ranges = planned.parsed.steps.filter((s) => s.kind === "expect").map((s) => [s.line, s.expectedBlock?.line, s.expectedBlock?.endLine, s.expectedBlock?.hidden]);
    expect(ranges).toEqual([
      [15, 15, 20, false],
      [34, 34, 34, false],
      [36, 36, 36, false],
      [52, 52, 52, true],
      [72, 72, 73, false],
      [91, 91, 91, false],
      [109, 109, 109, false],
    ]);
  });
});

/** A copy of a fixture in the work folder. */
function copy(name: string): string {
  const to = join(work, `${Math.random().toString(36).slice(2)}-${name}`);
  copyFileSync(fixture("update", name), to);
  return to;
}

describe("labrun run DECK --update (real shell)", () => {
  it("rewrites the stale blocks (nested lists, placeholders, a transcript, a hidden one, colours): byte for byte the expected file; a second run passes; a second --update changes nothing", async () => {
    const deck = copy("stale.md");
    const first = await cli(["run", deck, "--update"]);
    expect(first.stdout).toContain("labrun: --update: 4 expected outputs updated");
    for (const line of [15, 34, 52, 72]) expect(first.stdout).toContain(`  updated  ${deck}:${line}\n`);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(readFileSync(deck, "utf8")).toBe(readFileSync(fixture("update", "stale.updated.md"), "utf8"));
    // The loose expectation only warned: it is not touched.
    expect(readFileSync(deck, "utf8")).toContain("something else entirely");

    const second = await cli(["run", deck, "--ci"]);
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toMatch(/0 failed/);

    const again = await cli(["run", deck, "--update"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("labrun: --update: no expected output to update");
    expect(readFileSync(deck, "utf8")).toBe(readFileSync(fixture("update", "stale.updated.md"), "utf8"));
  }, 120_000);

  it("updates loose expectations too with --strict-expectations", async () => {
    const deck = copy("stale.md");
    const r = await cli(["run", deck, "--update", "--strict-expectations", "--only", "Loose"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(deck, "utf8")).toBe(readFileSync(fixture("update", "stale.md"), "utf8").replace("something else entirely", "actual loose"));
  }, 60_000);

  it("keeps a CRLF file CRLF", async () => {
    const deck = join(work, "crlf.md");
    const lines = ["## CRLF", "", ".exercise[", "", "- Run:", "  ```bash", "  printf 'new value\\nsecond\\n'", "  ```", "", "- We should see:", "  ```", "  old value", "  second", "  ```", "", "]", ""];
    writeFileSync(deck, lines.join("\r\n"));
    const r = await cli(["run", deck, "--update"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`updated  ${deck}:12`);
    expect(readFileSync(deck, "utf8")).toBe([...lines.slice(0, 11), "  new value", ...lines.slice(12)].join("\r\n"));
  }, 60_000);

  it("writes to the file each block came from: Markdown in a manifest, an included file, a file it includes", async () => {
    const repo = join(work, "repo");
    mkdirSync(join(repo, "slides"), { recursive: true });
    mkdirSync(join(repo, "shared"), { recursive: true });
    const exercise = (cmd: string, old: string) => `.exercise[\n\n- Run:\n  \`\`\`bash\n  ${cmd}\n  \`\`\`\n\n]\n\nWe should see:\n\`\`\`\n${old}\n\`\`\`\n`;
    const manifest = `title: Update\ncontent:\n  - |\n    ## Inline\n\n${exercise("echo inline new", "inline old").split("\n").map((l) => (l ? `    ${l}` : l)).join("\n")}\n  - main.md\n`;
    const files: Record<string, string> = {
      "slides/course.yml": manifest,
      "slides/main.md": `## Main\n\n@@INCLUDE[shared/lab.md]\n\n## After\n\n${exercise("echo after new", "after old")}`,
      "shared/lab.md": `---\n\n## Included\n\n${exercise("echo included new", "included old")}\n---\n\n@@INCLUDE[shared/nested.md]\n`,
      "shared/nested.md": "## Nested\n\n.exercise[\n\n- Run:\n  ```bash\n  $ echo nested new\n  nested old\n  ```\n\n]\n",
    };
    for (const [path, text] of Object.entries(files)) writeFileSync(join(repo, path), text);
    const r = await cli(["run", join(repo, "slides", "course.yml"), "--update"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("4 expected outputs updated");
    for (const [path, text] of Object.entries(files)) {
      const want = text.replace(/(inline|after|included|nested) old/, "$1 new");
      expect(readFileSync(join(repo, path), "utf8"), path).toBe(want);
    }
  }, 120_000);

  it("never writes a masked value: the block is left as it is, said, and the run fails", async () => {
    const deck = join(work, "secret.md");
    const text = "## Secret\n\n.exercise[\n\n- Run:\n  ```bash\n  echo \"token: $TOKEN\"\n  ```\n\n]\n\nWe should see:\n```\ntoken: nothing yet\n```\n";
    writeFileSync(deck, text);
    const r = await cli(["run", deck, "--update", "--env", "TOKEN=s3cr3t-value", "--mask", "TOKEN"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`left     ${deck}:14: the output shows a masked value (****)`);
    expect(r.stdout + r.stderr).not.toContain("s3cr3t-value");
    expect(readFileSync(deck, "utf8")).toBe(text);
  }, 60_000);
});

/**
 * Whether a file can be made immutable here (`chattr +i`: root, or CAP_LINUX_IMMUTABLE, on a file
 * system with the flag, as ext4). Then renaming another file over it fails, even for root, who
 * ignores permissions: the one real way found to make the final rename of an atomic write fail.
 */
function immutableFiles(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "labrun-chattr-"));
  try {
    writeFileSync(join(dir, "f"), "");
    const r = spawnSync("chattr", ["+i", join(dir, "f")], { encoding: "utf8" });
    if (r.error || r.status !== 0) return `chattr +i is not possible here (${r.error?.message ?? r.stderr.trim()})`;
    spawnSync("chattr", ["-i", join(dir, "f")]);
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const noImmutable = immutableFiles();
if (noImmutable) console.warn(`--update failing-rename test skipped: ${noImmutable}`);

describe("labrun run DECK --update writes atomically (real shell)", () => {
  const text = "## Stale\n\n.exercise[\n\n- Run:\n  ```bash\n  printf 'new value\\n'\n  ```\n\n]\n\nWe should see:\n```\nold value\n```\n\nAfter the block: unchanged.\n";
  /** The deck alone in a folder of its own, with mode `mode`: what the folder holds is then exactly known. */
  function deckIn(name: string, mode: number): { dir: string; deck: string } {
    const dir = join(work, name);
    mkdirSync(dir);
    const deck = join(dir, "deck.md");
    writeFileSync(deck, text);
    chmodSync(deck, mode);
    return { dir, deck };
  }

  it("keeps the slide file's mode, replaces it by a rename (a new inode), and leaves no temp file beside it", async () => {
    const { dir, deck } = deckIn("mode", 0o640);
    const before = statSync(deck);
    const r = await cli(["run", deck, "--update"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`  updated  ${deck}:14\n`);
    expect(readFileSync(deck, "utf8")).toBe(text.replace("old value", "new value"));
    const after = statSync(deck);
    expect((after.mode & 0o7777).toString(8)).toBe("640");
    // Written to a temp file and renamed over: a reader sees the old file or the new one, never half of one.
    expect(after.ino).not.toBe(before.ino);
    expect(readdirSync(dir)).toEqual(["deck.md"]);
  }, 60_000);

  it.skipIf(process.getuid?.() !== 0)("run as root, keeps the slide file's owner and group (nobody's file stays nobody's)", async () => {
    const { deck } = deckIn("owner", 0o644);
    const nobody = Number(spawnSync("id", ["-u", "nobody"], { encoding: "utf8" }).stdout.trim());
    const nogroup = Number(spawnSync("id", ["-g", "nobody"], { encoding: "utf8" }).stdout.trim());
    chownSync(deck, nobody, nogroup);
    const r = await cli(["run", deck, "--update"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readFileSync(deck, "utf8")).toBe(text.replace("old value", "new value"));
    const after = statSync(deck);
    expect([after.uid, after.gid]).toEqual([nobody, nogroup]);
    expect((after.mode & 0o7777).toString(8)).toBe("644");
  }, 60_000);

  it.skipIf(noImmutable !== undefined)("a rename that fails leaves the slide file byte for byte as it was, and no temp file; the run says so and fails", async () => {
    const { dir, deck } = deckIn("locked", 0o640);
    const before = readFileSync(deck);
    const ino = statSync(deck).ino;
    expect(spawnSync("chattr", ["+i", deck]).status).toBe(0);
    try {
      const r = await cli(["run", deck, "--update"]);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain("labrun: --update: 0 expected outputs updated, 1 left as it is");
      // The new text was written whole to the temp file; only the rename over the slide failed.
      const left = r.stdout.split("\n").filter((l) => l.startsWith("  left "));
      expect(left).toEqual([expect.stringMatching(/: EPERM: operation not permitted, rename '.*\/\.deck\.md\.\d+\.[0-9a-f]+\.tmp' -> '.*\/deck\.md'$/)]);
      expect(left[0]!.startsWith(`  left     ${deck}:14: could not write ${deck}: `)).toBe(true);
    } finally {
      spawnSync("chattr", ["-i", deck]);
    }
    expect(readFileSync(deck).equals(before)).toBe(true);
    expect(statSync(deck).ino).toBe(ino);
    expect((statSync(deck).mode & 0o7777).toString(8)).toBe("640");
    expect(readdirSync(dir)).toEqual(["deck.md"]);
  }, 60_000);
});
