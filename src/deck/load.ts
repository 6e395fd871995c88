import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { DeckError } from "../problem.js";
import { DEFAULT_CONFIG, DeckConfigSchema, ManifestSchema, type DeckConfig } from "./config.js";
import { readYaml, validate, positionOf, type YamlFile } from "./yaml-file.js";
import { manifestEntries } from "./manifest-entries.js";
import { manifestValues, substitute, type SubstituteOptions, type UnfilledPlaceholder } from "./placeholders.js";

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
  /** Placeholders left in `text`, for lint. */
  readonly unfilled?: readonly UnfilledPlaceholder[];
}

/** The line in the file's source of line `line` of its text. */
export function sourceLine(file: DeckFile, line: number): number {
  return file.sourceLines?.[line - 1] ?? line;
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
}

const CONFIG_NAMES = ["labrun.yml", "labrun.yaml"];

/** Load a deck: a .md file, a folder of them (recursively, in path order), or a YAML manifest. Throws DeckError. */
export function loadDeck(source: string): Deck {
  const abs = resolve(source);
  const stat = statOrThrow(source, abs);
  if (stat.isDirectory()) return loadFolder(source, abs);
  const ext = extname(abs).toLowerCase();
  if (ext === ".yml" || ext === ".yaml") return loadManifest(source, abs);
  const file = readDeckFile(abs, dirname(abs), placeholderFiller(dirname(abs), {}));
  if (!file.text.trim()) throw new DeckError(file.path, "the deck is empty");
  return {
    source,
    title: basename(abs, ext),
    root: dirname(abs),
    exclude: [],
    files: [file],
    ...findConfig(dirname(abs)),
  };
}

function statOrThrow(shown: string, abs: string) {
  try {
    return statSync(abs);
  } catch {
    throw new DeckError(shown, "no such file or folder");
  }
}

function loadFolder(source: string, abs: string): Deck {
  const paths = listMarkdown(abs).sort();
  if (paths.length === 0) throw new DeckError(source, "no .md files in this folder");
  const filler = placeholderFiller(abs, {});
  const files = paths.map((p) => readDeckFile(p, abs, filler));
  if (files.every((f) => !f.text.trim())) throw new DeckError(source, "the deck is empty");
  return { source, title: basename(abs), root: abs, exclude: [], files, ...findConfig(abs) };
}

function listMarkdown(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listMarkdown(full));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith(".md")) out.push(full);
  }
  return out;
}

function loadManifest(source: string, abs: string): Deck {
  const shown = displayPath(abs);
  const text = readText(abs);
  const y = readYaml(shown, text);
  const manifest = validate(y, ManifestSchema, "manifest");
  const root = dirname(abs);
  const filler = placeholderFiller(root, manifestValues({ ...manifest, fileName: basename(abs) }), true);
  const manifestKey = basename(abs, extname(abs));
  const files: DeckFile[] = [];
  let inline = 0;
  for (const entry of manifestEntries(y, manifest.content !== undefined ? "content" : "chapters", text)) {
    if (entry.kind === "inline") {
      inline++;
      const filled = substitute(entry.text, { ...filler, sourceLine: entry.sourceLine, columnOffset: entry.columnOffset });
      files.push({ path: shown, key: `${manifestKey}/inline-${inline}`, ...filled, columnOffset: entry.columnOffset });
      continue;
    }
    const path = resolve(root, entry.path);
    if (!existsSync(path)) throw new DeckError(shown, `content entry '${entry.path}' does not exist`, entry.line, entry.column);
    if (!statSync(path).isFile()) throw new DeckError(shown, `content entry '${entry.path}' is a folder, expected a .md file`, entry.line, entry.column);
    files.push(readDeckFile(path, root, filler));
  }
  if (files.length === 0 || files.every((f) => !f.text.trim())) throw new DeckError(shown, "the deck is empty");
  const inlineYaml = manifest.labrun === undefined ? undefined : subYaml(y, "labrun");
  const found = inlineYaml
    ? { config: validate(inlineYaml, DeckConfigSchema, "labrun"), configFile: shown, configAt: (p: readonly (string | number)[]) => positionOf(inlineYaml, p) }
    : findConfig(root);
  return {
    source,
    title: manifest.title?.trim().split("\n")[0] ?? basename(abs),
    root,
    exclude: manifest.exclude,
    files,
    ...found,
  };
}

