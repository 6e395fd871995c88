/**
 * The entry of labrun as one executable (scripts/package.mjs bundles it as one CommonJS file,
 * with `import.meta.url` replaced by `globalThis.__labrunUrl`). Inside the executable, the code is
 * taken to be `dist/labrun.cjs` of the folder its assets are written to (src/sea.ts); run by
 * `node` from dist-sea/, it is where it is, and finds its files in the project as dist/ does.
 */
import { isSea } from "node:sea";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { assetFolder } from "./sea.js";

function fail(e: unknown): void {
  process.stderr.write(`labrun: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 70;
}

try {
  const code = isSea() ? join(assetFolder(), "dist", "labrun.cjs") : resolve(process.argv[1] ?? "labrun.cjs");
  (globalThis as { __labrunUrl?: string }).__labrunUrl = pathToFileURL(code).href;
  // Not before: the modules' top level may use import.meta.url.
  import("./main.js").catch(fail);
} catch (e) {
  fail(e);
}
