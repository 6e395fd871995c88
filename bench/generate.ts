import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A large deck for benchmarks: `files` Markdown files of about `bytes` in all, made of the seed's
 * slides with renamed titles and variables, so every construct (exercises, directives, reveals,
 * expectations, loops) is there in realistic proportions.
 */
export function generateDeck(dir: string, seedPath: string, files = 300, bytes = 2_000_000): string {
  const seed = readFileSync(seedPath, "utf8");
  const perFile = Math.ceil(bytes / files);
  mkdirSync(join(dir, "slides"), { recursive: true });
  const content: string[] = [];
  for (let f = 0; f < files; f++) {
    let text = "";
    let copy = 0;
    while (text.length < perFile) {
      text += (text ? "\n---\n\n" : "") + seed.replace(/^(#+ )(.*)$/gm, `$1$2 (${f}.${copy})`).replace(/\bREGISTRY\b/g, `REGISTRY${copy}`);
      copy++;
    }
    const name = `slides/part${String(f).padStart(3, "0")}.md`;
    // Cut at the first slide boundary past the target size, so every file is a well-formed deck.
    const cut = text.indexOf("\n---\n", perFile);
    writeFileSync(join(dir, name), cut < 0 ? text : text.slice(0, cut + 1));
    content.push(name);
  }
  writeFileSync(join(dir, "course.yml"), `title: Benchmark course\ncontent:\n${content.map((c) => `  - ${c}`).join("\n")}\n`);
  return join(dir, "course.yml");
}
