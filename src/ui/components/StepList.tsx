import { Box, Text } from "ink";
import { MARKS, type Mark } from "../describe.js";
import { truncate } from "../text.js";
import { windowRows, type StepRowView } from "../view.js";
import { useColor } from "./theme.js";

const MARK_COLORS: Readonly<Record<Mark, string | undefined>> = {
  passed: "green",
  failed: "red",
  timedOut: "yellow",
  skipped: "gray",
  interrupted: "red",
  running: "cyan",
  pending: undefined,
};

/** The slide's steps: ▶ on the current one, its unit in bold, a status mark before each. */
export function StepList({ rows, width, height, empty }: { readonly rows: readonly StepRowView[]; readonly width: number; readonly height: number; readonly empty: string }) {
  const color = useColor();
  const shown = windowRows(rows, height);
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0} overflow="hidden">
      {shown.length === 0 ? <Text dimColor>{truncate(empty, width)}</Text> : null}
      {shown.map((row) => {
        const markColor = color ? MARK_COLORS[row.mark] : undefined;
        return (
          <Text key={row.key} wrap="truncate-end">
            <Text bold={row.pointer}>{row.pointer ? "▶" : " "}</Text>
            <Text {...(markColor ? { color: markColor } : {})}>{` ${MARKS[row.mark]} `}</Text>
            <Text bold={row.highlighted} inverse={row.pointer} dimColor={row.hidden && !row.highlighted}>
              {truncate(row.text, Math.max(1, width - 4))}
            </Text>
          </Text>
        );
      })}
    </Box>
  );
}
