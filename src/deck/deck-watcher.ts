import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Deck } from "./load.js";

/** How long the files must stay quiet after a change before it counts: editors write several times per save. */
export const DEFAULT_DEBOUNCE_MS = 100;

/** Names that change a deck wherever they appear beside its files. */
const CONFIG_NAMES = new Set(["labrun.yml", "labrun.yaml"]);

/** What a deck's watcher looks at: its files, their folders, and whether a new `.md` in them matters. */
export interface WatchedFiles {
  /** Real paths of the files the deck was loaded from. */
  readonly files: readonly string[];
  /** Folders whose entries may change the deck: the files' folders and the deck's root. */
  readonly folders: readonly string[];
  /** A folder deck: any `.md` appearing in a watched folder is part of it. */
  readonly anyMarkdown: boolean;
}

export function watchedFiles(deck: Deck): WatchedFiles {
  const files = deck.sources ?? deck.files.map((f) => resolve(f.path));
  const folders = [...new Set([resolve(deck.root), ...files.map((f) => dirname(f))])];
  const anyMarkdown = resolve(deck.root) === resolve(deck.source);
  return { files, folders, anyMarkdown };
}

/**
 * Calls `onChange` once the deck's files have been quiet for `debounceMs` after a change. Watches
 * each file and each folder holding one (fs.watch): editors that save by writing a new file and
 * renaming it over the old one leave a watch on the file looking at a file that is gone, and the
 * folder still sees the new one. Call update() after each load: the files, and their inodes, change.
 */
export class DeckWatcher {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    watched: WatchedFiles,
    private readonly onChange: () => void,
    private readonly debounceMs = DEFAULT_DEBOUNCE_MS,
  ) {
    this.update(watched);
  }

  /** Watches these files and folders instead of the previous ones. */
  update(watched: WatchedFiles): void {
    this.closeWatchers();
    if (this.closed) return;
    const files = new Set(watched.files);
    for (const file of files) this.add(file, () => this.changed());
    for (const folder of watched.folders) {
      this.add(folder, (name) => {
        if (name === null || files.has(join(folder, name)) || CONFIG_NAMES.has(basename(name))) this.changed();
        else if (watched.anyMarkdown && name.toLowerCase().endsWith(".md") && !basename(name).startsWith(".")) this.changed();
      });
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.closeWatchers();
  }

  private add(path: string, onEvent: (name: string | null) => void): void {
    try {
      const watcher = watch(path, { persistent: true }, (_event, name) => onEvent(name === null ? null : String(name)));
      // A file deleted or a folder removed: the next load says what is wrong, the other watches go on.
      watcher.on("error", () => undefined);
      this.watchers.push(watcher);
    } catch {
      // Gone between the load and now: the folder's watch sees it come back.
    }
  }

  private changed(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.onChange(), this.debounceMs);
  }

  private closeWatchers(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
