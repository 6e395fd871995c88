// The build id (src/plan/plan-cache.ts): a plan cached by one build is never read by another.
// A hash of what the code does: labrun's version, src/ (every file) and the lockfile (the
// dependencies' versions: remark, tree-sitter-bash...).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export function buildId(root) {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const hash = createHash("sha256").update(`${pkg.name}@${pkg.version}\0`);
  const src = join(root, "src");
  const files = readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => join(f.parentPath ?? f.path, f.name))
    .sort();
  for (const file of files) hash.update(`${file.slice(root.length)}\0`).update(readFileSync(file)).update("\0");
  hash.update(readFileSync(join(root, "package-lock.json")));
  return hash.digest("hex").slice(0, 32);
}
