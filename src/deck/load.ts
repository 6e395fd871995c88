import { readdirSync, realpathSync, statSync, existsSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { DeckError } from "../problem.js";
import type { DeckConfig } from "./config.js";
import { DEFAULT_CONFIG } from "./default-config.js";
import type { YamlFile } from "./yaml-file.js";
import { expandIncludes, manifestValues, substitute, type LineOrigin, type Resolved, type SourcePlace, type SubstituteOptions, type UnfilledPlaceholder } from "./placeholders.js";
import { DeckFiles, findRepository, type NamedAt } from "./deck-files.js";

export interface DeckFile {
  /** Path as given to the user (relative to the working directory when possible). */
  readonly path: string;
  /** Path relative to the deck's root, without extension: the stable part of step ids. */
  readonly key: string;
  /** The text as the slides show it: placeholders filled, `@@INCLUDE[path]` expanded. */
  readonly text: string;
  /**
   * The line in `path` of each line of `text` (index 0 is line 1), when they differ: Markdown
   * written in a manifest, a file included in place. Use sourceLine().
   */
  readonly sourceLines?: readonly number[];
  /** Added to the columns of `text` to get the source's (Markdown indented in a manifest). */
  readonly columnOffset?: number;
  /** The file and line of the lines an `@@INCLUDE[path]` brought in (see sourcePlace()). */
  readonly origins?: readonly (LineOrigin | undefined)[];
  /** Placeholders left in `text`, for lint. */
  readonly unfilled?: readonly UnfilledPlaceholder[];
}

/** The line in the file's source of line `line` of its text. */
export function sourceLine(file: DeckFile, line: number): number {
  return file.sourceLines?.[line - 1] ?? line;
}

/**
 * The file (as shown) and line that line `line` of the file's text was read from: the included
 * file's own line for a line an `@@INCLUDE[path]` alone on its line brought in, else the file's.
 */
export function sourcePlace(file: DeckFile, line: number): LineOrigin {
  return file.origins?.[line - 1] ?? { file: file.path, line: sourceLine(file, line) };
}

/** The column in the file's source of column `column` of its text. */
export function sourceColumn(file: DeckFile, column: number): number {
  return column + (file.columnOffset ?? 0);
}

export interface Deck {
  readonly source: string;
  readonly title: string;
  readonly root: string;
  readonly exclude: readonly string[];
  readonly files: readonly DeckFile[];
  readonly config: DeckConfig;
  /** Where the config came from, if anywhere. */
  readonly configFile?: string;
  /** The line and column of a config field (a zod-style path), for messages about its values. */
  readonly configAt?: (path: readonly (string | number)[]) => { line: number; column: number };
  /** The real path of every file read to load it: manifest, config, Markdown, `@@INCLUDE`d files. */
  readonly sources?: readonly string[];
}

const CONFIG_NAMES = ["labrun.yml", "labrun.yaml"];

/** The YAML parser and the schemas (zod): loaded only for a deck that has YAML, a manifest or a labrun.yml. */
async function yamlTools() {
  const [{ readYaml, validate, positionOf }, { DeckConfigSchema, ManifestSchema }, { manifestEntries }] = await Promise.all([
    import("./yaml-file.js"),
    import("./config.js"),
    import("./manifest-entries.js"),
  ]);
  return { readYaml, validate, positionOf, DeckConfigSchema, ManifestSchema, manifestEntries };
}

/**
 * Load a deck: a .md file, a folder of them (recursively, in path order), or a YAML manifest.
 * Every file is read through DeckFiles: inside the deck's repository, regular, bounded. Throws DeckError.
 */
export async function loadDeck(source: string): Promise<Deck> {
  const abs = resolve(source);
  const stat = statOrThrow(source, abs);
  if (stat.isDirectory()) return loadFolder(source, abs);
  const ext = extname(abs).toLowerCase();
  if (isManifestName(abs)) return loadManifest(source, abs);
  const folder = dirname(abs);
  const files = new DeckFiles(findRepository(folder, folder));
  const found = await findConfig(folder, files);
  const file = readDeckFile(abs, folder, files, placeholderFiller(folder, {}, files));
  if (!file.text.trim()) throw new DeckError(file.path, "the deck is empty");
  return { source, title: basename(abs, ext), root: folder, exclude: [], files: [file], ...found, sources: files.sources };
}

function statOrThrow(shown: string, abs: string) {
  try {
    return statSync(abs);
  } catch {
    throw new DeckError(shown, "no such file or folder");
  }
}

async function loadFolder(source: string, abs: string): Promise<Deck> {
  const paths = listMarkdown(abs).sort();
  if (paths.length === 0) throw new DeckError(source, "no .md files in this folder");
  const reader = new DeckFiles(findRepository(abs, abs));
  const found = await findConfig(abs, reader);
  const filler = placeholderFiller(abs, {}, reader);
  const files = paths.map((p) => readDeckFile(p, abs, reader, filler));
  if (files.every((f) => !f.text.trim())) throw new DeckError(source, "the deck is empty");
  return { source, title: basename(abs), root: abs, exclude: [], files, ...found, sources: reader.sources };
}

/** The .md files under `dir`, symlinked ones included (DeckFiles refuses those leading out); symlinked folders are not followed. */
function listMarkdown(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listMarkdown(full));
    else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.toLowerCase().endsWith(".md")) out.push(full);
  }
  return out;
}

