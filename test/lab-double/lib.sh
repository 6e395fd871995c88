# Shared helpers for the lab doubles (sourced by bin/kubectl, bin/docker,
# bin/docker-compose). Bash only; keep it cheap to source.
#
# State layout in $LAB_DOUBLE_DIR:
#   log                     one line per invocation: "<program> <args...>"
#   deployments/NAME        image of deployment NAME (mtime = creation time)
#   services/NAME           "type port nodeport" of service NAME
#   images                  local docker images, one normalized ref per line
#   registry.port/.pid      the registry server (registry-server.mjs)
#   registry.repos          what was pushed to it
#   registry.log            its output
#   webui.port/.pid/.log    the webui server (webui-server.mjs), started when
#                           deploy/webui is exposed as a NodePort service
#   webui.svc               the name of the service that the webui server backs

LAB_DOUBLE_HOME=${BASH_SOURCE[0]%/*}
[ "$LAB_DOUBLE_HOME" = "${BASH_SOURCE[0]}" ] && LAB_DOUBLE_HOME=.
LAB_DOUBLE_HOME=$(cd "$LAB_DOUBLE_HOME" && pwd -P)

lab_init() {
  # $1 = program name, rest = args as given
  LAB_PROG=$1
  shift
  if [ -z "${LAB_DOUBLE_DIR:-}" ]; then
    echo "$LAB_PROG (lab double): LAB_DOUBLE_DIR is not set; set it to a state directory (see test/lab-double/README.md)" >&2
    exit 2
  fi
  S=$LAB_DOUBLE_DIR
  if [ ! -d "$S" ]; then
    mkdir -p "$S" || { echo "$LAB_PROG (lab double): cannot create LAB_DOUBLE_DIR=$S" >&2; exit 2; }
  fi
  [[ $S == /* ]] || S=$PWD/$S
  if [ -z "${LAB_DOUBLE_NOLOG:-}" ]; then
    local line=$LAB_PROG
    [ $# -gt 0 ] && line="$LAB_PROG $*"
    printf '%s\n' "$line" >>"$S/log"
  fi
  unset LAB_DOUBLE_NOLOG
}

# Deterministic, fork-free hashing (djb2 + an LCG), good enough for fake ids.
# lab_hash TEXT -> sets LAB_H (32-bit)
lab_hash() {
  local s=$1 h=5381 i c
  for (( i = 0; i < ${#s}; i++ )); do
    printf -v c '%d' "'${s:i:1}"
    h=$(( (h * 33 + c) & 0xffffffff ))
  done
  LAB_H=$h
}

# lab_num TEXT MOD -> deterministic number in [0, MOD)
lab_num() {
  lab_hash "$1"
  echo $(( LAB_H % $2 ))
}

# lab_hex TEXT LEN -> deterministic lowercase hex string
lab_hex() {
  lab_hash "$1"
  local x=$LAB_H out= w
  while [ ${#out} -lt "$2" ]; do
    x=$(( (x * 6364136223846793005 + 1442695040888963407) & 0x7fffffffffffffff ))
    printf -v w '%08x' $(( (x >> 31) & 0xffffffff ))
    out=$out$w
  done
  echo "${out:0:$2}"
}

# lab_age EPOCH|FILE -> kubectl-style age
lab_age() {
  local now=${EPOCHSECONDS:-$(date +%s)} m=$1 d
  case "$m" in
    ''|*[!0-9]*) m=$(stat -c %Y "$1" 2>/dev/null || echo "$now") ;;
  esac
  d=$(( now - m ))
  [ $d -lt 0 ] && d=0
  if [ $d -lt 120 ]; then echo "${d}s"
  elif [ $d -lt 3600 ]; then echo "$(( d / 60 ))m"
  else echo "$(( d / 3600 ))h"
  fi
}

# Sets LAB_REG_PORT (empty when unknown); lab_registry_port echoes it.
lab_registry_port_var() {
  LAB_REG_PORT=
  [ -f "$S/registry.port" ] && read -r LAB_REG_PORT <"$S/registry.port"
}
lab_registry_port() {
  lab_registry_port_var
  echo "$LAB_REG_PORT"
}

lab_registry_alive() {
  local pid=
  [ -f "$S/registry.pid" ] && read -r pid <"$S/registry.pid"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# Start the registry server in the background unless it is running.
lab_registry_start() {
  lab_registry_alive && return 0
  rm -f "$S/registry.pid"
  # Keep registry.port: the server tries to listen on the same port again.
  rm -f "$S/registry.started"
  (
    cd / || exit 1
    exec setsid nohup node "$LAB_DOUBLE_HOME/registry-server.mjs" "$S" </dev/null >>"$S/registry.log" 2>&1
  ) &
  echo "$!" >"$S/registry.pid"
}

# Wait (bounded, $1 tenths of a second) until the registry server is ready (GET /v2/ is 200:
# it answers 503 for LAB_REGISTRY_READY_MS after it starts, like a pod not ready yet).
lab_registry_wait() {
  lab_registry_poll "${1:-100}" -f
}

# Wait (bounded, $1 tenths of a second) until the registry server answers at all (503 included).
lab_registry_listening() {
  lab_registry_poll "${1:-100}"
}

lab_registry_poll() {
  local tries=$1 fail=${2:-} p
  while [ "$tries" -gt 0 ]; do
    lab_registry_port_var
    p=$LAB_REG_PORT
    if [ -n "$p" ] && curl $fail -sS --max-time 1 -o /dev/null "http://127.0.0.1:$p/v2/" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
    tries=$(( tries - 1 ))
  done
  return 1
}

# ---------------------------------------------------------------- webui server
# Sets LAB_WEBUI_PORT (empty when unknown).
lab_webui_port_var() {
  LAB_WEBUI_PORT=
  [ -f "$S/webui.port" ] && read -r LAB_WEBUI_PORT <"$S/webui.port"
  case "$LAB_WEBUI_PORT" in *[!0-9]*) LAB_WEBUI_PORT= ;; esac
}

# Is the pid in webui.pid this state directory's webui-server.mjs (and alive)?
lab_webui_alive() {
  local pid= cmd
  [ -f "$S/webui.pid" ] && read -r pid <"$S/webui.pid"
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || return 1
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *webui-server.mjs" $S "* ]]
}

# Start the webui server in the background: lab_webui_start PORT [AVOID_PORT...]
# (the server tries PORT, then the next free port in 30000-32767).
lab_webui_start() {
  rm -f "$S/webui.pid" "$S/webui.port"
  (
    cd / || exit 1
    exec setsid nohup node "$LAB_DOUBLE_HOME/webui-server.mjs" "$S" "$@" </dev/null >>"$S/webui.log" 2>&1
  ) &
  echo "$!" >"$S/webui.pid"
}

# Wait (bounded, $1 tenths of a second) until the webui server answers.
lab_webui_wait() {
  local tries=${1:-100} pid
  while [ "$tries" -gt 0 ]; do
    lab_webui_port_var
    # any answer counts (503 while LAB_WEBUI_READY_MS lasts): the port is served
    if [ -n "$LAB_WEBUI_PORT" ] && curl -sS --max-time 1 -o /dev/null "http://127.0.0.1:$LAB_WEBUI_PORT/json" 2>/dev/null; then
      return 0
    fi
    # The server died (e.g. no free port): give up at once.
    pid=
    [ -f "$S/webui.pid" ] && read -r pid <"$S/webui.pid"
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
    tries=$(( tries - 1 ))
  done
  return 1
}

# Stop the webui server (only if webui.pid really is ours). Bounded: ~5 s.
lab_webui_stop() {
  local pid= i
  if lab_webui_alive; then
    read -r pid <"$S/webui.pid"
    kill -TERM "$pid" 2>/dev/null
    for (( i = 0; i < 50; i++ )); do
      lab_webui_alive || break
      sleep 0.1
    done
    lab_webui_alive && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$S/webui.pid" "$S/webui.svc"
}

# Is HOST:PORT the registry server?
lab_is_registry() {
  local hp=$1 p
  lab_registry_port_var
  p=$LAB_REG_PORT
  [ -n "$p" ] || return 1
  case "$hp" in
    "127.0.0.1:$p"|"localhost:$p"|"[::1]:$p") return 0 ;;
  esac
  return 1
}

# Normalize a docker image reference: default tag, no docker.io prefix.
lab_norm_image() {
  local ref=$1 last
  ref=${ref%%@*}
  ref=${ref#docker.io/}
  ref=${ref#index.docker.io/}
  ref=${ref#library/}
  last=${ref##*/}
  case "$last" in
    *:*) ;;
    *) ref="$ref:latest" ;;
  esac
  echo "$ref"
}

