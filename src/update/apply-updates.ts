/**
 * `labrun run DECK --update`, the effects: read the slide files the stale expectations are in,
 * plan the edits (plan-updates.ts), write each changed file whole (temp file, then rename: a
 * reader never sees half of it; its permissions and owner kept), and say what changed.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { applyEdits, planUpdates, type Refusal, type StaleExpectation } from "./plan-updates.js";

export interface UpdateOutcome {
  /** `file:line` of each block rewritten, where it is now, in file and line order. */
  readonly updated: readonly string[];
  /** The `where` of each stale expectation that was rewritten. */
  readonly updatedWhere: ReadonlySet<string>;
  readonly refused: readonly Refusal[];
}

export async function updateExpectations(stale: readonly StaleExpectation[]): Promise<UpdateOutcome> {
  const sources = new Map<string, string>();
  const unreadable: Refusal[] = [];
  for (const file of new Set(stale.flatMap((s) => (s.block ? [s.block.file] : [])))) {
    try {
      const bytes = await readFile(file);
      const text = bytes.toString("utf8");
      // Written back as UTF-8: a file that is not would not stay byte for byte outside the block.
      if (!Buffer.from(text, "utf8").equals(bytes)) unreadable.push({ where: file, reason: "not UTF-8 text: left as it is" });
      else sources.set(file, text);
    } catch (e) {
      unreadable.push({ where: file, reason: `cannot be read: ${(e as Error).message}` });
    }
  }
  const bad = new Set(unreadable.map((u) => u.where));
  const plan = planUpdates(stale.filter((s) => !(s.block && bad.has(s.block.file))), sources);
  const updated: { file: string; line: number }[] = [];
  const updatedWhere = new Set<string>();
  const refused = [...unreadable, ...plan.refused];
  for (const file of new Set(plan.edits.map((e) => e.file))) {
    const edits = plan.edits.filter((e) => e.file === file);
    const { text, lines } = applyEdits(sources.get(file)!, edits);
    try {
      // A symlinked slide file is rewritten where it leads, and stays a symlink.
      const real = await realpath(file);
      const before = await stat(real);
      await writeFileAtomic(real, text, before.mode & 0o7777, { uid: before.uid, gid: before.gid });
    } catch (e) {
      for (const edit of edits) refused.push({ where: edit.where, reason: `could not write ${file}: ${(e as Error).message}` });
      continue;
    }
    for (const edit of edits) {
      updated.push({ file, line: lines.get(edit)! });
      const source = stale.find((s) => s.block?.file === edit.file && s.block.line === edit.line);
      if (source) updatedWhere.add(source.where);
    }
  }
  updated.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
  return { updated: updated.map((u) => `${u.file}:${u.line}`), updatedWhere, refused };
}