async function loadManifest(source: string, abs: string): Promise<Deck> {
  const { readYaml, validate, positionOf, DeckConfigSchema, ManifestSchema, manifestEntries } = await yamlTools();
  const shown = displayPath(abs);
  const root = dirname(abs);
  // Limits come from the configuration, which may be in the manifest: the manifest itself is read under the defaults.
  const reader = new DeckFiles(findRepository(root, dirname(root)));
  const text = reader.readText(abs, shown);
  const y = readYaml(shown, text);
  const manifest = validate(y, ManifestSchema, "manifest");
  const inlineYaml = manifest.labrun === undefined ? undefined : subYaml(y, "labrun");
  const found = inlineYaml
    ? { config: validate(inlineYaml, DeckConfigSchema, "labrun"), configFile: shown, configAt: (p: readonly (string | number)[]) => positionOf(inlineYaml, p) }
    : await findConfig(root, reader);
  reader.setLimits(found.config.limits);
  const self = realpathSync(abs);
  const filler = placeholderFiller(root, manifestValues({ ...manifest, fileName: basename(abs) }), reader, true);
  const manifestKey = basename(abs, extname(abs));
  const files: DeckFile[] = [];
  let inline = 0;
  for (const entry of manifestEntries(y, manifest.content !== undefined ? "content" : "chapters", text)) {
    if (entry.kind === "inline") {
      inline++;
      const filled = substitute(entry.text, { ...filler(self), sourceLine: entry.sourceLine, columnOffset: entry.columnOffset });
      files.push({ path: shown, key: `${manifestKey}/inline-${inline}`, ...filled, columnOffset: entry.columnOffset });
      continue;
    }
    const path = resolve(root, entry.path);
    const at = { file: shown, line: entry.line, column: entry.column, what: `content entry '${entry.path}'` };
    const real = reader.check(path, displayPath(path), at);
    if (real === undefined) throw new DeckError(shown, `content entry '${entry.path}' does not exist`, entry.line, entry.column);
    if (real === self) throw new DeckError(shown, `content entry '${entry.path}' is this manifest: a cycle (${shown} -> ${shown})`, entry.line, entry.column);
    if (isManifestName(entry.path)) throw new DeckError(shown, `content entry '${entry.path}' is a manifest: a course's entries are Markdown files (manifests do not nest)`, entry.line, entry.column);
    files.push(readDeckFile(path, root, reader, filler, at));
  }
  if (files.length === 0 || files.every((f) => !f.text.trim())) throw new DeckError(shown, "the deck is empty");
  return {
    source,
    title: manifest.title?.trim().split("\n")[0] ?? basename(abs),
    root,
    exclude: manifest.exclude,
    files,
    ...found,
    sources: reader.sources,
  };
}

