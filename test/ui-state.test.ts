import { describe, expect, it } from "vitest";
import type { Step, StepKind } from "../src/graph/step.js";
import type { StepResult, StepStatus } from "../src/run/result.js";
import { findSlide } from "../src/ui/fuzzy.js";
import { intentForKey } from "../src/ui/keymap.js";
import { initialState, nextToRun, reduce, type Intent, type SlideInfo, type UiState } from "../src/ui/state.js";
import { unitsOf } from "../src/ui/units.js";
import { stepRows } from "../src/ui/view.js";

/** A deck of five slides: slide 3 has no steps. */
const SLIDES: SlideInfo[] = [
  { number: 1, title: "Getting started", chapter: "Intro", markdown: "" },
  { number: 2, title: "Following logs", chapter: "Intro", markdown: "" },
  { number: 3, title: "A slide to read", chapter: "Intro", markdown: "" },
  { number: 4, title: "Editing with vim", chapter: "Files", markdown: "" },
  { number: 5, title: "Wrong on purpose", chapter: "Files", markdown: "" },
];

let rank = 0;
function step(slide: number, kind: StepKind, text: string, options: { hidden?: boolean; dependsOn?: string[] } = {}): Step {
  rank++;
  return {
    id: `deck/s${slide}/${rank}`,
    kind,
    text,
    file: "deck.md",
    line: rank,
    column: 1,
    slide,
    title: SLIDES[slide - 1]!.title,
    chapter: SLIDES[slide - 1]!.chapter,
    hidden: options.hidden ?? false,
    classes: [],
    dependsOn: options.dependsOn ?? [],
    defines: [],
    uses: [],
  };
}

const s1a = step(1, "bash", "mkdir work && cd work");
const s1b = step(1, "bash", "echo ready");
const s1c = step(1, "expect", "ready", { dependsOn: [s1b.id] });
const s2a = step(2, "bash", "tail -f log");
const s2b = step(2, "wait", "started", { hidden: true, dependsOn: [s2a.id] });
const s2c = step(2, "keys", "^C", { hidden: true, dependsOn: [s2a.id] });
const s4a = step(4, "bash", "vim note", { hidden: true });
const s4b = step(4, "keys", ":wq", { hidden: true, dependsOn: [s4a.id] });
const s4c = step(4, "bash", "cat note");
const s4d = step(4, "manual", "echo adapt-me");
const s5a = step(5, "bash", "echo blue");
const s5b = step(5, "expect", "red", { dependsOn: [s5a.id] });
const STEPS: readonly Step[] = [s1a, s1b, s1c, s2a, s2b, s2c, s4a, s4b, s4c, s4d, s5a, s5b];
const index = (s: Step) => STEPS.indexOf(s);

function start(overrides: Partial<Parameters<typeof initialState>[0]> = {}): UiState {
  return initialState({ steps: STEPS, slides: SLIDES, ...overrides });
}

function apply(state: UiState, ...intents: Intent[]): UiState {
  return intents.reduce(reduce, state);
}

function result(s: Step, status: StepStatus, extra: Partial<StepResult> = {}): StepResult {
  return { step: s, status, exitCode: status === "passed" ? 0 : 1, durationMs: 5, output: "", assertions: [], ...extra };
}

/** Plays the controller: runs what the state asks for with the given verdicts (default: passed). */
function drive(state: UiState, verdicts: Readonly<Record<string, StepStatus>> = {}): { state: UiState; ran: string[] } {
  const ran: string[] = [];
  for (let job = nextToRun(state); job; job = nextToRun(state)) {
    ran.push(job.step.id);
    state = reduce(state, { type: "stepStarted", index: job.index });
    state = reduce(state, { type: "stepFinished", result: result(job.step, verdicts[job.step.id] ?? "passed") });
  }
  return { state, ran };
}

