import { useEffect, useRef } from "react";
import { useInput, useStdin } from "ink";
import { takeoverInput, type ScrollRoom } from "../keymap.js";
import type { Intent, ModeKind } from "../state.js";

export interface KeysOptions {
  readonly mode: ModeKind;
  readonly dispatch: (intent: Intent) => void;
  readonly room: ScrollRoom;
  /** Take-over: the attendee's bytes, for the shell. */
  readonly sendToShell: (bytes: string) => void;
}

/**
 * Keys become a `keys` intent. In a take-over, raw input (escape sequences and all) goes to the shell
 * untouched, except the release key.
 */
export function useKeys({ mode, dispatch, room, sendToShell }: KeysOptions): void {
  // One input handler for the app's whole life: switching it on and off would flip raw mode.
  // The reducer maps keys in the mode it is in when each key arrives (state.ts, applyKeys).
  const latest = useRef({ dispatch, room });
  latest.current = { dispatch, room };
  useInput((input, key) => {
    const { dispatch, room } = latest.current;
    dispatch({ type: "keys", input, key, room });
  });

  const { internal_eventEmitter: events } = useStdin();
  useEffect(() => {
    if (mode !== "takeover") return;
    const onRaw = (raw: string) => {
      const input = takeoverInput(raw);
      if (input.release) dispatch({ type: "release" });
      else sendToShell(input.bytes);
    };
    events.on("input", onRaw);
    return () => {
      events.off("input", onRaw);
    };
  }, [mode, events, dispatch, sendToShell]);
}
