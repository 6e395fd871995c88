import type { LooseBlock } from "../parse/parse-deck.js";

/** The shell text lint analyzes for a block outside exercises: its `$ ` prompts taken off. */
export function looseShellText(block: LooseBlock): string {
  return block.text.replace(/^\s*\$ /gm, "");
}