describe("units: what Enter runs", () => {
  it("folds hidden steps and expectations into the listed step before them, on the same slide", () => {
    const units = unitsOf(STEPS, false).map((u) => [u.first, u.last, u.lead]);
    expect(units).toEqual([
      [0, 0, 0], // mkdir
      [1, 2, 1], // echo ready + its expectation
      [3, 5, 3], // tail -f + wait + ^C
      [6, 8, 8], // hidden vim steps at the top of the slide go with `cat note`
      [9, 9, 9], // the manual block
      [10, 11, 10], // echo blue + its expectation
    ]);
  });

  it("lists every step on its own when hidden steps are shown", () => {
    expect(unitsOf(STEPS, true)).toHaveLength(STEPS.length);
  });
});

describe("navigation", () => {
  it("moves step by step across slides, stopping on a slide with nothing to run", () => {
    let state = start();
    expect(state.current).toBe(0);
    state = apply(state, { type: "next" }, { type: "next" });
    expect(state.current).toBe(index(s2a));
    state = apply(state, { type: "next" });
    expect(state.reading).toBe(3); // slide 3 has no steps: it is there to be read
    expect(stepRows(state)).toEqual([]);
    state = apply(state, { type: "run" }); // Enter turns the page
    expect(state.reading).toBeUndefined();
    expect(state.current).toBe(index(s4a));
    state = apply(state, { type: "prev" }, { type: "prev" }, { type: "prev" });
    expect(state.current).toBe(index(s1b));
  });

  it("starts on the first slide even when it has nothing to run", () => {
    const state = initialState({ steps: STEPS.filter((s) => s.slide !== 1), slides: SLIDES });
    expect(state.reading).toBe(1);
    expect(apply(state, { type: "next" }).current).toBe(0);
  });

  it("says so at either end, and can go one past the last step", () => {
    let state = apply(start(), { type: "prev" });
    expect(state.current).toBe(0);
    expect(state.message?.text).toMatch(/first slide/);
    state = apply(state, ...Array.from({ length: 7 }, (): Intent => ({ type: "next" })));
    expect(state.current).toBe(STEPS.length);
    state = apply(state, { type: "next" });
    expect(state.current).toBe(STEPS.length);
    expect(state.message?.text).toMatch(/end of the deck/);
    state = apply(state, { type: "prev" });
    expect(state.current).toBe(index(s5a));
  });

  it("goes to a slide by number, typed after g", () => {
    const state = apply(start(), { type: "gotoStart" }, { type: "gotoType", text: "4" }, { type: "gotoSubmit" });
    expect(state.mode.kind).toBe("browse");
    expect(state.current).toBe(index(s4a));
  });

  it("goes to a slide by a fuzzy title", () => {
    const state = apply(start(), { type: "gotoStart" }, { type: "gotoType", text: "wrng purp" }, { type: "gotoSubmit" });
    expect(state.current).toBe(index(s5a));
    expect(findSlide(SLIDES, "vim")?.number).toBe(4);
    expect(findSlide(SLIDES, "logs")?.number).toBe(2);
    expect(findSlide(SLIDES, "edt vm")?.number).toBe(4);
  });

  it("goes to a slide with nothing to run, and reports a query that matches nothing", () => {
    let state = apply(start(), { type: "gotoStart" }, { type: "gotoType", text: "read" }, { type: "gotoSubmit" });
    expect(state.reading).toBe(3);
    expect(state.message?.text).toBe("Slide 3: A slide to read");
    state = apply(state, { type: "gotoStart" }, { type: "gotoType", text: "zzzz" }, { type: "gotoSubmit" });
    expect(state.reading).toBe(3);
    expect(state.message?.tone).toBe("error");
  });

  it("edits and cancels the go-to query", () => {
    let state = apply(start(), { type: "gotoStart" }, { type: "gotoType", text: "45" }, { type: "gotoBackspace" });
    expect(state.mode).toEqual({ kind: "goto", query: "4" });
    state = apply(state, { type: "gotoCancel" });
    expect(state.mode.kind).toBe("browse");
    expect(state.current).toBe(0);
  });

  it("maps several keys in one read each in the mode the previous one left", () => {
    const room = { page: 5, max: 0 };
    const state = apply(start(), { type: "keys", input: "g4", key: {}, room }, { type: "keys", input: "", key: { return: true }, room });
    expect(state.current).toBe(index(s4a));
  });
});

