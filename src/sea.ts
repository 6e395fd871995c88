/**
 * labrun as one executable file (Node's single executable applications; `npm run package`,
 * scripts/package.mjs). The files it reads at run time besides its code (node-pty's native
 * module, the tree-sitter wasm, the HTML report's player, the bundled decks) travel in the
 * executable as assets. They are written out once, to a cache folder laid out like an installed
 * labrun (package.json, slides/, node_modules/...), and the bundle's `import.meta.url` points into
 * it: the code that finds its files from its own location (packageRoot(),
 * createRequire(import.meta.url).resolve()) finds them there, unchanged.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { getAsset } from "node:sea";

/** The asset that lists the others; written by scripts/package.mjs. */
export const SEA_MANIFEST = "labrun-sea.json";

export interface SeaManifest {
  readonly version: string;
  /** Of every asset's name and content: a new build with other files gets another folder. */
  readonly hash: string;
  /** Each asset's path in the folder (its key in the executable) and its size. */
  readonly files: readonly { readonly name: string; readonly size: number }[];
}

/**
 * The folder holding the assets, written now if it is not there yet:
 * `$XDG_CACHE_HOME/labrun/VERSION-HASH` (default `~/.cache/labrun/...`). It is written under
 * another name and renamed whole, so labruns started at once each find it complete. Where the
 * cache cannot be written, a folder of this run's own in the temp folder, removed at exit.
 */
export function assetFolder(env: NodeJS.ProcessEnv = process.env): string {
  const manifest = JSON.parse(getAsset(SEA_MANIFEST, "utf8")) as SeaManifest;
  const name = `${manifest.version}-${manifest.hash}`;
  try {
    return extractOnce(manifest, join(cacheBase(env), name));
  } catch {
    const own = mkdtempSync(join(tmpdir(), `labrun-${name}-`));
    process.on("exit", () => rmSync(own, { recursive: true, force: true }));
    writeAssets(manifest, own);
    return own;
  }
}

function cacheBase(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg && isAbsolute(xdg) ? join(xdg, "labrun") : join(homedir(), ".cache", "labrun");
}

function extractOnce(manifest: SeaManifest, folder: string): string {
  if (complete(manifest, folder)) return folder;
  mkdirSync(dirname(folder), { recursive: true, mode: 0o700 });
  const temp = mkdtempSync(`${folder}.tmp-`);
  try {
    writeAssets(manifest, temp);
    for (let attempt = 0; ; attempt++) {
      try {
        renameSync(temp, folder);
        return folder;
      } catch (error) {
        // Another labrun renamed its copy first; or a damaged copy (a file removed) is in the way.
        if (complete(manifest, folder)) return folder;
        if (attempt === 2) throw error;
        const damaged = mkdtempSync(`${folder}.old-`);
        try {
          renameSync(folder, join(damaged, "assets"));
        } catch {
          // Gone already, moved by another labrun: try again.
        }
        rmSync(damaged, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Every asset is there with its size (the folder appears whole, by a rename, so this is enough). */
function complete(manifest: SeaManifest, folder: string): boolean {
  return manifest.files.every(({ name, size }) => statSync(join(folder, name), { throwIfNoEntry: false })?.size === size);
}

function writeAssets(manifest: SeaManifest, folder: string): void {
  for (const { name } of manifest.files) {
    const path = join(folder, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, new Uint8Array(getAsset(name)));
  }
}
