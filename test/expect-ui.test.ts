import { describe, it, expect } from "vitest";
import { planDeck } from "../src/index.js";
import { initialState } from "../src/ui/state.js";
import { expectationView } from "../src/ui/view.js";
import { lineText } from "../src/ui/text.js";
import { fixture } from "./helpers.js";

describe("the UI and loose expectations", () => {
  it("shows a loose expectation that did not match as a warning with its diff, not a failure", async () => {
    const planned = await planDeck(fixture("expect", "loose.md"));
    const [command, expectation] = planned.graph.steps;
    const base = initialState({ steps: planned.graph.steps, slides: planned.parsed.slides });
    const state = {
      ...base,
      current: 1,
      outcomes: {
        [command!.id]: { status: "passed" as const, assertions: [] },
        [expectation!.id]: {
          status: "passed" as const,
          warning: "expected output did not match (loose expectation: announced by 'looks like' or 'something like')",
          assertions: [{ expected: expectation!.text, actual: "x", passed: false, diff: "- web-1 0/1 Pending\n+ web-1 1/1 Running" }],
        },
      },
    };
    const view = expectationView(state, 60)!;
    expect(view.tone).toBe("warning");
    expect(view.heading).toMatch(/^⚠ expected output differs \(loose: announced by 'looks like'/);
    expect(view.lines.map(lineText)).toContain("- web-1 0/1 Pending");
  });
});