describe("running", () => {
  it("runs the highlighted step with its hidden steps and expectations, then moves on", () => {
    let state = apply(start(), { type: "next" }, { type: "run" });
    expect(state.mode.kind).toBe("running");
    const { state: after, ran } = drive(state);
    expect(ran).toEqual([s1b.id, s1c.id]);
    expect(after.mode.kind).toBe("browse");
    expect(after.current).toBe(index(s2a));
    expect(after.outcomes[s1c.id]?.status).toBe("passed");
    // After the last unit of slide 2, the next stop is slide 3, to read.
    expect(drive(apply(after, { type: "run" })).state.reading).toBe(3);
    state = apply(after, { type: "run" });
    expect(drive(state).ran).toEqual([s2a.id, s2b.id, s2c.id]);
  });

  it("hands the runner the step after the one to run (a command followed by a wait is started, not awaited)", () => {
    const state = apply(start(), { type: "gotoStart" }, { type: "gotoType", text: "2" }, { type: "gotoSubmit" }, { type: "run" });
    expect(nextToRun(state)?.next?.id).toBe(s2b.id);
  });

  it("stops at a failure, on the failed step, and says what failed", () => {
    const state = apply(start(), { type: "gotoStart" }, { type: "gotoType", text: "5" }, { type: "gotoSubmit" }, { type: "run" });
    const { state: after } = drive(state, { [s5b.id]: "failed" });
    expect(after.mode.kind).toBe("browse");
    expect(after.current).toBe(index(s5b));
    expect(after.message?.tone).toBe("error");
  });

  it("continues until the next failure, across slides", () => {
    const state = apply(start(), { type: "continue" });
    expect(state.mode.kind).toBe("continuing");
    const { state: after, ran } = drive(state, { [s4c.id]: "failed" });
    expect(ran.at(-1)).toBe(s4c.id);
    expect(ran).toHaveLength(index(s4c) + 1);
    expect(after.current).toBe(index(s4c));
    expect(after.mode.kind).toBe("browse");
  });

  it("continues to the end when nothing fails", () => {
    const { state, ran } = drive(apply(start(), { type: "continue" }));
    expect(ran).toHaveLength(STEPS.length);
    expect(state.current).toBe(STEPS.length);
  });

  it("ignores browsing keys while a step runs, and stops after the step in flight on Ctrl-C", () => {
    let state = apply(start(), { type: "continue" });
    const job = nextToRun(state)!;
    state = apply(state, { type: "stepStarted", index: job.index }, { type: "next" }, { type: "skip" });
    expect(state.current).toBe(0);
    state = apply(state, { type: "interrupt" });
    expect(nextToRun(state)).toBeUndefined();
    state = apply(state, { type: "stepFinished", result: result(job.step, "passed") });
    expect(state.mode.kind).toBe("browse");
    expect(state.current).toBe(1);
    expect(state.message?.text).toMatch(/^Stopped: \$ mkdir work/);
  });
});

describe("the controller's protocol", () => {
  it("takes a step once, and a Ctrl-C before the step is taken cancels it", () => {
    let state = apply(start(), { type: "run" });
    const job = nextToRun(state)!;
    state = apply(state, { type: "stepStarted", index: job.index });
    expect(nextToRun(state)).toBeUndefined();
    expect(apply(state, { type: "stepStarted", index: job.index + 1 })).toBe(state);
    const cancelled = apply(start(), { type: "run" }, { type: "interrupt" });
    expect(cancelled.mode.kind).toBe("browse");
    expect(apply(cancelled, { type: "stepStarted", index: 0 }).mode.kind).toBe("browse");
  });
});

