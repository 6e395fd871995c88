import { Text } from "ink";
import type { RichLine } from "../text.js";
import { textStyle, useColor } from "./theme.js";

/** One line of styled spans, cut (never wrapped) at the box's width. */
export function RichText({ line }: { readonly line: RichLine }) {
  const color = useColor();
  if (line.length === 0) return <Text> </Text>;
  return (
    <Text wrap="truncate-end">
      {line.map((span, i) => (
        <Text key={i} {...textStyle(span.style, color)}>
          {span.text}
        </Text>
      ))}
    </Text>
  );
}
