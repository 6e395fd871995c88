import { Box, Text } from "ink";
import type { ExpectationView } from "../view.js";
import { textWidth, truncate } from "../text.js";
import { RichText } from "./RichText.js";
import { toneColor, useColor } from "./theme.js";

export interface OutputPaneProps {
  readonly lines: readonly string[];
  readonly width: number;
  readonly height: number;
  /** Lines scrolled back (shown in the rule). */
  readonly scroll: number;
  readonly title: string;
  readonly side: number;
  readonly expectation: ExpectationView | undefined;
}

/** A rule, then the shell's output, with the expectation in a column beside it. */
export function OutputPane({ lines, width, height, scroll, title, side, expectation }: OutputPaneProps) {
  const color = useColor();
  const scrolled = scroll > 0 ? ` ↑${scroll} (PgDn)` : "";
  const left = rule(`${title}${scrolled}`, width);
  const right = side > 0 ? rule(expectation?.heading ?? "expected output", side) : "";
  return (
    <Box flexDirection="column" flexShrink={0} height={height + 1}>
      <Text wrap="truncate-end">
        <Text dimColor>{left}</Text>
        {side > 0 ? (
          <>
            <Text dimColor>┬</Text>
            <Text dimColor={!expectation || expectation.tone === "pending"} bold={expectation?.tone === "failed"} {...colorProp(toneColor(expectation?.tone ?? "pending", color))}>
              {right}
            </Text>
          </>
        ) : null}
      </Text>
      <Box flexDirection="row" height={height}>
        <Box flexDirection="column" width={width} height={height} overflow="hidden">
          {lines.map((line, i) => (
            <Text key={i} wrap="truncate-end">
              {line === "" ? " " : line}
            </Text>
          ))}
        </Box>
        {side > 0 ? (
          <>
            <Box flexDirection="column" width={1} height={height}>
              {Array.from({ length: height }, (_, i) => (
                <Text key={i} dimColor>
                  │
                </Text>
              ))}
            </Box>
            <Box flexDirection="column" width={side} height={height} overflow="hidden">
              {(expectation?.lines ?? []).slice(0, height).map((line, i) => (
                <RichText key={i} line={line} />
              ))}
            </Box>
          </>
        ) : null}
      </Box>
    </Box>
  );
}

function rule(title: string, width: number): string {
  const text = truncate(`─ ${title} `, width);
  return text + "─".repeat(Math.max(0, width - textWidth(text)));
}

function colorProp(color: string | undefined): { color?: string } {
  return color ? { color } : {};
}
