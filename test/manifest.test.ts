import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { loadDeck } from "../src/deck/load.js";
import { substitute, manifestValues, type SubstituteOptions } from "../src/deck/placeholders.js";
import { parseDeck } from "../src/parse/parse-deck.js";
import { splitSlides } from "../src/parse/slides.js";
import { buildGraph } from "../src/graph/build.js";
import { initShellParser } from "../src/graph/shell.js";
import { lint } from "../src/lint/lint.js";
import { DeckError } from "../src/problem.js";
import { main } from "../src/cli.js";
import { slideLines } from "../src/ui/markdown.js";
import { fixture } from "./helpers.js";

const repo = (...p: string[]) => fixture("manifest", "repo", ...p);

beforeAll(async () => {
  await initShellParser();
});

async function plan(path: string) {
  const parsed = parseDeck(await loadDeck(path));
  return { parsed, graph: buildGraph(parsed) };
}

/** The 1-based line of the first line of `file` that contains `text`. */
function lineOf(file: string, text: string, after = 0): number {
  const i = readFileSync(file, "utf8").split("\n").findIndex((l, n) => n >= after && l.includes(text));
  if (i < 0) throw new Error(`'${text}' not in ${file}`);
  return i + 1;
}

describe("manifest parts", () => {
  it("follows content: nested to any depth, in order, with YAML comments ignored", async () => {
    const deck = await loadDeck(repo("slides/course.yml"));
    expect(deck.files.map((f) => f.key)).toEqual([
      "intro",
      "parts/one",
      "parts/deeper/two",
      "course/inline-1",
      "parts/deeper/three",
      "include",
      "course/inline-2",
    ]);
  });

  it("reads chapters: (the 2018 courses) like content:", async () => {
    const { graph } = await plan(repo("slides/chapters.yml"));
    expect(graph.steps.map((s) => s.text)).toEqual([
      "git clone https://github.com/example/course",
      "echo one",
      "echo two",
      "echo self-paced",
      "echo three",
    ]);
  });

  it("drops the slides of excluded classes", async () => {
    const { graph } = await plan(repo("slides/course.yml"));
    expect(graph.steps.map((s) => s.text)).not.toContain("echo self-paced");
  });

  it("reads slide properties separated by blank lines, as remark.js does (the courses' inline title slides)", async () => {
    const [slide] = splitSlides("name: part-2\n\nclass: title, self-paced\n\nPart two");
    expect(slide!.properties).toMatchObject({ name: "part-2", classes: ["title", "self-paced"] });
    const { parsed } = await plan(repo("slides/course.yml"));
    expect(parsed.slides.map((s) => s.markdown).join("\n")).not.toContain("Part two");
  });

  it("takes a multi-line string for Markdown in place, its slides placed in the manifest", async () => {
    const manifest = repo("slides/course.yml");
    const { parsed } = await plan(manifest);
    const step = parsed.steps.find((s) => s.text.startsWith('echo "from'))!;
    expect(step.text).toBe('echo "from github.com/example/course"');
    expect(step.file).toMatch(/course\.yml$/);
    expect(step.line).toBe(lineOf(manifest, 'echo "from @@GITREPO@@"'));
    // The block is indented by 6 in the manifest; the fence is 2 deeper in the list item.
    expect(step.column).toBe(9);
    const slide = parsed.slides.find((s) => s.title === "Inline lab")!;
    expect(slide.file).toMatch(/course\.yml$/);
    expect(slide.line).toBe(lineOf(manifest, "      ---") + 1);
    expect(parsed.slides.find((s) => s.title === "(Extra content)")!.line).toBe(lineOf(manifest, "- |") + 1);
  });

  it("names the manifest's line for a missing file, however deep", async () => {
    let error: unknown;
    try {
      await loadDeck(repo("slides/missing.yml"));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeckError);
    expect((error as DeckError).format()).toMatch(/missing\.yml:5:7: content entry 'parts\/nope\.md' does not exist$/);
  });

  it("exits 2 with one line for a missing file entry, 0 for a course that loads", async () => {
    const io = (into: string[]) => ({ out: (t: string) => void into.push(t), err: (t: string) => void into.push(t) });
    const bad: string[] = [];
    expect(await main(["plan", repo("slides/missing.yml")], io(bad))).toBe(2);
    expect(bad.join("\n")).toMatch(/^labrun: .*missing\.yml:5:7: content entry 'parts\/nope\.md' does not exist$/);
    const good: string[] = [];
    expect(await main(["plan", repo("slides/course.yml")], io(good))).toBe(0);
    expect(good.join("\n")).toContain("git clone https://github.com/example/course");
  });

  it("names the line of an entry that is neither a file, Markdown nor a list", async () => {
    let error: unknown;
    try {
      await loadDeck(fixture("bad/bad-entry.yml"));
    } catch (e) {
      error = e;
    }
    expect((error as DeckError).format()).toMatch(/bad-entry\.yml:6:7: content entry '2021': expected a file name, Markdown \(a multi-line string\) or a list of them$/);
  });

  it("needs content: or chapters:", async () => {
    let error: unknown;
    try {
      await loadDeck(fixture("bad/no-content.yml"));
    } catch (e) {
      error = e;
    }
    expect((error as DeckError).format()).toMatch(/no-content\.yml:1:1: manifest field '\(document\)': no 'content:' \(or 'chapters:'\)/);
  });
});

