#!/usr/bin/env bash
# Stop the registry server started by the kubectl lab double.
#   test/lab-double/stop.sh LAB_DOUBLE_DIR
# Kills only the pid recorded in LAB_DOUBLE_DIR/registry.pid, and only if that
# process is the registry-server.mjs of this state directory. Idempotent.
dir=${1:-${LAB_DOUBLE_DIR:-}}
if [ -z "$dir" ]; then
  echo "usage: $0 LAB_DOUBLE_DIR" >&2
  exit 2
fi
pidfile=$dir/registry.pid
[ -f "$pidfile" ] || exit 0
read -r pid <"$pidfile"
case "$pid" in ''|*[!0-9]*) rm -f "$pidfile"; exit 0 ;; esac

abs=$(cd "$dir" 2>/dev/null && pwd)
absp=$(cd "$dir" 2>/dev/null && pwd -P)
is_ours() {
  [ -r "/proc/$pid/cmdline" ] || return 1
  local cmd
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
  [[ $cmd == *registry-server.mjs* ]] || return 1
  [ -z "$abs" ] || [[ $cmd == *" $abs "* || $cmd == *" $absp "* ]]
}
running() {
  # Gone, or a zombie waiting to be reaped, counts as stopped.
  [ -r "/proc/$pid/stat" ] || return 1
  local stat
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

if is_ours; then
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do
    running || break
    sleep 0.1
  done
  if running && is_ours; then
    kill -KILL "$pid" 2>/dev/null
    sleep 0.1
  fi
fi
rm -f "$pidfile"
exit 0
