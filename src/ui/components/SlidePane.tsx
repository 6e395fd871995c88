import { Box, Text } from "ink";
import type { RichLine } from "../text.js";
import { textWidth, truncate } from "../text.js";
import { RichText } from "./RichText.js";

export interface SlidePaneProps {
  readonly heading: string;
  readonly chapter: string;
  readonly lines: readonly RichLine[];
  readonly width: number;
  /** Lines for the text below the heading. */
  readonly height: number;
}

/** The slide's title, then as much of its text as fits; a last line says how much did not. */
export function SlidePane({ heading, chapter, lines, width, height }: SlidePaneProps) {
  const title = truncate(heading, width);
  const room = width - textWidth(title) - 3;
  const chapterText = chapter && room > 8 ? truncate(chapter, room) : "";
  const shown = lines.length > height ? lines.slice(0, Math.max(0, height - 1)) : [...lines];
  // A cut slide does not end on the blank line between two paragraphs.
  while (shown.length < lines.length && shown.length > 0 && shown[shown.length - 1]!.length === 0) shown.pop();
  const hidden = lines.length - shown.length;
  return (
    <Box flexDirection="column" width={width} height={height + 1} flexShrink={0} overflow="hidden">
      <Text wrap="truncate-end">
        <Text bold>{title}</Text>
        {chapterText ? <Text dimColor>{"   " + chapterText}</Text> : null}
      </Text>
      {shown.map((line, i) => (
        <RichText key={i} line={line} />
      ))}
      {hidden > 0 ? <Text dimColor>{`  ⋯ ${hidden} more line${hidden === 1 ? "" : "s"} on this slide`}</Text> : null}
    </Box>
  );
}