describe("placeholders", () => {
  it("fills the manifest's fields in commands and slide text, deriving zip and html as the build does", async () => {
    const { parsed } = await plan(repo("slides/course.yml"));
    expect(parsed.steps[0]!.text).toBe("git clone https://github.com/example/course");
    const slide = parsed.slides.find((s) => s.title === "Getting the code")!;
    expect(slide.markdown).toContain(
      "Slides at https://course.example.com/, or https://course.example.com/slides.zip (then open `course.yml.html`); chat: [Chat](https://chat.example.com).",
    );
    expect(parsed.slides[0]!.markdown).toContain("A course<br/>on two lines<br/>");
  });

  it("shows a filled @@TITLE@@ on its lines in the UI (the build breaks them with <br/>)", async () => {
    const { parsed } = await plan(repo("slides/course.yml"));
    const lines = slideLines(parsed.slides[0]!.markdown, 60).map((l) => l.map((s) => s.text).join(""));
    expect(lines).toContain("A course");
    expect(lines).toContain("on two lines");
  });

  it("makes @@LINK[path] a link to the repository's file, and names a file it cannot see", async () => {
    const { parsed } = await plan(repo("slides/course.yml"));
    const slide = parsed.slides.find((s) => s.title === "Getting the code")!;
    expect(slide.markdown).toContain(
      "The pod is in [k8s/pod.yaml](https://github.com/example/course/tree/master/k8s/pod.yaml), and k8s/nowhere.yaml is not.",
    );
  });

  it("expands @@INCLUDE[path] in place, and the steps after it keep their own lines", async () => {
    const file = repo("slides/include.md");
    const { parsed } = await plan(repo("slides/course.yml"));
    const slide = parsed.slides.find((s) => s.title === "Including a file")!;
    expect(slide.markdown).toContain("```yaml\n" + readFileSync(repo("k8s/pod.yaml"), "utf8") + "```");
    const apply = parsed.steps.find((s) => s.text.startsWith("kubectl apply"))!;
    const get = parsed.steps.find((s) => s.text.startsWith("kubectl get pod"))!;
    expect(apply.line).toBe(lineOf(file, "kubectl apply"));
    expect(get.line).toBe(lineOf(file, "kubectl get pod"));
    expect(parsed.slides.find((s) => s.title === "After the include")!.line).toBe(lineOf(file, "---") + 1);
  });

  it("warns about a placeholder with no value, at its file:line:col, only on the slides shown", async () => {
    const { parsed, graph } = await plan(repo("slides/unfilled.yml"));
    const problems = lint({ parsed, graph, knownVariables: new Set() }).filter((p) => p.ruleId === "placeholder-unfilled");
    const file = repo("slides/unfilled.md");
    expect(problems.map((p) => [p.line, p.column, p.severity])).toEqual([
      [lineOf(file, "Chat: @@CHAT@@"), 7, "warning"],
      [lineOf(file, "echo @@NOPE@@"), 6, "warning"],
      [lineOf(file, "@@INCLUDE[k8s/missing.yaml]"), 1, "warning"],
    ]);
    expect(problems[0]!.message).toBe("@@CHAT@@ has no value: the manifest has no 'chat' field");
    expect(problems[1]!.message).toMatch(/^@@NOPE@@ is not a placeholder the courses' build fills/);
    expect(problems[2]!.message).toMatch(/^@@INCLUDE\[k8s\/missing\.yaml\]: no file 'k8s\/missing\.yaml' in the repository/);
    // Unfilled means left as written; a filled one on the same line is still filled.
    expect(graph.steps[0]!.text).toBe("echo @@NOPE@@ github.com/example/course");
  });
});

describe("placeholders in a deck loaded without its manifest", () => {
  it("are left as written, and lint says which manifest field would fill them", async () => {
    const { parsed, graph } = await plan(repo("slides/intro.md"));
    expect(graph.steps[0]!.text).toBe("git clone https://@@GITREPO@@");
    const problems = lint({ parsed, graph, knownVariables: new Set() }).filter((p) => p.ruleId === "placeholder-unfilled");
    expect(problems.map((p) => p.message)).toContain(
      "@@GITREPO@@ has no value: only a course manifest fills it (its 'gitrepo' field); load the deck from its .yml",
    );
    expect(problems.find((p) => p.message.startsWith("@@GITREPO@@"))).toMatchObject({ line: 15, column: 21 });
  });
});

describe("substitute", () => {
  const options: SubstituteOptions = {
    values: { GITREPO: "github.com/x/y" },
    fromManifest: true,
    link: (path) => ({ text: `[${path}](${path})` }),
    include: (path) => (path === "three.txt" ? { text: "one @@GITREPO@@\ntwo\nthree @@CHAT@@" } : { missing: `no ${path}` }),
  };

  it("leaves text without placeholders as it is, with no line map", () => {
    expect(substitute("a\nb", options)).toEqual({ text: "a\nb", unfilled: [] });
  });

  it("keeps a line map through an include, and places the included text's placeholders at the include", () => {
    const r = substitute("a\n  @@INCLUDE[three.txt] @@HTML@@\nb @@GITREPO@@", options);
    expect(r.text).toBe("a\n  one github.com/x/y\ntwo\nthree @@CHAT@@ @@HTML@@\nb github.com/x/y");
    expect(r.sourceLines).toEqual([1, 2, 2, 2, 3]);
    expect(r.unfilled.map((u) => [u.text, u.textLine, u.line, u.column])).toEqual([
      ["@@CHAT@@", 4, 2, 3],
      ["@@HTML@@", 4, 2, 24],
    ]);
  });

  it("maps lines and columns of Markdown written in a manifest", () => {
    const r = substitute("x\n@@CHAT@@", { ...options, sourceLine: (i) => 10 + i, columnOffset: 4 });
    expect(r.sourceLines).toEqual([10, 11]);
    expect(r.unfilled.map((u) => [u.textLine, u.line, u.column])).toEqual([[2, 11, 5]]);
  });

  it("derives zip and html as the build does, and keeps every value on one line", () => {
    expect(manifestValues({ fileName: "k.yml", slides: "https://s.example", title: "A\nB\n", chat: "a\nb" })).toEqual({
      SLIDES: "https://s.example",
      ZIP: "https://s.example/slides.zip",
      HTML: "k.yml.html",
      TITLE: "A<br/>B<br/>",
      CHAT: "a b",
    });
    expect(manifestValues({ fileName: "k.yml", html: "x.html" })).toEqual({ HTML: "x.html" });
  });
});
