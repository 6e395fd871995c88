import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../src/package-root.js";
import { ROOT } from "./helpers.js";

describe("packageRoot", () => {
  it("is the folder of labrun's package.json, where the bundled decks are", () => {
    expect(packageRoot()).toBe(ROOT);
    expect(existsSync(join(packageRoot(), "slides", "tour.md"))).toBe(true);
  });
});