describe("skip and retry", () => {
  it("skips the highlighted unit", () => {
    const state = apply(start(), { type: "next" }, { type: "skip" });
    expect(state.outcomes[s1b.id]?.status).toBe("skipped");
    expect(state.outcomes[s1c.id]?.status).toBe("skipped");
    expect(state.current).toBe(index(s2a));
  });

  it("retries only a failed step", () => {
    let state = apply(start(), { type: "retry" });
    expect(state.mode.kind).toBe("browse");
    expect(state.message?.text).toMatch(/retries a failed step/);
    state = drive(apply(state, { type: "run" })).state;
    state = apply(state, { type: "prev" }, { type: "retry" });
    expect(state.mode.kind).toBe("browse"); // it passed
  });

  it("retries a failed expectation from the command it checks", () => {
    let state = apply(start(), { type: "gotoStart" }, { type: "gotoType", text: "5" }, { type: "gotoSubmit" }, { type: "run" });
    state = drive(state, { [s5b.id]: "failed" }).state;
    state = apply(state, { type: "retry" });
    expect(state.mode.kind).toBe("running");
    const { state: after, ran } = drive(state);
    expect(ran).toEqual([s5a.id, s5b.id]);
    expect(after.outcomes[s5b.id]?.status).toBe("passed");
  });
});

describe("hidden steps", () => {
  it("are not listed by default, are listed after h, and run either way", () => {
    let state = apply(start(), { type: "gotoStart" }, { type: "gotoType", text: "2" }, { type: "gotoSubmit" });
    expect(stepRows(state).map((r) => r.key)).toEqual([s2a.id]);
    state = apply(state, { type: "toggleHidden" });
    expect(state.showHidden).toBe(true);
    expect(stepRows(state).map((r) => r.key)).toEqual([s2a.id, s2b.id, s2c.id]);
    // One at a time now.
    expect(drive(apply(state, { type: "run" })).ran).toEqual([s2a.id]);
    state = apply(state, { type: "toggleHidden" });
    expect(state.showHidden).toBe(false);
    expect(drive(apply(state, { type: "run" })).ran).toEqual([s2a.id, s2b.id, s2c.id]);
  });
});

describe("resume", () => {
  const saved = { current: s4c.id, statuses: { [s1a.id]: "passed", [s1b.id]: "passed", [s2a.id]: "failed", "gone/step/1": "passed" } as const };

  it("asks first, showing the saved position", () => {
    const state = start({ saved });
    expect(state.mode).toEqual({ kind: "resume-prompt", at: index(s4c) });
    expect(state.current).toBe(index(s4c));
    expect(state.outcomes[s2a.id]?.status).toBe("failed");
    expect(state.outcomes["gone/step/1"]).toBeUndefined();
  });

  it("resumes on yes (y or Enter)", () => {
    const yes = intentForKey("resume-prompt", "", { return: true }, { page: 1, max: 0 });
    const state = apply(start({ saved }), yes!);
    expect(state.mode.kind).toBe("browse");
    expect(state.current).toBe(index(s4c));
    expect(state.message?.text).toMatch(/not restored/);
  });

  it("starts over on no", () => {
    const state = apply(start({ saved }), { type: "resume", answer: "no" });
    expect(state.current).toBe(0);
    expect(state.outcomes).toEqual({});
  });

  it("replays every earlier non-manual step without stopping, then resumes", () => {
    const withManual = { current: s5a.id, statuses: {} };
    const state = apply(start({ saved: withManual }), { type: "resume", answer: "replay" });
    expect(state.mode.kind).toBe("replaying");
    const { state: after, ran } = drive(state, { [s2a.id]: "failed" });
    expect(ran).toEqual(STEPS.slice(0, index(s5a)).filter((s) => s.kind !== "manual").map((s) => s.id));
    expect(after.mode.kind).toBe("browse");
    expect(after.current).toBe(index(s5a));
    expect(after.message?.text).toMatch(/Replayed 9 earlier steps: 1 failed/);
  });

  it("--from: replays the first steps at once, then stops at the target", () => {
    const state = start({ replayFirst: index(s4a) });
    expect(state.mode.kind).toBe("replaying");
    expect(state.message?.text).toMatch(/Catching up: replaying 6 earlier steps/);
    const { state: after, ran } = drive(state, {});
    expect(ran).toEqual(STEPS.slice(0, index(s4a)).map((s) => s.id));
    expect(after.mode.kind).toBe("browse");
    expect(after.current).toBe(index(s4a));
  });

  it("does not ask when nothing was saved, or the position is gone", () => {
    expect(start().mode.kind).toBe("browse");
    const gone = start({ saved: { current: "gone/step/9", statuses: {} } });
    expect(gone.mode.kind).toBe("browse");
    expect(gone.message?.text).toMatch(/no longer in the deck/);
  });

  it("offers the tour first when programs are missing, then the resume prompt on no", () => {
    const state = start({ saved, missing: ["kubectl", "docker"] });
    expect(state.mode).toEqual({ kind: "tour-offer", missing: ["kubectl", "docker"], resumeAt: index(s4c) });
    expect(apply(state, { type: "tour", answer: "yes" }).exit).toBe("tour");
    expect(apply(state, { type: "tour", answer: "no" }).mode.kind).toBe("resume-prompt");
  });
});

