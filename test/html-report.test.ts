/**
 * `--reporter html`: the page of real runs (the flagship deck on the lab double; a failing deck with
 * a secret), opened from a file in headless chromium with every request but file: and data:
 * failed: every step shown, the filters, the player playing and seeking, no request, no console
 * error; a screenshot of each is left in a temp folder for a person to look at (LABRUN_KEEP_SHOTS).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "puppeteer-core";
import { ansiToHtml } from "../src/report/html/ansi-html.js";
import { slideHtml } from "../src/report/html/slide-html.js";
import { renderHtmlReport } from "../src/report/html-report.js";
import type { JsonReport, JsonStep } from "../src/report/json-reporter.js";
import { chromiumMissing, HeadlessChromium } from "./browser.js";
import { cli, ROOT } from "./helpers.js";

// What the page-side functions below use of the DOM (the DOM's types are not part of this project's).
interface PageElement {
  getClientRects(): { readonly length: number };
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
  click(): void;
  readonly textContent: string | null;
  readonly dataset: Record<string, string | undefined>;
}
declare const document: {
  querySelectorAll(selector: string): Iterable<PageElement> & { readonly length: number };
  querySelector(selector: string): PageElement | null;
};
declare const window: Record<string, unknown>;

const DOUBLE = join(ROOT, "test/lab-double");
const noChromium = chromiumMissing();
const noTools = ["curl", "jq"].filter((t) => spawnSync("bash", ["-c", `command -v ${t}`]).status !== 0);
if (noChromium) console.warn(`html report browser tests skipped: ${noChromium}`);
if (noTools.length) console.warn(`html report seed test skipped: ${noTools.join(" and ")} not on PATH (.ci/run installs them)`);

let work: string;
let shots: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "labrun-html-"));
  shots = process.env.LABRUN_KEEP_SHOTS ?? join(work, "shots");
  mkdirSync(shots, { recursive: true });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Visible {
  steps: string[];
  empty: string[];
}

/** The ids of the steps a person sees, and the "nothing to show" notes shown. */
function visible(page: Page): Promise<Visible> {
  return page.evaluate(() => {
    const shown = (e: PageElement) => e.getClientRects().length > 0;
    return {
      steps: [...document.querySelectorAll(".step")].filter(shown).map((e) => e.getAttribute("data-id") ?? ""),
      empty: [...document.querySelectorAll(".empty")].filter(shown).map((e) => e.textContent ?? ""),
    };
  });
}

async function choose(page: Page, filter: string): Promise<void> {
  await page.click(`label:has(#filter-${filter})`);
}

