// How the lab double's servers end: SIGTERM/SIGINT, their parent closing a piped stdin, their
// state directory disappearing, or a bounded lifetime. Shared by registry-server and webui-server.
import fs from 'node:fs';

/** Installs the ways `server` ends; returns shutdown(code). */
export function boundLifetime(server, { pidFile, stateDir, lifetimeMs }) {
  let shuttingDown = false;
  function shutdown(code = 0) {
    if (shuttingDown) return;
    shuttingDown = true;
    server.close();
    server.closeAllConnections?.();
    // Only remove the pid file if it is still ours.
    try {
      if (fs.readFileSync(pidFile, 'utf8').trim() === String(process.pid)) fs.unlinkSync(pidFile);
    } catch {
      // already gone
    }
    process.exit(code);
  }

  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));

  // Exit when our parent closes our stdin (only when stdin is a pipe or socket:
  // a detached server started with </dev/null must keep running).
  try {
    const st = fs.fstatSync(0);
    if (st.isFIFO() || st.isSocket()) {
      process.stdin.on('data', () => {});
      for (const event of ['end', 'close', 'error']) process.stdin.on(event, () => shutdown(0));
      process.stdin.resume();
    }
  } catch {
    // no stdin at all
  }

  setTimeout(() => shutdown(0), lifetimeMs).unref();
  setInterval(() => {
    if (!fs.existsSync(stateDir)) shutdown(0);
  }, 2000).unref();
  return shutdown;
}
