import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";

/** Where `tmux -L name` keeps its socket: $TMUX_TMPDIR (else /tmp), then tmux-UID. */
export function tmuxSocketPath(name: string): string {
  return join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid?.() ?? 0}`, name);
}

/** Ends the `tmux -L name` server, if any, and removes its socket file (kill-server leaves it). */
export function killTmuxServer(name: string): void {
  spawnSync("tmux", ["-L", name, "kill-server"]);
  rmSync(tmuxSocketPath(name), { force: true });
}