function playerTime(page: Page): Promise<number> {
  return page.evaluate(async () => Number(await (window.labrunPlayer as { getCurrentTime(): number | Promise<number> }).getCurrentTime()));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("pieces of the page", () => {
  it("keeps a step's colours, plays carriage returns and cursor moves, and escapes markup", async () => {
    const html = await ansiToHtml("$ ls\r\n\x1b[1;31mred bold\x1b[0m <b>&\r\n50%\r100%\r\n\x1b[38;5;46mgreen256\x1b[0m \x1b[48;2;1;2;3mrgb\x1b[0m\x1b]0;a title\x07\r\n", { cols: 80, rows: 24 });
    expect(html).toBe(
      '$ ls\n<span class="f1 bo">red bold</span> &lt;b&gt;&amp;\n100%\n<span style="color:#00ff00">green256</span> <span style="background:#010203">rgb</span>',
    );
  });

  it("renders a slide without its raw HTML, hidden directives, unsafe links or images to load", () => {
    const html = slideHtml(
      "# Title\n\n.exercise[\n- Run:\n  ```bash\n  echo <hi>\n  ```\n]\n\n<script>window.pwned = 1</script>\n<img src=x onerror=alert(1)>\n\n<!-- ```wait hidden``` -->\n[a](javascript:alert(1)) [b](https://example.com/) ![pic](https://example.com/a.png) .small[small]\n",
    );
    expect(html).toContain("<h1>Title</h1>");
    expect(html).toContain("echo &#x3C;hi>");
    expect(html).not.toMatch(/<script|<img|onerror|javascript:|hidden|\.exercise\[|\.small\[/);
    expect(html).toContain('<a href="https://example.com/" rel="noreferrer noopener">b</a>');
    expect(html).toContain('<a class="image" href="https://example.com/a.png" rel="noreferrer noopener">[image: pic]</a>');
  });
});

describe("--reporter and --output", () => {
  it("go in pairs; a reporter without a file, a file without a reporter or an unknown reporter is one line, exit 2", async () => {
    for (const [args, message] of [
      [["--reporter", "html"], "labrun: run: --reporter html needs --output FILE (see 'labrun --help')"],
      [["--reporter", "xml", "--output", "x"], "labrun: run: unknown reporter 'xml' (json or html) (see 'labrun --help')"],
      [["--reporter", "json", "--output", "a", "--output", "b"], "labrun: run: --output b has no --reporter before it (see 'labrun --help')"],
      [["--source-url", "https://example.com/"], "labrun: run: --source-url is for the HTML report: add --reporter html --output FILE (see 'labrun --help')"],
    ] as const) {
      const r = await cli(["run", "slides/tour.md", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`${message}\n`);
    }
  });
});

function jsonStep(over: Partial<JsonStep> & Record<string, unknown>): JsonStep {
  return {
    id: "a/s/1",
    kind: "bash",
    text: "echo hi",
    file: "slides/a.md",
    line: 3,
    slide: 1,
    title: "One",
    chapter: "Intro",
    status: "passed",
    exitCode: 0,
    durationMs: 12,
    output: "hi\n",
    assertions: [],
    ...over,
  } as JsonStep;
}

describe.skipIf(noChromium !== undefined)("the HTML report in headless chromium", () => {
  let chromium: HeadlessChromium;
  beforeAll(async () => {
    chromium = await HeadlessChromium.launch();
  }, 60_000);
  afterAll(async () => chromium?.close());

  it.skipIf(noTools.length > 0)("shows every step of the seed deck run on the lab double, filters, and plays the recording from a step", async () => {
    const state = join(work, "seed");
    const home = join(state, "home");
    mkdirSync(join(home, "container.training/stacks"), { recursive: true });
    const html = join(state, "report.html");
    const json = join(state, "report.json");
    try {
      const env = ["--env", `PATH=${DOUBLE}/bin:${process.env.PATH}`, "--env", `LAB_DOUBLE_DIR=${state}/lab`, "--env", `HOME=${home}`];
      const r = await cli(["run", "slides/dockercoins.yml", "--ci", ...env, "--reporter", "json", "--output", json, "--reporter", "html", "--output", html, "--source-url", "https://github.com/o/r/blob/main"]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    } finally {
      execFileSync("bash", [join(DOUBLE, "stop.sh"), join(state, "lab")], { stdio: "ignore" });
    }
    const report = JSON.parse(readFileSync(json, "utf8")) as JsonReport;
    const { page, blocked, errors } = await chromium.open(html);
    try {
      const ids = report.steps.map((s) => s.id);
      expect(ids.length).toBe(24);
      expect((await visible(page)).steps).toEqual(ids);
      // Chapter > slide > step, each step linked to its line on the forge.
      const first = report.steps[0]!;
      const outline = await page.evaluate(() => ({
        chapters: [...document.querySelectorAll(".chapter > h2")].map((h) => h.textContent),
        slides: document.querySelectorAll(".slide").length,
        href: document.querySelector(".step .loc")?.getAttribute("href"),
        slideText: document.querySelector(".slide .md")?.textContent ?? "",
      }));
      expect(outline.chapters).toEqual([...new Set(report.steps.map((s) => s.chapter))]);
      expect(outline.slides).toBe(new Set(report.steps.map((s) => s.slide)).size);
      expect(outline.href).toBe(`https://github.com/o/r/blob/main/${first.file}#L${first.line}`);
      expect(outline.slideText).toContain(first.text);

      await choose(page, "failures");
      expect(await visible(page)).toEqual({ steps: [], empty: ["No failures."] });
      await choose(page, "all");
      expect((await visible(page)).steps).toEqual(ids);

      // The player plays from the step whose ▶ is pressed, and goes on.
      const seek = await page.evaluate(() => {
        const buttons = [...document.querySelectorAll("button.seek")];
        const target = buttons.find((b) => Number(b.dataset.t) >= 2) ?? buttons[buttons.length - 1]!;
        target.click();
        return Number(target.dataset.t);
      });
      await sleep(600);
      const t1 = await playerTime(page);
      await sleep(800);
      const t2 = await playerTime(page);
      expect(t1).toBeGreaterThanOrEqual(seek);
      expect(t1).toBeLessThan(seek + 2);
      expect(t2).toBeGreaterThan(t1);
      await page.screenshot({ path: join(shots, "seed.png") });
      expect(blocked).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);

  it("shows a failing run's failures alone, in colour, with the diff, and no secret, no live slide HTML, no request", async () => {
    const secret = `s3cr3t-${randomBytes(6).toString("hex")}`;
    const dir = join(work, "failing");
    mkdirSync(dir, { recursive: true });
    const deck = join(dir, "deck.md");
    writeFileSync(
      deck,
      `## Colours and SECRET

<script>window.pwned = true</script>
<img src="https://example.com/tracker.png">

.exercise[

- In colour:
  \`\`\`bash
  printf '\\e[31mred\\e[0m and \\e[1;32mgreen\\e[0m %s\\n' "$API_TOKEN"
  \`\`\`

- Counted:
  \`\`\`bash
  $ echo "2 + 2 = $((2 + 2))"
  2 + 2 = 5
  \`\`\`

]

---

## A command that fails

.exercise[

- Fail:
  \`\`\`bash
  echo "no SECRET here" >&2; false
  \`\`\`

- And go on:
  \`\`\`bash
  echo done
  \`\`\`

]
`.replaceAll("SECRET", secret),
    );
    const html = join(dir, "report.html");
    const r = await cli(["run", deck, "--ci", "--keep-going", "--mask", "API_TOKEN", "--reporter", "html", "--output", html], { env: { API_TOKEN: secret } });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const text = readFileSync(html, "utf8");
    expect(text.includes(secret), "the page shows the secret").toBe(false);
    expect(text.includes(secret.slice(7)), "the page shows the secret's end").toBe(false);

    const { page, blocked, errors } = await chromium.open(html);
    try {
      const all = (await visible(page)).steps;
      expect(all).toHaveLength(5);
      await choose(page, "failures");
      const failures = await visible(page);
      expect(failures.empty).toEqual([]);
      expect(failures.steps).toEqual([all[2], all[3]]);
      const shown = await page.evaluate(() => ({
        red: [...document.querySelectorAll(".step pre.term span.f1")].map((e) => e.textContent),
        green: [...document.querySelectorAll(".step pre.term span.f2.bo")].map((e) => e.textContent),
        masked: document.querySelector(".step pre.term")?.textContent ?? "",
        diff: [...document.querySelectorAll("pre.diff .del, pre.diff .add")].map((e) => e.textContent),
        reason: document.querySelectorAll(".step.bad .reason").length,
        pwned: window.pwned ?? false,
        liveInSlide: document.querySelectorAll(".md script, .md img").length,
        title: document.querySelector(".slide h3")?.textContent ?? "",
      }));
      expect(shown.red).toEqual(["red"]);
      expect(shown.green).toEqual(["green"]);
      expect(shown.masked).toContain("red and green ****");
      expect(shown.diff).toEqual(["- 2 + 2 = 5", "+ 2 + 2 = 4"]);
      expect(shown.reason).toBeGreaterThan(0);
      expect(shown.pwned).toBe(false);
      expect(shown.liveInSlide).toBe(0);
      expect(shown.title).toContain("Colours and ****");
      await page.screenshot({ path: join(shots, "failures.png"), fullPage: true });
      expect(blocked).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it("renders a JSON report alone (as merge-reports does): flaky and catch-up steps marked, the flaky filter, no player", async () => {
    const report = {
      shard: { index: 2, total: 3 },
      deck: { title: "Merged <course>", source: "slides/a.yml" },
      steps: [
        jsonStep({ id: "a/s/1", catchUp: true }),
        jsonStep({ id: "a/s/2", slide: 2, title: "Two", attempts: 2, flaky: true, text: "curl -s localhost" }),
        jsonStep({ id: "a/s/3", slide: 2, title: "Two", kind: "expect", text: "ok", status: "failed", assertions: [{ expected: "ok", actual: "ko\n", passed: false }] }),
        jsonStep({ id: "a/s/4", slide: 3, title: "Three", chapter: "Next", status: "skipped", reason: "an earlier step failed" }),
      ],
      summary: { passed: 2, failed: 1, skipped: 1, timedOut: 0, interrupted: 0, warnings: 0, durationMs: 2500 },
    } as unknown as JsonReport;
    const file = join(work, "merged.html");
    writeFileSync(file, await renderHtmlReport(report));
    const { page, blocked, errors } = await chromium.open(file);
    try {
      const marks = await page.evaluate(() => ({
        title: document.querySelector("h1")?.textContent,
        totals: document.querySelector(".totals")?.textContent,
        catchUp: [...document.querySelectorAll(".step.catchup")].map((e) => e.getAttribute("data-id")),
        flaky: [...document.querySelectorAll(".step .tag.flaky")].map((e) => e.closest(".step")?.getAttribute("data-id")),
        player: document.querySelectorAll("#player, script#labrun-cast").length,
        diff: [...document.querySelectorAll("pre.diff .del, pre.diff .add")].map((e) => e.textContent),
      }));
      expect(marks).toEqual({
        title: "Merged <course>",
        totals: expect.stringMatching(/2 passed.*1 failed.*1 skipped.*1 flaky.*2\.5s · shard 2\/3/),
        catchUp: ["a/s/1"],
        flaky: ["a/s/2"],
        player: 0,
        diff: ["- ok", "+ ko"],
      });
      await choose(page, "flaky");
      expect((await visible(page)).steps).toEqual(["a/s/2"]);
      await choose(page, "skipped");
      expect((await visible(page)).steps).toEqual(["a/s/4"]);
      expect(blocked).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);
});
