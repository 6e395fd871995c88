/** The process entry: runs the CLI and turns its result into an exit code. */
import { main } from "./cli.js";
import { releaseTerminalAfterHangup, STOP_SIGNALS } from "./run/signals.js";

main(process.argv.slice(2)).then(
  (code) => {
    if (code === STOP_SIGNALS.SIGHUP) releaseTerminalAfterHangup();
    process.exitCode = code;
  },
  (e: unknown) => {
    // A bug, not bad input: say so in one line, with the stack only when asked for.
    process.stderr.write(`labrun: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.LABRUN_DEBUG) process.stderr.write(`${e instanceof Error ? e.stack : ""}\n`);
    process.exitCode = 70;
  },
);
