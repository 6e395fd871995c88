import { Box, Text } from "ink";
import { textWidth, truncate } from "../text.js";
import type { HeaderView } from "../view.js";

/** Deck title on the left, chapter and elapsed time on the right, on an inverse bar. */
export function Header({ view, width }: { readonly view: HeaderView; readonly width: number }) {
  const right = ` ${view.right} `;
  const left = truncate(` ${view.left}`, Math.max(1, width - textWidth(right) - 1));
  const gap = Math.max(1, width - textWidth(left) - textWidth(right));
  return (
    <Box height={1} width={width}>
      <Text inverse wrap="truncate-end">
        {left + " ".repeat(gap) + right}
      </Text>
    </Box>
  );
}
