import { describe, it, expect } from "vitest";
import { splitSlides } from "../src/parse/slides.js";
import { findMacros } from "../src/parse/macros.js";
import { parseDirectives } from "../src/parse/directives.js";
import { announcesOutput } from "../src/parse/expectations.js";

describe("splitSlides", () => {
  it("splits at --- and keeps fenced --- inside a slide", () => {
    const slides = splitSlides("# One\n---\n## Two\n```yaml\n---\nkey: v\n```\n---\n## Three");
    expect(slides.map((s) => s.startLine)).toEqual([1, 3, 9]);
    expect(slides[1]!.lines).toEqual(["## Two", "```yaml", "---", "key: v", "```"]);
  });

  it("blanks reveals, notes and properties but keeps line numbers", () => {
    const slides = splitSlides("class: extra-details, pic\nname: intro\n\n## Title\n\ntext\n\n--\n\nmore\n\n???\n\nsecret notes\n```bash\nrm -rf /\n```");
    const [s] = slides;
    expect(s!.properties.classes).toEqual(["extra-details", "pic"]);
    expect(s!.properties.name).toBe("intro");
    expect(s!.reveals).toEqual([8]);
    expect(s!.lines[3]).toBe("## Title");
    expect(s!.lines.slice(11).every((l) => l === "")).toBe(true);
    expect(s!.lines.join("\n")).not.toContain("secret");
  });

  it("is not fooled by a directive fence closing inside a comment", () => {
    const slides = splitSlides("## A\n<!-- ```hide\nkubectl wait x\n``` -->\n---\n## B");
    expect(slides).toHaveLength(2);
  });

  it("reads layout and template properties", () => {
    const [s] = splitSlides("layout: true\ntemplate: base\n\n.footer[x]");
    expect(s!.properties.layout).toBe(true);
    expect(s!.properties.template).toBe("base");
  });
});

describe("findMacros", () => {
  const lines = (t: string) => t.split("\n");

  it("finds an exercise spanning lines with code and lists", () => {
    const { macros, problems } = findMacros(lines(".exercise[\n\n- Do:\n  ```bash\n  echo [x]\n  ]\n  ```\n\n]"), 10, "f.md");
    expect(problems).toEqual([]);
    expect(macros).toEqual([{ name: "exercise", line: 10, column: 1, endLine: 18 }]);
  });

  it("handles one-line macros, links and nested macros", () => {
    const { macros } = findMacros(lines(".lab[\n.warning[Careful [link](http://x)]\n- `a]` b\n]"), 1, "f.md");
    expect(macros.map((m) => [m.name, m.line, m.endLine])).toEqual([
      ["lab", 1, 4],
      ["warning", 2, 2],
    ]);
  });

  it("closes on a ] sharing a line with a directive comment", () => {
    const { macros } = findMacros(lines(".exercise[\n```bash\nls\n```\n<!-- ```keys ^C``` -->]"), 1, "f.md");
    expect(macros[0]!.endLine).toBe(5);
  });

  it("reports a macro never closed", () => {
    const { macros, problems } = findMacros(lines("text\n  .exercise[\n```bash\nls\n```"), 3, "deck.md");
    expect(macros[0]!.endLine).toBeUndefined();
    expect(problems).toEqual([
      expect.objectContaining({ file: "deck.md", line: 4, column: 3, severity: "error", ruleId: "macro-unclosed" }),
    ]);
  });
});

