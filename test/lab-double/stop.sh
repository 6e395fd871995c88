#!/usr/bin/env bash
# Stop the servers started by the kubectl lab double (the registry server and
# the webui server).
#   test/lab-double/stop.sh LAB_DOUBLE_DIR
# Kills only the pids recorded in LAB_DOUBLE_DIR/registry.pid and
# LAB_DOUBLE_DIR/webui.pid, and only if each process is the registry-server.mjs
# (resp. webui-server.mjs) of this state directory. Idempotent.
dir=${1:-${LAB_DOUBLE_DIR:-}}
if [ -z "$dir" ]; then
  echo "usage: $0 LAB_DOUBLE_DIR" >&2
  exit 2
fi

abs=$(cd "$dir" 2>/dev/null && pwd)
absp=$(cd "$dir" 2>/dev/null && pwd -P)

# stop_server PIDFILE SCRIPT
stop_server() {
  local pidfile=$1 script=$2 pid
  [ -f "$pidfile" ] || return 0
  read -r pid <"$pidfile"
  case "$pid" in ''|*[!0-9]*) rm -f "$pidfile"; return 0 ;; esac

  is_ours() {
    [ -r "/proc/$pid/cmdline" ] || return 1
    local cmd
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
    [[ $cmd == *"$script"* ]] || return 1
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
}

stop_server "$dir/registry.pid" registry-server.mjs
stop_server "$dir/webui.pid" webui-server.mjs
exit 0
