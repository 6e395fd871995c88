import { useCallback, useMemo, useReducer } from "react";
import { Box, Text, useApp } from "ink";
import { footerHints, layoutHints } from "../keymap.js";
import { computeLayout, MIN_COLS, MIN_ROWS, type Layout } from "../layout.js";
import { slideLines } from "../markdown.js";
import type { PaneTerminal } from "../pane-terminal.js";
import { reduce, type UiState } from "../state.js";
import { textWidth, wrapSpans } from "../text.js";
import {
  atEnd,
  currentSlide,
  endLines,
  expectationView,
  headerView,
  progressView,
  promptLines,
  slideHasExpectations,
  statusView,
  stepRows,
} from "../view.js";
import { useController, type ProgressSink, type StepRunner } from "../hooks/use-controller.js";
import { useElapsed } from "../hooks/use-elapsed.js";
import { useKeys } from "../hooks/use-keys.js";
import { usePaneView } from "../hooks/use-pane-view.js";
import { useTerminalSize, type TerminalSize } from "../hooks/use-terminal-size.js";
import { Footer } from "./Footer.js";
import { Header } from "./Header.js";
import { HelpPane } from "./HelpPane.js";
import { OutputPane } from "./OutputPane.js";
import { ProgressBar } from "./ProgressBar.js";
import { PromptPane } from "./PromptPane.js";
import { SlidePane } from "./SlidePane.js";
import { StatusLine } from "./StatusLine.js";
import { StepList } from "./StepList.js";
import { ColorContext } from "./theme.js";

export interface AppProps {
  readonly initial: UiState;
  readonly deckTitle: string;
  readonly runner: StepRunner;
  /** The terminal the runner's output is written to (src/ui/pane-terminal.ts). */
  readonly pane: PaneTerminal;
  readonly store?: ProgressSink;
  /** False under NO_COLOR. */
  readonly color?: boolean;
  /** A fixed size instead of the terminal's (tests). */
  readonly size?: TerminalSize;
  readonly tourDeck?: string;
  readonly startedAt?: number;
  readonly onExit?: (exit: "quit" | "tour") => void;
}

export function App(props: AppProps) {
  const { runner, pane, store, color = true } = props;
  const size = useTerminalSize(props.size);
  const [state, dispatch] = useReducer(reduce, props.initial);
  const footerLines = useMemo(() => layoutHints(footerHints("browse"), size.cols, textWidth).length, [size.cols]);
  const layout = computeLayout(size.cols, size.rows, { takeover: state.mode.kind === "takeover", expectations: slideHasExpectations(state), footerLines });

  const { exit } = useApp();
  const { onExit: notifyExit } = props;
  const onExit = useCallback(
    (how: "quit" | "tour") => {
      notifyExit?.(how);
      exit();
    },
    [notifyExit, exit],
  );
  const { sendToShell } = useController({ state, dispatch, runner, pane, output: layout.output, store, onExit });
  const paneView = usePaneView(pane, layout.output.height, state.scroll, { color, live: state.mode.kind === "takeover" });
  useKeys({ mode: state.mode.kind, dispatch, room: { page: layout.output.height, max: paneView.maxScroll }, sendToShell });
  const startedAt = useMemo(() => props.startedAt ?? Date.now(), [props.startedAt]);
  const elapsed = useElapsed(startedAt);

  return (
    <ColorContext.Provider value={color}>
      <Box flexDirection="column" width={layout.cols} height={layout.rows} overflow="hidden">
        {layout.tooSmall ? (
          <Text wrap="wrap">{`The terminal is too small (${size.cols}x${size.rows}): labrun needs ${MIN_COLS}x${MIN_ROWS}. q quits.`}</Text>
        ) : (
          <Screen state={state} layout={layout} lines={paneView.lines} deckTitle={props.deckTitle} tourDeck={props.tourDeck} elapsed={elapsed} />
        )}
      </Box>
    </ColorContext.Provider>
  );
}

interface ScreenProps {
  readonly state: UiState;
  readonly layout: Layout;
  readonly lines: readonly string[];
  readonly deckTitle: string;
  readonly tourDeck: string | undefined;
  readonly elapsed: number;
}

function Screen({ state, layout, lines, deckTitle, tourDeck, elapsed }: ScreenProps) {
  const { cols } = layout;
  const mode = state.mode.kind;
  const top = (
    <>
      <Header view={headerView(deckTitle, elapsed)} width={cols} />
      <ProgressBar view={progressView(state)} width={cols} />
    </>
  );
  const bottom = (
    <>
      <StatusLine view={statusView(state)} width={cols} />
      <Footer lines={layoutHints(footerHints(mode), cols, textWidth)} width={cols} height={layout.footer} />
    </>
  );
  const output = (
    <OutputPane
      lines={lines}
      width={layout.output.width}
      height={layout.output.height}
      scroll={state.scroll}
      title={mode === "takeover" ? "shell (take-over)" : "output"}
      side={layout.side}
      expectation={layout.side > 0 ? expectationView(state, layout.side) : undefined}
    />
  );
  const slideHeight = layout.slideText + 1 + layout.stepList;
  if (mode === "help") {
    return (
      <>
        {top}
        <HelpPane width={cols} height={slideHeight + 1 + layout.output.height} />
        {bottom}
      </>
    );
  }
  if (mode === "takeover") {
    return (
      <>
        {top}
        {output}
        {bottom}
      </>
    );
  }
  const prompt = promptLines(state, tourDeck);
  return (
    <>
      {top}
      {prompt ? <PromptPane title={prompt.title} lines={prompt.lines} width={cols} height={slideHeight} /> : <SlideAndSteps state={state} layout={layout} />}
      {output}
      {bottom}
    </>
  );
}

function SlideAndSteps({ state, layout }: { readonly state: UiState; readonly layout: Layout }) {
  const slide = currentSlide(state);
  const end = atEnd(state);
  const width = layout.cols;
  const slideText = useMemo(() => (slide ? slideLines(slide.markdown, width, { title: slide.title }) : []), [slide, width]);
  const lines = end ? endLines(state).flatMap((l) => wrapSpans([{ text: l }], width)) : slideText;
  const heading = end ? "End of the deck" : slide ? `${slide.number}. ${slide.title || "(untitled)"}` : "(no slides)";
  const rows = stepRows(state);
  // A short step list (none on a slide to read) leaves its room to the slide's text.
  const listHeight = Math.max(1, Math.min(rows.length, layout.stepList));
  return (
    <>
      <SlidePane
        heading={heading}
        chapter={end || !slide || slide.chapter === slide.title ? "" : slide.chapter}
        lines={lines}
        width={width}
        height={layout.slideText + layout.stepList - listHeight}
      />
      <StepList rows={rows} width={width} height={listHeight} empty={end ? "" : "Nothing to run on this slide: Enter or n goes on."} />
    </>
  );
}
