import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { execa } from "execa";
import { ROOT } from "./helpers.js";
import { loadDeck } from "../src/deck/load.js";

// A deck reads only its own files: each case is a repository (a folder with a .git) in a temp
// dir, a secret beside it, and a deck whose one step would create a file.
const SECRET = "TOP-SECRET-0f3a9c";

/** The CLI from source, as helpers' cli() runs it, but in the temp dir (so tsx is imported by its path). */
async function cli(args: readonly string[], opts: { cwd: string; timeoutMs?: number }) {
  const tsx = pathToFileURL(join(ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
  const r = await execa(process.execPath, ["--import", tsx, join(ROOT, "src/main.ts"), ...args], {
    cwd: opts.cwd,
    timeout: opts.timeoutMs ?? 60_000,
    reject: false,
    stdin: "ignore",
  });
  return { code: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let repo: string;
let ran: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "labrun-deckfiles-"));
  repo = join(dir, "repo");
  mkdirSync(join(repo, ".git"), { recursive: true });
  mkdirSync(join(repo, "slides"));
  mkdirSync(join(repo, "k8s"));
  writeFileSync(join(dir, "secret.md"), `# ${SECRET}\n\n.exercise[\n- \`\`\`bash\n  echo ${SECRET}\n  \`\`\`\n]\n`);
  ran = join(dir, "ran");
  write("slides/step.md", `## A step\n\n.exercise[\n\n- Run:\n  \`\`\`bash\n  touch ${ran}\n  \`\`\`\n\n]\n`);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(path: string, text: string): string {
  const abs = join(repo, path);
  writeFileSync(abs, text);
  return abs;
}

function manifest(...entries: string[]): string {
  return write("slides/course.yml", `title: Course\ncontent:\n- step.md\n${entries.map((e) => `- ${e}\n`).join("")}`);
}

/** plan, lint and run --ci all refuse the deck: exit 2, the one line on stderr, nothing ran, nothing leaked. */
async function refused(deck: string, line: RegExp, opts: { leak?: string } = {}): Promise<void> {
  const commands = [["plan", deck], ["lint", deck], ["run", deck, "--ci", "--no-preflight"]];
  const results = await Promise.all(commands.map((args) => cli(args, { cwd: dir, timeoutMs: 30_000 })));
  for (const [i, args] of commands.entries()) {
    const r = results[i]!;
    const what = `${args.join(" ")}: ${r.stderr}`;
    expect(r.code, what).toBe(2);
    expect(r.stderr.trimEnd().split("\n"), what).toHaveLength(1);
    expect(r.stderr.trimEnd(), what).toMatch(line);
    for (const leak of [SECRET, opts.leak ?? SECRET]) {
      expect(r.stdout + r.stderr, what).not.toContain(leak);
    }
    expect(existsSync(ran), `${what}: a step ran`).toBe(false);
  }
}

describe("a manifest entry outside the deck's repository is refused", () => {
  it("an absolute path", async () => {
    manifest(join(dir, "secret.md"));
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/course\.yml:4:3: content entry '.*secret\.md' is outside the deck's repository .*repo: a deck reads only its own files$/);
  }, 120_000);

  it("/etc/passwd", async () => {
    manifest("/etc/passwd");
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/course\.yml:4:3: content entry '\/etc\/passwd' is outside the deck's repository/, { leak: "root:x:0:0" });
  }, 120_000);

  it("a path going up with ../", async () => {
    manifest("../../secret.md");
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/course\.yml:4:3: content entry '\.\.\/\.\.\/secret\.md' is outside the deck's repository/);
  }, 120_000);

  it("a symlink in the repository that points outside, as an entry, in a folder deck, and as the deck", async () => {
    symlinkSync(join(dir, "secret.md"), join(repo, "slides", "link.md"));
    manifest("link.md");
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/course\.yml:4:3: content entry 'link\.md' is outside the deck's repository .*repo \(it leads to .*secret\.md\)/);
    await refused("repo/slides", /^labrun: repo\/slides\/link\.md: is outside the deck's repository .*repo \(it leads to .*secret\.md\)/);
    await refused("repo/slides/link.md", /^labrun: repo\/slides\/link\.md: is outside the deck's repository/);
  }, 300_000);

  it("a symlink that stays in the repository is followed", async () => {
    symlinkSync(join(repo, "slides", "step.md"), join(repo, "slides", "again.md"));
    manifest("again.md");
    const r = await cli(["plan", "repo/slides/course.yml"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/touch /g)).toHaveLength(2);
  });
});

describe("only regular files are read", () => {
  it("/dev/zero is refused at once", async () => {
    manifest("/dev/zero");
    // Inside the repository too: a symlink to it.
    symlinkSync("/dev/zero", join(repo, "slides", "zero.md"));
    write("slides/zero.yml", "content:\n- step.md\n- zero.md\n");
    await refused("repo/slides/zero.yml", /^labrun: repo\/slides\/zero\.yml:3:3: content entry 'zero\.md' is outside the deck's repository .*\(it leads to \/dev\/zero\)/);
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/course\.yml:4:3: content entry '\/dev\/zero' is outside the deck's repository/);
    await refused("/dev/zero", /^labrun: \/dev\/zero: is a character device, not a regular file$/);
  }, 300_000);

  it("a FIFO is never opened (opening one blocks)", async () => {
    execFileSync("mkfifo", [join(repo, "slides", "pipe.md")]);
    manifest("pipe.md");
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/course\.yml:4:3: content entry 'pipe\.md' is a FIFO, not a regular file$/);
    write("slides/include.md", "## Include\n\n@@INCLUDE[slides/pipe.md]\n");
    await refused("repo/slides/include.md", /^labrun: repo\/slides\/include\.md:3:1: @@INCLUDE\[slides\/pipe\.md\] is a FIFO, not a regular file$/);
  }, 300_000);
});

describe("size limits", () => {
  it("a file over limits.fileSize is refused; a config raising it lets it in", async () => {
    write("slides/big.md", `## Big\n\n${"A line of a long slide.\n".repeat(100)}`); // 2.4 KB
    manifest("big.md");
    writeFileSync(join(repo, "slides", "labrun.yml"), "limits: { fileSize: 2KB }\n");
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/course\.yml:4:3: content entry 'big\.md' is larger than the file size limit \(2 KB; limits\.fileSize in labrun\.yml raises it\)$/);
    writeFileSync(join(repo, "slides", "labrun.yml"), "limits: { fileSize: 3KB }\n");
    const r = await cli(["plan", "repo/slides/course.yml"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it("the default limit (4 MB a file) can be raised in the manifest's labrun: key", async () => {
    // An included file of 4.5 MB, kept in a comment so that the slides stay small to parse.
    writeFileSync(join(repo, "k8s", "huge.txt"), "x".repeat(4.5 * 2 ** 20));
    write("slides/huge.md", "## Huge\n\n<!--\n@@INCLUDE[k8s/huge.txt]\n-->\n");
    manifest("huge.md");
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/huge\.md:4:1: @@INCLUDE\[k8s\/huge\.txt\] is larger than the file size limit \(4 MB;/);
    write("slides/course.yml", "title: Course\ncontent:\n- step.md\n- huge.md\nlabrun:\n  limits: { fileSize: 5MB }\n");
    const r = await cli(["plan", "repo/slides/course.yml"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it("the deck's files together over limits.deckSize are refused", async () => {
    write("slides/two.md", `## Two\n\n${"A line of a long slide.\n".repeat(40)}`); // 960 bytes
    manifest("two.md", "two.md");
    writeFileSync(join(repo, "slides", "labrun.yml"), "limits: { deckSize: 2KB }\n");
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/course\.yml:5:3: content entry 'two\.md' takes the deck over its size limit \(2 KB in all; limits\.deckSize in labrun\.yml raises it\)$/);
  }, 120_000);

  it("a bad limit is a config error naming its line", async () => {
    writeFileSync(join(repo, "slides", "labrun.yml"), "env: []\nlimits:\n  fileSize: lots\n");
    manifest();
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/labrun\.yml:3:13: config field 'limits\.fileSize': 'lots' is not a size \(bytes, or a number with KB, MB or GB: 4MB\)$/);
  }, 120_000);
});

describe("cycles are errors naming the chain", () => {
  it("a manifest listing itself", async () => {
    manifest("course.yml");
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/course\.yml:4:3: content entry 'course\.yml' is this manifest: a cycle \(repo\/slides\/course\.yml -> repo\/slides\/course\.yml\)$/);
  }, 120_000);

  it("a manifest listing another manifest: manifests do not nest, b.yml is not read as slides", async () => {
    // b.yml is a course of its own, with Markdown in it: read as Markdown, its step would run.
    write("slides/b.yml", `title: B\ncontent:\n- |\n  ## B\n\n  .exercise[\n\n  \`\`\`bash\n  touch ${ran}\n  \`\`\`\n\n  ]\n`);
    write("slides/a.yml", "title: A\ncontent:\n- b.yml\n");
    await refused("repo/slides/a.yml", /^labrun: repo\/slides\/a\.yml:3:3: content entry 'b\.yml' is a manifest: a course's entries are Markdown files \(manifests do not nest\)$/);
  }, 120_000);

  it("a.yml lists b.yml, which lists a.yml", async () => {
    write("slides/a.yml", "title: A\ncontent:\n- |\n  ## Inline\n\n  Text.\n- b.yaml\n");
    write("slides/b.yaml", "title: B\ncontent:\n- step.md\n- a.yml\n");
    await refused("repo/slides/a.yml", /^labrun: repo\/slides\/a\.yml:7:3: content entry 'b\.yaml' is a manifest: a course's entries are Markdown files \(manifests do not nest\)$/);
    await refused("repo/slides/b.yaml", /^labrun: repo\/slides\/b\.yaml:4:3: content entry 'a\.yml' is a manifest: a course's entries are Markdown files \(manifests do not nest\)$/);
  }, 300_000);

  it("a.md includes b.md, which includes a.md", async () => {
    write("slides/a.md", "## A\n\n@@INCLUDE[slides/b.md]\n");
    write("slides/b.md", "B\n\n\n@@INCLUDE[slides/a.md]\n");
    manifest("a.md");
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/b\.md:4:1: @@INCLUDE\[slides\/a\.md\] makes a cycle: repo\/slides\/a\.md -> repo\/slides\/b\.md -> repo\/slides\/a\.md$/);
  }, 120_000);

  it("a file including itself", async () => {
    write("slides/self.md", "## Self\n\nthen @@INCLUDE[slides/self.md]\n");
    await refused("repo/slides/self.md", /^labrun: repo\/slides\/self\.md:3:6: @@INCLUDE\[slides\/self\.md\] makes a cycle: repo\/slides\/self\.md -> repo\/slides\/self\.md$/);
  }, 120_000);

  it("an include included twice, not in a cycle, is fine; nested includes expand", async () => {
    write("k8s/leaf.yaml", "kind: Leaf\n");
    write("k8s/mid.md", "@@INCLUDE[k8s/leaf.yaml]\n");
    write("slides/twice.md", "## Twice\n\n```\n@@INCLUDE[k8s/mid.md]\n@@INCLUDE[k8s/leaf.yaml]\n```\n");
    const r = await cli(["lint", "repo/slides/twice.md"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const text = (await loadDeck(join(repo, "slides", "twice.md"))).files[0]!.text;
    expect(text).toBe("## Twice\n\n```\nkind: Leaf\nkind: Leaf\n```\n");
  });
});

describe("@@INCLUDE outside the repository", () => {
  it("a path going up, an absolute one, a symlink", async () => {
    write("slides/up.md", "## Up\n\n@@INCLUDE[../secret.md]\n");
    manifest("up.md");
    await refused("repo/slides/course.yml", /^labrun: repo\/slides\/up\.md:3:1: @@INCLUDE\[\.\.\/secret\.md\] is outside the deck's repository .*repo: a deck reads only its own files$/);
    write("slides/abs.md", "## Abs\n\n.exercise[\n- `@@INCLUDE[/etc/passwd]`\n]\n");
    await refused("repo/slides/abs.md", /^labrun: repo\/slides\/abs\.md:4:4: @@INCLUDE\[\/etc\/passwd\] is outside the deck's repository/, { leak: "root:x:0:0" });
    symlinkSync(join(dir, "secret.md"), join(repo, "k8s", "link.yaml"));
    write("slides/link.md", "## Link\n\n@@INCLUDE[k8s/link.yaml]\n");
    await refused("repo/slides/link.md", /^labrun: repo\/slides\/link\.md:3:1: @@INCLUDE\[k8s\/link\.yaml\] is outside the deck's repository .*\(it leads to .*secret\.md\): a deck reads only its own files$/);
  }, 300_000);
});