/** A YAML file's name: a manifest, never a course's entry (the build reads every entry as Markdown). */
function isManifestName(path: string): boolean {
  const ext = extname(path).toLowerCase();
  return ext === ".yml" || ext === ".yaml";
}

/** How the placeholders of one file (its real path) are filled. */
type Filler = (file: string) => Pick<SubstituteOptions, "values" | "fromManifest" | "link" | "include">;

/**
 * How placeholders are filled for a deck whose folder is `deckRoot`: `@@LINK[path]` and
 * `@@INCLUDE[path]` name files from the repository's root, the folder above the deck's (a course's
 * manifests are in `slides/`, the files they include in `k8s/`...). An included file's own
 * includes are expanded too; one that comes back to a file on its way is a cycle.
 */
function placeholderFiller(deckRoot: string, values: Record<string, string>, reader: DeckFiles, fromManifest = false): Filler {
  const repository = dirname(deckRoot);
  const includeFrom =
    (chain: readonly string[]) =>
    (path: string, at: SourcePlace): Resolved => {
      const abs = resolve(repository, path);
      const named = { file: displayPath(chain[chain.length - 1]!), ...at, what: `@@INCLUDE[${path}]` };
      const real = reader.check(abs, displayPath(abs), named);
      if (real === undefined) return { missing: `@@INCLUDE[${path}]: no file '${path}' in the repository (${displayPath(repository) || "."})` };
      const seen = chain.indexOf(real);
      if (seen >= 0) {
        const cycle = [...chain.slice(seen), real].map(displayPath).join(" -> ");
        throw new DeckError(named.file, `@@INCLUDE[${path}] makes a cycle: ${cycle}`, at.line, at.column);
      }
      const text = reader.readText(real, displayPath(abs), named);
      return expandIncludes(text.replace(/\r?\n$/, "").replace(/\r\n?/g, "\n"), displayPath(abs), includeFrom([...chain, real]));
    };
  return (file) => ({
    values,
    fromManifest,
    link: (path) => {
      const abs = resolve(repository, path);
      let real: string | undefined;
      try {
        real = reader.check(abs, path);
      } catch {
        real = undefined;
      }
      // As the build does: a file it cannot see is named, not linked.
      if (real === undefined) return { text: path };
      const url = values.GITREPO ? `https://${values.GITREPO}/tree/master/${path}` : relative(deckRoot, abs).split(sep).join("/");
      return { text: `[${path}](${url})` };
    },
    include: includeFrom([file]),
  });
}

/** A view of one key of a YAML document, so that zod's paths inside it map to the right lines. */
function subYaml(y: YamlFile, key: string) {
  const node = y.doc.get(key, true);
  const doc = y.doc.clone();
  doc.contents = node as typeof doc.contents;
  return { ...y, doc } as YamlFile;
}

/** labrun.yml in `dir`, if any; its limits apply to what `reader` reads next. */
async function findConfig(dir: string, reader: DeckFiles): Promise<Pick<Deck, "config" | "configFile" | "configAt">> {
  for (const name of CONFIG_NAMES) {
    const path = join(dir, name);
    if (existsSync(path)) {
      const { readYaml, validate, positionOf, DeckConfigSchema } = await yamlTools();
      const shown = displayPath(path);
      const y = readYaml(shown, reader.readText(path, shown));
      const config = validate(y, DeckConfigSchema, "config");
      reader.setLimits(config.limits);
      return { config, configFile: shown, configAt: (p) => positionOf(y, p) };
    }
  }
  return { config: DEFAULT_CONFIG };
}

function readDeckFile(abs: string, root: string, reader: DeckFiles, filler: Filler, at?: NamedAt): DeckFile {
  const shown = displayPath(abs);
  const real = reader.check(abs, shown, at);
  if (real === undefined) throw new DeckError(shown, "no such file");
  const rel = relative(root, abs);
  const key = rel.slice(0, rel.length - extname(rel).length).split(sep).join("/");
  return { path: shown, key, ...substitute(reader.readText(real, shown, at), filler(real)) };
}

export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith("..") ? rel : abs;
}
