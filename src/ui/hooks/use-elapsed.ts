import { useEffect, useState } from "react";

/** Milliseconds since `since`, updated every second. */
export function useElapsed(since: number, now: () => number = Date.now): number {
  const [elapsed, setElapsed] = useState(() => now() - since);
  useEffect(() => {
    const timer = setInterval(() => setElapsed(now() - since), 1000);
    return () => clearInterval(timer);
  }, [since, now]);
  return elapsed;
}
