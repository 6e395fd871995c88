import { useEffect, useState } from "react";
import { useStdout } from "ink";

export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

/** The terminal's size, following 'resize'; a fixed size (tests) when given. */
export function useTerminalSize(fixed?: TerminalSize): TerminalSize {
  const { stdout } = useStdout();
  const read = (): TerminalSize => fixed ?? { cols: stdout.columns || 80, rows: stdout.rows || 24 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) {
      setSize(fixed);
      return;
    }
    const onResize = () => setSize({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout, fixed?.cols, fixed?.rows]);
  return size;
}