describe("parseDirectives", () => {
  it("reads one-line directives, several per comment", () => {
    const { directives, problems } = parseDirectives("<!-- ```wait units of work done``` ```keys ^C``` -->", 7, 1, "f.md");
    expect(problems).toEqual([]);
    expect(directives).toEqual([
      { name: "wait", arg: "units of work done", line: 7, column: 6 },
      { name: "keys", arg: "^C", line: 7, column: 36 },
    ]);
  });

  it("reads the robot's copypaste as a copy then a paste (swarm/creatingswarm.md)", () => {
    const { directives, problems } = parseDirectives("<!-- ```copypaste docker swarm join --token SWMTKN.*?:2377``` -->", 229, 1, "f.md");
    expect(problems).toEqual([]);
    expect(directives.map((d) => [d.name, d.arg])).toEqual([
      ["copy", "docker swarm join --token SWMTKN.*?:2377"],
      ["paste", ""],
    ]);
  });

  it("reads directives with a body over several lines", () => {
    const html = "<!-- ```hide\nkubectl wait deploy/rng --for condition=available\nkubectl wait deploy/worker --for condition=available\n``` -->";
    const { directives } = parseDirectives(html, 20, 1, "f.md");
    expect(directives).toEqual([
      {
        name: "hide",
        arg: "kubectl wait deploy/rng --for condition=available\nkubectl wait deploy/worker --for condition=available",
        line: 20,
        column: 6,
      },
    ]);
  });

  it("reads a comment whose directives sit on their own lines", () => {
    const { directives } = parseDirectives("<!--\n```wait units of work done, updating hash counter```\n```keys ^C```\n-->", 3, 1, "f.md");
    expect(directives.map((d) => [d.name, d.arg, d.line])).toEqual([
      ["wait", "units of work done, updating hash counter", 4],
      ["keys", "^C", 5],
    ]);
  });

  it("reports unknown directives instead of dropping them", () => {
    const { directives, problems } = parseDirectives("<!-- ```frobnicate x``` ```check``` -->", 2, 1, "f.md");
    expect(directives.map((d) => d.name)).toEqual(["check"]);
    expect(problems).toEqual([expect.objectContaining({ line: 2, ruleId: "directive-unknown", severity: "error" })]);
    expect(problems[0]!.message).toContain("frobnicate");
  });

  it("reports a directive fence never closed", () => {
    const { problems } = parseDirectives("<!-- ```hide\necho x\n-->", 1, 1, "f.md");
    expect(problems[0]!.ruleId).toBe("directive-unclosed");
  });

  it("types keys exactly as written: the one-line form keeps its trailing space", () => {
    const { directives } = parseDirectives("<!--\n```keys kubectl delete pod ```\n```paste```\n```keys ^C```\n-->", 1, 1, "f.md");
    expect(directives.map((d) => [d.name, d.arg])).toEqual([
      ["keys", "kubectl delete pod "],
      ["paste", ""],
      ["keys", "^C"],
    ]);
    expect(parseDirectives("<!-- ```keys  indented``` -->", 1, 1, "f.md").directives[0]!.arg).toBe(" indented");
  });

  it("types keys exactly as written: the body form keeps leading and trailing spaces, less the fence's indentation", () => {
    const html = "<!--\n  ```keys\n    two  spaces  \n  :wq\n  ```\n-->";
    expect(parseDirectives(html, 1, 1, "f.md").directives[0]!.arg).toBe("  two  spaces  \n:wq");
    // other directives are still trimmed: a wait text or a hidden command has no meaningful edge spaces
    expect(parseDirectives("<!-- ```wait  ready  ``` -->", 1, 1, "f.md").directives[0]!.arg).toBe("ready");
  });

  it("ignores ordinary comments", () => {
    expect(parseDirectives("<!-- TODO: rewrite this slide -->", 1, 1, "f.md")).toEqual({ directives: [], problems: [] });
  });
});

describe("announcesOutput", () => {
  it.each([
    "We should see:",
    "The curl command should now output:",
    "You should see something like this:",
    "After a few seconds, we should get:",
    "It will display:",
    "Expected output:",
    "The output should look like this:",
    "Then we see:",
    "On devrait voir :",
    "Let's run it. We should see:",
  ])("recognises %j", (prose) => expect(announcesOutput(prose)).toBe(true));

  it.each([
    "Let's have a look at the `dockercoins.yml` file while this is building and pushing.",
    "Here is the YAML file:",
    "We will deploy the following:",
    "We should see the worker working.",
    "Exemples:",
    "Get the port number programmatically:",
  ])("does not treat %j as an expectation", (prose) => expect(announcesOutput(prose)).toBe(false));
});
