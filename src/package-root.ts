/** Where labrun's own files are (slides/, package.json), from src/ as from the bundle in dist/. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let found: string | undefined;

/** The folder of labrun's package.json, the first one above this module that names labrun. */
export function packageRoot(): string {
  if (found !== undefined) return found;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "labrun") return (found = dir);
    if (dirname(dir) === dir) throw new Error("labrun's package.json was not found above its code");
  }
}
