import { Box, Text } from "ink";
import { HELP } from "../keymap.js";
import { wrapSpans, type RichLine } from "../text.js";
import { RichText } from "./RichText.js";

/** Every key and what it does, as many as fit. */
export function HelpPane({ width, height }: { readonly width: number; readonly height: number }) {
  const keyWidth = Math.min(18, Math.max(...HELP.map(([keys]) => keys.length)) + 2);
  const lines: RichLine[] = HELP.flatMap(([keys, action]) =>
    wrapSpans([{ text: action }], width, [{ text: keys.padEnd(keyWidth), style: { bold: true } }], [{ text: " ".repeat(keyWidth) }]),
  );
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} overflow="hidden">
      <Text bold>Keys</Text>
      {lines.slice(0, Math.max(0, height - 1)).map((line, i) => (
        <RichText key={i} line={line} />
      ))}
    </Box>
  );
}
