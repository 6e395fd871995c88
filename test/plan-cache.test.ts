/**
 * The plan cache (src/plan/plan-cache.ts): a plan read back is the plan made fresh, for every
 * deck at hand (the fixtures, the real 2021 courses), and the cache never gets in the way: an
 * entry that does not check out is remade, a folder it cannot use is skipped, the folder stays
 * bounded, a deck that changed is planned again.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { main } from "../src/cli.js";
import { planDeck, lintDeck, loadDeck } from "../src/index.js";
import { cacheDir, MAX_ENTRIES, PlanCache, planKey } from "../src/plan/plan-cache.js";
import { ROOT, fixture, scratchDir, slides } from "./helpers.js";

const CORPUS = join(ROOT, "..", "shared", "corpus", "container.training-2021", "slides");
const manifests = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => f.endsWith(".yml")).sort().map((f) => join(CORPUS, f)) : [];
if (manifests.length === 0) console.warn(`plan-cache: the corpus at ${CORPUS} is absent, only the fixtures are checked`);
const fixtures = (readdirSync(join(ROOT, "fixtures"), { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
  .filter((f) => f.isFile() && /\.(md|ya?ml)$/.test(f.name))
  .map((f) => relative(ROOT, join(f.parentPath, f.name)))
  .concat(["fixtures/folder"])
  .sort();

const saved = { dir: process.env.LABRUN_CACHE_DIR, off: process.env.LABRUN_CACHE };
let dir = "";
beforeEach(() => {
  dir = scratchDir("labrun-plan-cache-");
  useCache(dir);
});
afterEach(() => {
  setEnv("LABRUN_CACHE_DIR", saved.dir);
  setEnv("LABRUN_CACHE", saved.off);
});

function setEnv(name: string, value: string | undefined) {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
function useCache(folder: string) {
  setEnv("LABRUN_CACHE", undefined);
  process.env.LABRUN_CACHE_DIR = folder;
}
function noCache() {
  process.env.LABRUN_CACHE = "off";
}
const entries = (folder = dir) => readdirSync(folder).filter((n) => n.endsWith(".plan"));

async function planJson(deck: string): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["plan", deck, "--json"], { out: (t) => (out += t + "\n"), err: (t) => (err += t + "\n") });
  return { code, out, err };
}

/** Fresh (no cache), then through the cache twice (a miss that writes, a hit): the same plan, the same `plan --json`. */
async function sameFromCache(deck: string) {
  noCache();
  let fresh;
  try {
    fresh = await planDeck(deck);
  } catch (error) {
    // Not a deck (a labrun.yml, an included part): the cache changes nothing to how it fails.
    useCache(dir);
    await expect(planDeck(deck)).rejects.toThrow((error as Error).message);
    expect(entries()).toEqual([]);
    return;
  }
  const freshJson = await planJson(deck);
  useCache(dir);
  const written = await planJson(deck);
  const key = planKey(deck, fresh.deck);
  expect(entries()).toEqual([`${key}.plan`]);
  expect(new PlanCache(dir).read(key, fresh.deck)).toBeDefined();
  const read = await planJson(deck);
  expect(written).toEqual(freshJson);
  expect(read).toEqual(freshJson);

  const cached = await planDeck(deck);
  expect(cached.parsed).not.toBe(fresh.parsed);
  // The deck is loaded each time (a labrun.yml's configAt is a new function each time): the parsed deck holds that one.
  expect(cached.parsed.deck).toBe(cached.deck);
  expect({ ...cached.parsed, deck: null }).toStrictEqual({ ...fresh.parsed, deck: null });
  expect(cached.graph).toStrictEqual(fresh.graph);
  // A step's slide is its deck's slide, not a copy.
  cached.parsed.steps.forEach((s) => expect(cached.parsed.slides).toContain(s.slide));
  expect(lintDeck(cached, { path: "" })).toStrictEqual(lintDeck(fresh, { path: "" }));
}

describe("a plan read from the cache is the plan made fresh", () => {
  it.each(fixtures)("%s", async (deck) => {
    await sameFromCache(deck);
  });
  it.each(manifests.map((m) => [relative(CORPUS, m), m]))("the course %s", async (_, deck) => {
    await sameFromCache(deck);
  }, 180_000);
});

