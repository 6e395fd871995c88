// `npm run package`: labrun as one executable file for Linux (x64, or the machine's own arch),
// which runs with no Node.js and no npm on the machine: Node's single executable applications
// (SEA). The running `node` is copied and the app injected into it with postject (from npm);
// nothing is downloaded.
//
// A SEA runs one CommonJS script, so src/sea-main.ts is bundled again, not split, everything in:
// - `import.meta.url` becomes `globalThis.__labrunUrl`, which src/sea-main.ts sets to a file in the
//   folder the assets are written to (src/sea.ts), laid out like an installed labrun;
// - the packages src loads with createRequire(import.meta.url)(NAME) are bundled too;
// - node-pty's native module is required from that folder (a SEA's own require() loads only
//   Node's built-in modules);
// - ink and yoga-layout use top-level await, which CommonJS cannot: ink's only for React's
//   devtools (left out), yoga's to compile its wasm, done synchronously here.
// The files read at run time go in as assets: node-pty's pty.node, the tree-sitter wasm,
// asciinema-player's bundle (the HTML report), the bundled decks, a package.json.
//
// `node scripts/package.mjs [OUTDIR]` (default dist-sea): writes OUTDIR/labrun, and OUTDIR/labrun.cjs,
// the script it runs (`node dist-sea/labrun.cjs ...` runs it from the project, to debug it).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildId } from "./build-id.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(join(root, "package.json"));
const outdir = resolve(root, process.argv[2] ?? "dist-sea");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

if (process.platform !== "linux") throw new Error(`labrun's single executable is built on Linux only, not ${process.platform}`);
const [major, minor] = process.versions.node.split(".").map(Number);
if (major === 20 && minor < 12) throw new Error(`labrun's single executable needs Node 20.12 or later to build (assets), not ${process.version}`);
// The executable is this node with labrun inside: a node that loads libnode.so (some distributions')
// would need that library on the target too.
if (/\blibnode\.so/.test(readFileSync("/proc/self/maps", "utf8"))) throw new Error(`${process.execPath} uses libnode.so: build with a self-contained node (nodejs.org's, NodeSource's)`);
const ptyPackage = `@lydell/node-pty-${process.platform}-${process.arch}`;