describe("keys", () => {
  const room = { page: 8, max: 20 };
  it("map to intents by mode", () => {
    expect(intentForKey("browse", " ", {}, room)).toEqual({ type: "run" });
    expect(intentForKey("browse", "", { rightArrow: true }, room)).toEqual({ type: "next" });
    expect(intentForKey("browse", "c", { ctrl: true }, room)).toEqual({ type: "break" });
    expect(intentForKey("running", "c", { ctrl: true }, room)).toEqual({ type: "interrupt" });
    expect(intentForKey("running", "n", {}, room)).toBeUndefined();
    expect(intentForKey("goto", "n", {}, room)).toEqual({ type: "gotoType", text: "n" });
    expect(intentForKey("browse", "", { pageUp: true }, room)).toEqual({ type: "scroll", by: 7, max: 20 });
    expect(intentForKey("takeover", "q", {}, room)).toBeUndefined();
  });

  it("Ctrl-C while browsing stops a command left running in the shell, else quits", () => {
    const asked = apply(start(), { type: "break" });
    expect(asked.breakPending).toBe(true);
    const stopped = apply(asked, { type: "breakHandled", interrupted: true });
    expect(stopped.breakPending).toBeUndefined();
    expect(stopped.exit).toBeUndefined();
    expect(stopped.message?.text).toMatch(/left running/);
    expect(apply(asked, { type: "breakHandled", interrupted: false }).exit).toBe("quit");
  });

  it("scroll the output within its bounds", () => {
    let state = apply(start(), { type: "scroll", by: 7, max: 10 }, { type: "scroll", by: 7, max: 10 });
    expect(state.scroll).toBe(10);
    state = apply(state, { type: "scroll", by: -70, max: 10 });
    expect(state.scroll).toBe(0);
  });
});

describe("what the step list says of a step", () => {
  it("a transcript's wait for lines like the slide's says so, on one line", async () => {
    const { describeStep } = await import("../src/ui/describe.js");
    const clock = { ...step(1, "wait", "Fri Feb 20 00:28:53 UTC 2015\nFri Feb 20 00:28:54 UTC 2015", { hidden: true }), lineLike: true };
    expect(describeStep(clock)).toBe("wait for lines like “Fri Feb 20 00:28:53 UTC 2015 …”");
    expect(describeStep(step(1, "wait", "READY"))).toBe("wait for “READY”");
  });
});