describe("the plan cache", () => {
  it("serves what it holds: a plan read back is not made again", async () => {
    const deck = fixture("directives.md");
    const planned = await planDeck(deck);
    const key = planKey(deck, planned.deck);
    const steps = planned.graph.steps.map((s, i) => (i === 0 ? { ...s, text: "echo from the cache" } : s));
    new PlanCache(dir).write(key, { parsed: planned.parsed, graph: { ...planned.graph, steps }, shellFacts: [] });
    expect((await planDeck(deck)).graph.steps[0]!.text).toBe("echo from the cache");
    noCache();
    expect((await planDeck(deck)).graph.steps[0]!.text).not.toBe("echo from the cache");
  });

  it("ignores a truncated or corrupt entry, and replaces it", async () => {
    const deck = slides("dockercoins.yml");
    const fresh = await planDeck(deck);
    const [name] = entries();
    const file = join(dir, name!);
    const whole = readFileSync(file);
    for (const broken of [whole.subarray(0, whole.length - 10), whole.subarray(0, 5), Buffer.alloc(0), Buffer.from(whole).fill(0x41, 200, 210)]) {
      writeFileSync(file, broken);
      const again = await planDeck(deck);
      expect(again.graph).toStrictEqual(fresh.graph);
      expect(readFileSync(file)).toEqual(whole);
    }
  });

  it("plans a deck again when a file, the configuration or the deck's path changed", async () => {
    const folder = scratchDir("labrun-plan-cache-deck-");
    cpSync(fixture("directives.md"), join(folder, "deck.md"));
    const deck = join(folder, "deck.md");
    const before = await planDeck(deck);
    writeFileSync(deck, readFileSync(deck, "utf8").replace("kubectl", "kubectl --v=1"));
    const edited = await planDeck(deck);
    expect(edited.graph.steps.map((s) => s.text).join("\n")).toContain("kubectl --v=1");
    expect(entries()).toHaveLength(2);
    writeFileSync(join(folder, "labrun.yml"), "exerciseMacros: [nothing]\n");
    const configured = await planDeck(deck);
    expect(configured.graph.steps.length).toBeLessThan(before.graph.steps.length);
    expect(entries()).toHaveLength(3);
    cpSync(join(folder, "deck.md"), join(folder, "copy.md"));
    await planDeck(join(folder, "copy.md"));
    expect(entries()).toHaveLength(4);
  });

  it("keeps the most recently used entries only, pruning when it writes", async () => {
    const deck = fixture("directives.md");
    const planned = await planDeck(deck);
    const cache = new PlanCache(dir);
    const plan = { parsed: planned.parsed, graph: planned.graph, shellFacts: [] };
    const key = (i: number) => i.toString(16).padStart(64, "0");
    rmSync(join(dir, entries()[0]!));
    for (let i = 0; i < MAX_ENTRIES; i++) {
      cache.write(key(i), plan);
      const t = new Date(Date.UTC(2020, 0, 1) + i * 1000);
      utimesSync(join(dir, `${key(i)}.plan`), t, t);
    }
    expect(entries()).toHaveLength(MAX_ENTRIES);
    // Read, so used last: kept.
    expect(cache.read(key(0), planned.deck)).toBeDefined();
    writeFileSync(join(dir, ".left.123.abc.tmp"), "");
    utimesSync(join(dir, ".left.123.abc.tmp"), new Date(2020, 0, 1), new Date(2020, 0, 1));
    cache.write(key(1000), plan);
    cache.write(key(1001), plan);
    const kept = entries();
    expect(kept).toHaveLength(MAX_ENTRIES);
    expect(kept).toContain(`${key(0)}.plan`);
    expect(kept).toContain(`${key(1001)}.plan`);
    expect(kept).not.toContain(`${key(1)}.plan`);
    expect(kept).not.toContain(`${key(2)}.plan`);
    expect(kept).toContain(`${key(3)}.plan`);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("never fails a command: a folder it cannot create, or that others can write, is skipped", async () => {
    const deck = fixture("directives.md");
    noCache();
    const fresh = await planDeck(deck);
    const file = join(scratchDir("labrun-plan-cache-file-"), "file");
    writeFileSync(file, "");
    useCache(join(file, "plans"));
    expect((await planDeck(deck)).graph).toStrictEqual(fresh.graph);
    const shared = scratchDir("labrun-plan-cache-shared-");
    chmodSync(shared, 0o777);
    useCache(shared);
    expect((await planDeck(deck)).graph).toStrictEqual(fresh.graph);
    expect(readdirSync(shared)).toEqual([]);
    expect(statSync(shared).mode & 0o777).toBe(0o777);
  });

  it("is off with LABRUN_CACHE=off, and from the sources unless LABRUN_CACHE_DIR is set", async () => {
    noCache();
    await planDeck(fixture("directives.md"));
    expect(entries()).toEqual([]);
    expect(cacheDir({ LABRUN_CACHE: "off", LABRUN_CACHE_DIR: dir })).toBeUndefined();
    expect(cacheDir({ LABRUN_CACHE_DIR: dir })).toBe(dir);
    // No build id here (the tests run the sources): no default folder.
    expect(cacheDir({ XDG_CACHE_HOME: dir, HOME: dir })).toBeUndefined();
  });

  it("keeps DeckError from loading: an unreadable deck is never cached", async () => {
    await expect(planDeck(fixture("bad", "latin1.md"))).rejects.toThrow(/not valid UTF-8/);
    expect(entries()).toEqual([]);
  });

  it("lints a deck read from the cache with no bash parser loaded (a process of its own)", async () => {
    const { cli } = await import("./helpers.js");
    const env = { LABRUN_CACHE_DIR: dir, LABRUN_CACHE: "" };
    const deck = fixture("lint", "command-outside-exercise.md");
    const first = await cli(["lint", deck], { env });
    expect(first.stdout).toContain("(command-outside-exercise)");
    expect(entries()).toHaveLength(1);
    const second = await cli(["lint", deck], { env });
    expect(second).toEqual(first);
  });
});
