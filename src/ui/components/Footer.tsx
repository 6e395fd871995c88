import { Box, Text } from "ink";

/** Key hints, laid out beforehand in lines that fit (keymap.layoutHints). */
export function Footer({ lines, width, height }: { readonly lines: readonly (readonly string[])[]; readonly width: number; readonly height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} overflow="hidden">
      {lines.slice(0, height).map((items, i) => (
        <Text key={i} wrap="truncate-end">
          {items.map((item, j) => {
            const space = item.indexOf(" ");
            return (
              <Text key={j}>
                {j > 0 ? "  " : ""}
                <Text bold>{item.slice(0, space)}</Text>
                <Text dimColor>{item.slice(space)}</Text>
              </Text>
            );
          })}
        </Text>
      ))}
    </Box>
  );
}
