// The build: src/ bundled by esbuild into dist/ (ESM), one chunk per lazily imported part, so a
// command loads only what it uses (`--help` nothing, `plan` no runner, `run --ci` no UI).
// Left outside the bundle, loaded from node_modules: node-pty (a native module), web-tree-sitter
// (finds its wasm beside itself), xterm (required when a screen first has something to parse),
// and ink with React (the UI, loaded only by the UI).
// `node scripts/build.mjs [OUTDIR]`: OUTDIR (default dist) must be inside the project, for node_modules.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildId } from "./build-id.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = resolve(root, process.argv[2] ?? "dist");
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ["src/main.ts"],
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@lydell/node-pty", "web-tree-sitter", "@xterm/headless", "ink", "react", "react/jsx-runtime"],
  // CommonJS packages in the bundle call require() for Node's own modules.
  banner: { js: 'import { createRequire as __labrunRequire } from "node:module"; const require = __labrunRequire(import.meta.url);' },
  // The plan cache serves only plans this build made.
  define: { __LABRUN_BUILD_ID__: JSON.stringify(buildId(root)) },
  chunkNames: "chunks/[name]-[hash]",
  legalComments: "none",
  logLevel: "warning",
});
