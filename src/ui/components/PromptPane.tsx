import { Box, Text } from "ink";
import { truncate, wrapSpans } from "../text.js";
import { RichText } from "./RichText.js";

/** A question (resume, tour) in place of the slide. */
export function PromptPane({ title, lines, width, height }: { readonly title: string; readonly lines: readonly string[]; readonly width: number; readonly height: number }) {
  const body = lines.flatMap((line) => wrapSpans([{ text: line }], width));
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} overflow="hidden">
      <Text bold wrap="truncate-end">
        {truncate(title, width)}
      </Text>
      {body.slice(0, Math.max(0, height - 1)).map((line, i) => (
        <RichText key={i} line={line} />
      ))}
    </Box>
  );
}