/** The asset that lists the others (src/sea.ts reads it first). */
const MANIFEST = "labrun-sea.json";
/** Packaged files read at run time, under node_modules/ with their package.json (for `exports`). */
const PACKAGE_FILES = [
  "tree-sitter-bash/tree-sitter-bash.wasm",
  "asciinema-player/dist/bundle/asciinema-player.min.js",
  "asciinema-player/dist/bundle/asciinema-player.css",
  `${ptyPackage}/pty.node`,
];
/** Packages src loads with createRequire(import.meta.url)(NAME) (lazily, in dist/): bundled here. */
const REQUIRED_PACKAGES = ["@xterm/headless", "junit-report-builder"];

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const work = mkdtempSync(join(outdir, ".work-"));
try {
  const main = join(outdir, "labrun.cjs");
  await bundle(main);
  const assets = collectAssets();
  const blob = join(work, "labrun.blob");
  const config = {
    main,
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: true,
    assets: Object.fromEntries(assets.map(([name, file]) => [name, file])),
  };
  writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2));
  const made = spawnSync(process.execPath, ["--experimental-sea-config", join(work, "sea-config.json")], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(`node --experimental-sea-config failed:\n${made.stdout}${made.stderr}`);

  const exe = join(outdir, "labrun");
  copyFileSync(process.execPath, exe);
  chmodSync(exe, 0o755);
  await quietly(() =>
    require("postject").inject(exe, "NODE_SEA_BLOB", readFileSync(blob), { sentinelFuse: "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2" }),
  );
  console.log(`${relative(process.cwd(), exe) || exe}: labrun ${pkg.version} for linux-${process.arch}, ${assets.length - 1} assets`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * Runs `inject` with postject's warnings held back, shown only if it fails: its ELF library
 * warns about each of Node's `.note` sections ("Can't find string offset"), harmlessly.
 */
async function quietly(inject) {
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.join(" "));
  try {
    await inject();
  } catch (error) {
    for (const line of warnings) process.stderr.write(`${line}\n`);
    throw error;
  } finally {
    console.warn = warn;
  }
}

async function bundle(outfile) {
  await build({
    absWorkingDir: root,
    entryPoints: ["src/sea-main.ts"],
    outfile,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    define: { "import.meta.url": "globalThis.__labrunUrl", __LABRUN_BUILD_ID__: JSON.stringify(buildId(root)) },
    // A SEA's script has no import(): esbuild makes those of Node's modules (left outside) require()s.
    supported: { "dynamic-import": false },
    plugins: [bundledRequires(), ptyFromAssetFolder(), patches()],
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    logLevel: "warning",
  });
}

/** `createRequire` for src: the packages it requires by name come from the bundle. */
function bundledRequires() {
  const table = REQUIRED_PACKAGES.map((name) => `  ${JSON.stringify(name)}: () => require(${JSON.stringify(name)}),`).join("\n");
  return {
    name: "bundled-requires",
    setup(b) {
      b.onResolve({ filter: /^node:module$/ }, (args) =>
        args.importer.startsWith(join(root, "src")) ? { path: "bundled-requires", namespace: "labrun-sea" } : undefined,
      );
      b.onLoad({ filter: /^bundled-requires$/, namespace: "labrun-sea" }, () => ({
        resolveDir: root,
        loader: "js",
        contents: `import { createRequire as nodeCreateRequire } from "module";
const bundled = {
${table}
};
export function createRequire(url) {
  const real = nodeCreateRequire(url);
  const required = (id) => (Object.hasOwn(bundled, id) ? bundled[id]() : real(id));
  return Object.assign(required, { resolve: real.resolve, cache: real.cache });
}
`,
      }));
    },
  };
}

/** node-pty's requireBinary.js, which require()s its prebuilt module by a computed name. */
function ptyFromAssetFolder() {
  return {
    name: "pty-from-asset-folder",
    setup(b) {
      b.onLoad({ filter: /[\\/]@lydell[\\/]node-pty[\\/]requireBinary\.js$/ }, () => ({
        loader: "js",
        contents: `"use strict";
const { createRequire } = require("node:module");
exports.requireBinary = (file) => createRequire(globalThis.__labrunUrl)(${JSON.stringify(ptyPackage)} + "/" + file);
`,
      }));
    },
  };
}

/** Rewrites each `from` (found exactly once, or the build stops: the package changed) to `to`. */
function patch(file, text, edits) {
  for (const [from, to] of edits) {
    const count = text.split(from).length - 1;
    if (count !== 1) throw new Error(`${relative(root, file)}: expected one ${JSON.stringify(from)}, found ${count}: scripts/package.mjs needs updating for this version`);
    text = text.replace(from, () => to);
  }
  return text;
}

/** Third-party code that one CommonJS file cannot run as it is. */
function patches() {
  return {
    name: "patches",
    setup(b) {
      // Its `var require` (for fs, path and url) hides the bundle's require() that import("module") becomes.
      b.onLoad({ filter: /[\\/]node_modules[\\/]web-tree-sitter[\\/]web-tree-sitter\.js$/ }, ({ path }) => ({
        loader: "js",
        contents: patch(path, readFileSync(path, "utf8"), [
          ['const { createRequire } = await import("module");\n    var require = createRequire(import.meta.url);\n', ""],
        ]),
      }));
      // Top-level awaits (ink's, yoga-layout's): CommonJS has none.
      b.onLoad({ filter: /[\\/]node_modules[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, ({ path }) => ({
        loader: "js",
        contents: patch(path, readFileSync(path, "utf8"), [
          // DEV=true: React's devtools (react-devtools-core, not installed).
          ["await import('./devtools.js');", "throw Object.assign(new Error(\"no devtools in labrun's single executable\"), { code: 'ERR_MODULE_NOT_FOUND' });"],
          ["? await loadPackageJson()", "? { name: 'ink', version: undefined }"],
        ]),
      }));
      b.onLoad({ filter: /[\\/]node_modules[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/ }, ({ path }) => {
        const binary = readFileSync(join(dirname(path), "..", "binaries", "yoga-wasm-base64-esm.js"), "utf8");
        const base64 = /"data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)"/.exec(binary)?.[1];
        if (!base64) throw new Error("yoga-layout: its wasm was not found in binaries/yoga-wasm-base64-esm.js: scripts/package.mjs needs updating");
        // Emscripten's instantiateWasm hook, answered at once: the module is ready when loadYoga returns.
        const sync = `(() => {
  const module = {
    instantiateWasm(imports, done) {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(${JSON.stringify(base64)}, "base64")), imports);
      done(instance);
      return instance.exports;
    },
  };
  loadYoga(module);
  if (!module.Node) throw new Error("yoga-layout did not load synchronously");
  return module;
})()`;
        return { loader: "js", contents: patch(path, readFileSync(path, "utf8"), [["await loadYoga()", sync]]) };
      });
    },
  };
}

/** [name in the asset folder, file] pairs, the manifest first. */
function collectAssets() {
  const files = [];
  for (const spec of PACKAGE_FILES) {
    const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
    files.push([`node_modules/${spec}`, require.resolve(spec)]);
    files.push([`node_modules/${name}/package.json`, join(packageDir(require.resolve(spec), name), "package.json")]);
  }
  // web-tree-sitter, bundled, finds its wasm beside the script: new URL("web-tree-sitter.wasm", import.meta.url).
  files.push(["dist/web-tree-sitter.wasm", require.resolve("web-tree-sitter/web-tree-sitter.wasm")]);
  for (const file of readdirSync(join(root, "slides"), { recursive: true, withFileTypes: true })) {
    if (file.isFile()) files.push([relative(root, join(file.parentPath, file.name)), join(file.parentPath, file.name)]);
  }
  // packageRoot() looks for a package.json that names labrun.
  const manifestFile = join(work, "package.json");
  writeFileSync(manifestFile, `${JSON.stringify({ name: pkg.name, version: pkg.version, private: true }, null, 2)}\n`);
  files.push(["package.json", manifestFile]);

  const unique = [...new Map(files).entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  const hash = createHash("sha256");
  const listed = unique.map(([name, file]) => {
    const content = readFileSync(file);
    hash.update(`${name}\0${content.length}\0`).update(content);
    return { name, size: content.length };
  });
  const manifest = { version: pkg.version, hash: hash.digest("hex").slice(0, 16), files: listed };
  const manifestPath = join(work, MANIFEST);
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return [[MANIFEST, manifestPath], ...unique];
}

/** The folder of package `name` that holds `file`. */
function packageDir(file, name) {
  const at = file.lastIndexOf(`${join("node_modules", name)}/`);
  if (at < 0) throw new Error(`${file} is not in node_modules/${name}`);
  return file.slice(0, at + join("node_modules", name).length);
}
