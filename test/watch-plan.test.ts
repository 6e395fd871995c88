/** What `labrun watch` runs after a save, as values: changed slides, and their catch-up less what the session ran. */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planDeck } from "../src/index.js";
import { changedSlides, planRound, slideKey, stepSignature } from "../src/graph/watch-plan.js";
import { planFrom } from "../src/graph/from.js";
import type { Step } from "../src/graph/step.js";
import { fixture, slides } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "labrun-watch-plan-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ORIGINAL = readFileSync(fixture("watch", "deck.md"), "utf8");
let n = 0;
/** The fixture deck's steps after an edit of its text. */
async function stepsOf(edit: (text: string) => string = (t) => t): Promise<readonly Step[]> {
  const dir = mkdtempSync(join(work, `deck-${n++}-`));
  copyFileSync(fixture("watch", "labrun.yml"), join(dir, "labrun.yml"));
  writeFileSync(join(dir, "deck.md"), edit(ORIGINAL));
  return (await planDeck(join(dir, "deck.md"))).graph.steps;
}
const ran = (steps: readonly Step[]) => new Map(steps.map((s) => [s.id, stepSignature(s)]));
const texts = (steps: readonly Step[]) => steps.map((s) => s.text);

describe("changedSlides", () => {
  it("an edit of one command changes its slide only; prose and unchanged saves change nothing", async () => {
    const before = await stepsOf();
    expect(changedSlides(before, await stepsOf())).toEqual([]);
    expect(changedSlides(before, await stepsOf((t) => t.replace("Say hello:", "Say hello, then:")))).toEqual([]);
    expect(changedSlides(before, await stepsOf((t) => t.replace("echo four", "echo FOUR")))).toEqual(["deck/independent"]);
    // An expected output is a step too.
    expect(changedSlides(before, await stepsOf((t) => t.replace("hello, world\n```", "hello,  world\n```")))).toEqual(["deck/using-them"]);
  });

  it("a slide inserted before others is new, the others keep their ids; a renamed slide is a new one", async () => {
    const before = await stepsOf();
    const inserted = await stepsOf((t) => t.replace("---\n\n## Independent", "---\n\n## Inserted\n\n.exercise[\n\n```bash\necho new\n```\n\n]\n\n---\n\n## Independent"));
    expect(changedSlides(before, inserted)).toEqual(["deck/inserted"]);
    expect(changedSlides(before, await stepsOf((t) => t.replace("## Independent", "## On its own")))).toEqual(["deck/on-its-own"]);
  });
});

describe("planRound", () => {
  it("a slide using a variable catches up with the step defining it, only while the session has not run it", async () => {
    const steps = await stepsOf();
    const facts = (await planDeck(fixture("watch", "deck.md"))).graph.facts;
    const [fresh] = planRound(steps, facts, ["deck/using-them"], new Map());
    expect(fresh).toMatchObject({ key: "deck/using-them", slide: 3, title: "Using them" });
    // The function slide is not needed: minimal, as --from.
    expect(texts(fresh!.catchUp)).toEqual(["export GREETING=hello; echo defined >> $WORK/defined.log"]);
    expect(texts(fresh!.steps)).toEqual(['echo "$GREETING, world"', "hello, world"]);

    const [again] = planRound(steps, facts, ["deck/using-them"], ran(steps.slice(0, 1)));
    expect(again!.catchUp).toEqual([]);
    // Run with another text than the deck's now: run again.
    const stale = new Map([[steps[0]!.id, "bash\0export GREETING=bye"]]);
    expect(texts(planRound(steps, facts, ["deck/using-them"], stale)[0]!.catchUp)).toHaveLength(1);
    // An independent slide needs nothing.
    expect(planRound(steps, facts, ["deck/independent"], new Map())[0]!.catchUp).toEqual([]);
  });

  it("slides changed by one save run in deck order, a slide run earlier in the round is not replayed", async () => {
    const steps = await stepsOf();
    const facts = (await planDeck(fixture("watch", "deck.md"))).graph.facts;
    const round = planRound(steps, facts, ["deck/watching-a-deck", "deck/using-them"], new Map());
    expect(round.map((r) => r.key)).toEqual(["deck/watching-a-deck", "deck/using-them"]);
    expect(round[0]!.catchUp).toEqual([]);
    expect(round[1]!.catchUp).toEqual([]);
  });

  it("on the flagship deck: the catch-up is --from's, less what ran", async () => {
    const planned = await planDeck(slides("dockercoins.yml"));
    const { steps, facts } = planned.graph;
    const target = steps.findIndex((s) => s.title === "Is this working yet?");
    const key = slideKey(steps[target]!);
    let end = target;
    while (end < steps.length && slideKey(steps[end]!) === key) end++;
    const from = planFrom(steps.slice(0, end), facts, target).catchUp;
    expect(from.length).toBeGreaterThan(5);
    const [round] = planRound(steps, facts, [key], new Map());
    expect(round!.catchUp.map((s) => s.id)).toEqual(from.map((s) => s.id));
    expect(round!.steps.map((s) => s.id)).toEqual(steps.slice(target, end).map((s) => s.id));
    // Everything before ran: nothing to catch up; all but one step: that step.
    expect(planRound(steps, facts, [key], ran(steps.slice(0, target)))[0]!.catchUp).toEqual([]);
    const allBut = ran(steps.slice(0, target).filter((s) => s.id !== from[3]!.id));
    expect(planRound(steps, facts, [key], allBut)[0]!.catchUp.map((s) => s.id)).toEqual([from[3]!.id]);
  });

  it("a check in the catch-up goes only with its command", async () => {
    const dir = mkdtempSync(join(work, "check-"));
    const deck = join(dir, "deck.md");
    writeFileSync(deck, "## Create\n\n.exercise[\n\n```bash\nkubectl create deployment web --image=nginx:1.25\n```\n\n<!-- ```check``` -->\n\n]\n\n---\n\n## Later\n\n.exercise[\n\n```bash\necho later\n```\n\n]\n");
    const { steps, facts } = (await planDeck(deck)).graph;
    expect(steps.map((s) => s.kind)).toEqual(["bash", "check", "bash"]);
    expect(planRound(steps, facts, ["deck/later"], new Map())[0]!.catchUp.map((s) => s.kind)).toEqual(["bash", "check"]);
    expect(planRound(steps, facts, ["deck/later"], ran(steps.slice(0, 1)))[0]!.catchUp).toEqual([]);
  });
});
