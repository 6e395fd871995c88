import { Box, Text } from "ink";
import { truncate } from "../text.js";
import type { StatusView } from "../view.js";
import { toneColor, useColor } from "./theme.js";

export function StatusLine({ view, width }: { readonly view: StatusView | undefined; readonly width: number }) {
  const color = useColor();
  const tone = view ? toneColor(view.tone, color) : undefined;
  return (
    <Box height={1} width={width}>
      <Text wrap="truncate-end" bold={view?.tone === "error"} {...(tone ? { color: tone } : {})}>
        {view ? truncate(view.text, width) : " "}
      </Text>
    </Box>
  );
}
