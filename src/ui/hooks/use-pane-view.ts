import { useEffect, useMemo, useState } from "react";
import type { PaneTerminal, PaneView } from "../pane-terminal.js";

/** Output arrives in bursts: the pane is re-read at most this often. */
const REFRESH_MS = 40;

/** The output pane's rows, re-read when the terminal behind it changes. */
export function usePaneView(pane: PaneTerminal, height: number, scroll: number, options: { color: boolean; live: boolean }): PaneView {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = pane.onChange(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        setVersion((v) => v + 1);
      }, REFRESH_MS);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [pane]);
  return useMemo(() => pane.view(height, scroll, options), [pane, version, height, scroll, options.color, options.live]);
}
