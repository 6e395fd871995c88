#!/usr/bin/env bash
# Stops the real lab of STATE_DIR (test/lab/start.sh) and removes STATE_DIR: the watchdog, the
# deck's registry (started by bin/kubectl), dockerd and its containerd, the mirror registry.
# Safe after a failed start, and twice. Exit 0 when no lab process is left, 1 otherwise.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: test/lab/stop.sh STATE_DIR" >&2; exit 2; }
S=$(lab_abs "$1")
case "$S" in
  / | /tmp | /root | /home | /usr | /var | /etc) lab_err "refusing to stop a lab in $S"; exit 2 ;;
esac
lab_say "stopping the lab in $S"

# pid_of NAME -> the pid in STATE/NAME.pid, if that process is alive and is the lab's
pid_of() {
  local pid
  pid=$(cat "$S/$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && lab_alive "$pid" && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$S"* ]] && echo "$pid"
}

# stop SECONDS PID... -> SIGTERM, wait up to SECONDS for them to exit, then SIGKILL
stop() {
  local secs=$1 p left=()
  shift
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null
  _all_gone() { for p in "$@"; do lab_alive "$p" && return 1; done; return 0; }
  lab_wait "$secs" _all_gone "$@" && return 0
  for p in "$@"; do lab_alive "$p" && left+=("$p"); done
  lab_say "still running after ${secs} s, killing: ${left[*]}"
  kill -KILL "${left[@]}" 2>/dev/null
  lab_wait 5 _all_gone "${left[@]}"
}

# 1. The watchdog (unless this is the watchdog, which execs this script when its time is up):
#    its whole process group, so that its `sleep` goes too.
if w=$(pid_of watchdog.pid) && [ "$w" != $$ ] && [[ $(tr '\0' ' ' <"/proc/$w/cmdline") == *lab-watchdog* ]]; then
  kill -TERM -- "-$w" 2>/dev/null
fi
# ... and the controller (start.sh), with whatever it was running.
if c=$(pid_of controller.pid) && [[ $(tr '\0' ' ' <"/proc/$c/cmdline") == *controller.sh* ]]; then
  kill -TERM -- "-$c" 2>/dev/null
fi

# 2. The registries, and dockerd: dockerd stops its containerd when it exits.
pids=()
for f in registry.pid mirror.pid dockerd.pid dockerd.pid.started; do
  p=$(pid_of "$f") && pids+=("$p")
done
[ ${#pids[@]} -eq 0 ] || lab_say "stopping pids ${pids[*]}"
stop 20 "${pids[@]}"

# 3. Whatever is left whose command line names STATE_DIR (containerd left alone by a killed
#    dockerd, a registry whose pid file was never written...).
mapfile -t rest < <(lab_pids "$S")
if [ ${#rest[@]} -gt 0 ]; then
  lab_say "stopping the lab's other processes: $(for p in "${rest[@]}"; do printf '%s(%s) ' "$p" "$(cat "/proc/$p/comm" 2>/dev/null)"; done)"
  stop 10 "${rest[@]}"
fi

# 4. Check by pid: nothing may be left.
mapfile -t left < <(lab_pids "$S")
if [ ${#left[@]} -gt 0 ]; then
  lab_err "still running after SIGKILL: ${left[*]}"
  exit 1
fi

# 5. Mounts under STATE_DIR (overlays of containers, if a deck ran any), then the files.
if [ -r /proc/self/mountinfo ]; then
  awk -v s="$S/" 'index($5, s) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || lab_err "cannot unmount $m"
  done
fi
if [ -d "$S" ]; then
  if [ -e "$S/.lab" ] || [ -z "$(ls -A "$S")" ]; then
    rm -rf "$S" || { lab_err "cannot remove $S"; exit 1; }
  else
    lab_err "$S is not a lab state directory (no .lab): processes stopped, files left alone"
  fi
fi
# dockerd always makes an empty /run/docker/plugins (its plugin discovery directory, whatever
# its --exec-root): remove it when empty and no dockerd at all is running.
if [ -d /run/docker/plugins ] && [ -z "$(for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = dockerd ] && lab_alive "${p#/proc/}" && echo x; done)" ]; then
  rmdir /run/docker/plugins /run/docker 2>/dev/null
fi
lab_say "stopped; nothing left"