lab_has_image() {
  [ -f "$S/images" ] && grep -qxF -- "$1" "$S/images"
}

lab_add_image() {
  lab_has_image "$1" || printf '%s\n' "$1" >>"$S/images"
}

# POST a pushed repository to the registry server: lab_registry_push HOSTPORT NAME TAG.
# On failure, LAB_PUSH_ERROR is what docker would say (refused, or the registry's HTTP status).
lab_registry_push() {
  local code
  code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X POST "http://$1/__push/$2?tag=$3" 2>/dev/null)
  case "$code" in
    2??) LAB_PUSH_ERROR= ; return 0 ;;
    000|'') LAB_PUSH_ERROR="Get \"http://$1/v2/\": dial tcp $1: connect: connection refused" ;;
    503) LAB_PUSH_ERROR="received unexpected HTTP status: 503 Service Unavailable" ;;
    *) LAB_PUSH_ERROR="received unexpected HTTP status: $code" ;;
  esac
  return 1
}

# Make SIGINT/SIGHUP/SIGTERM deadly even when we were started with them
# ignored (a background job of a non-interactive shell): re-exec once with
# default dispositions. Used by long-running verbs only.
lab_default_signals() {
  if [ -z "${LAB_DOUBLE_SIGRESET:-}" ]; then
    export LAB_DOUBLE_SIGRESET=1 LAB_DOUBLE_NOLOG=1
    exec env --default-signal=INT,HUP,TERM,QUIT "$BASH" "$0" "$@"
  fi
  unset LAB_DOUBLE_SIGRESET
}

# Sleep that signals interrupt promptly.
LAB_SLEEP_PID=
lab_sleep() {
  sleep "$1" &
  LAB_SLEEP_PID=$!
  wait "$LAB_SLEEP_PID"
  LAB_SLEEP_PID=
}

lab_trap_forever() {
  trap 'lab_stop_forever 130' INT
  trap 'lab_stop_forever 129' HUP
  trap 'lab_stop_forever 143' TERM
  trap 'lab_stop_forever 141' PIPE
}

lab_stop_forever() {
  trap - INT HUP TERM PIPE
  [ -n "$LAB_SLEEP_PID" ] && kill "$LAB_SLEEP_PID" 2>/dev/null
  exit "$1"
}