type Filler = Pick<SubstituteOptions, "values" | "fromManifest" | "link" | "include">;

/**
 * How placeholders are filled for a deck whose folder is `deckRoot`: `@@LINK[path]` and
 * `@@INCLUDE[path]` name files from the repository's root, the folder above the deck's (a course's
 * manifests are in `slides/`, the files they include in `k8s/`...).
 */
function placeholderFiller(deckRoot: string, values: Record<string, string>, fromManifest = false): Filler {
  const repository = dirname(deckRoot);
  const isFile = (path: string) => existsSync(path) && statSync(path).isFile();
  return {
    values,
    fromManifest,
    link: (path) => {
      const abs = resolve(repository, path);
      // As the build does: a file it cannot see is named, not linked.
      if (!isFile(abs)) return { text: path };
      const url = values.GITREPO ? `https://${values.GITREPO}/tree/master/${path}` : relative(deckRoot, abs).split(sep).join("/");
      return { text: `[${path}](${url})` };
    },
    include: (path) => {
      const abs = resolve(repository, path);
      if (!isFile(abs)) return { missing: `@@INCLUDE[${path}]: no file '${path}' in the repository (${displayPath(repository) || "."})` };
      try {
        return { text: readText(abs).replace(/\r?\n$/, "").replace(/\r\n?/g, "\n") };
      } catch (e) {
        return { missing: `@@INCLUDE[${path}]: ${e instanceof DeckError ? e.message : String(e)}` };
      }
    },
  };
}

/** A view of one key of a YAML document, so that zod's paths inside it map to the right lines. */
function subYaml(y: ReturnType<typeof readYaml>, key: string) {
  const node = y.doc.get(key, true);
  const doc = y.doc.clone();
  doc.contents = node as typeof doc.contents;
  return { ...y, doc } as YamlFile;
}

function findConfig(dir: string): Pick<Deck, "config" | "configFile" | "configAt"> {
  for (const name of CONFIG_NAMES) {
    const path = join(dir, name);
    if (existsSync(path)) {
      const shown = displayPath(path);
      const y = readYaml(shown, readText(path));
      return { config: validate(y, DeckConfigSchema, "config"), configFile: shown, configAt: (p) => positionOf(y, p) };
    }
  }
  return { config: DEFAULT_CONFIG };
}

function readDeckFile(abs: string, root: string, filler: Filler): DeckFile {
  const shown = displayPath(abs);
  if (statOrThrow(shown, abs).isDirectory()) throw new DeckError(shown, "is a folder, expected a .md file");
  const rel = relative(root, abs);
  const key = rel.slice(0, rel.length - extname(rel).length).split(sep).join("/");
  return { path: shown, key, ...substitute(readText(abs), filler) };
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function readText(abs: string): string {
  const shown = displayPath(abs);
  let bytes: Buffer;
  try {
    bytes = readFileSync(abs);
  } catch (e) {
    throw new DeckError(shown, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new DeckError(shown, "binary file (contains a NUL byte), not a Markdown deck", lineAt(bytes, nul));
  try {
    return decoder.decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new DeckError(shown, "not valid UTF-8 text", lineAt(bytes, firstInvalidUtf8(bytes)));
  }
}

function lineAt(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++;
  return line;
}

function firstInvalidUtf8(bytes: Buffer): number {
  // Decode line by line: the first line that fails holds the bad byte.
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    if (end < 0) end = bytes.length;
    try {
      decoder.decode(bytes.subarray(start, end));
    } catch {
      return start;
    }
    start = end + 1;
  }
  return 0;
}

export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith("..") ? rel : abs;
}
