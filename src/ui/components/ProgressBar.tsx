import { Box, Text } from "ink";
import { textWidth, truncate } from "../text.js";
import type { ProgressView } from "../view.js";
import { useColor } from "./theme.js";

export function ProgressBar({ view, width }: { readonly view: ProgressView; readonly width: number }) {
  const color = useColor();
  const label = truncate(` ${view.label}`, Math.max(1, width - 12));
  const barWidth = Math.max(4, Math.min(40, width - textWidth(label) - 2));
  const filled = Math.round(view.fraction * barWidth);
  return (
    <Box height={1} width={width}>
      <Text wrap="truncate-end">
        <Text {...(color ? { color: "green" } : {})}>{"█".repeat(filled)}</Text>
        <Text dimColor>{"░".repeat(barWidth - filled)}</Text>
        <Text>{label}</Text>
      </Text>
    </Box>
  );
}
