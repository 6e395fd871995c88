# Helpers shared by test/lab/start.sh, stop.sh and bin/kubectl (sourced, bash only).
# See test/lab/README.md for the state directory's layout.

LAB_HOME=${BASH_SOURCE[0]%/*}
[ "$LAB_HOME" = "${BASH_SOURCE[0]}" ] && LAB_HOME=.
LAB_HOME=$(cd "$LAB_HOME" && pwd -P)
# dockerd lives in /usr/sbin, which a user's PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

# The programs the lab runs, each with the Debian package that has it.
LAB_NEEDS=(dockerd:docker.io containerd:containerd docker:docker.io docker-registry:docker-registry busybox:busybox-static curl:curl)
# What the lab starts: stop.sh stops processes with these names (as in /proc/PID/comm, at most
# 15 characters) whose command line names the state directory.
LAB_PROGRAMS=(dockerd containerd containerd-shim docker-registry docker-proxy runc)

lab_say() { printf 'lab: %s\n' "$*"; }
lab_err() { printf 'lab: error: %s\n' "$*" >&2; }

# lab_abs DIR -> DIR as an absolute path, without a trailing slash
lab_abs() {
  local d=$1
  [[ $d == /* ]] || d=$PWD/$d
  while [[ $d == */ && $d != / ]]; do d=${d%/}; done
  printf '%s\n' "$d"
}

# lab_missing -> prints "program (package)" for each missing prerequisite, one a line
lab_missing() {
  local need program package bb
  for need in "${LAB_NEEDS[@]}"; do
    program=${need%%:*} package=${need#*:}
    command -v "$program" >/dev/null 2>&1 || echo "$program (package $package)"
  done
  # The busybox image is a root filesystem with busybox alone in it: it must be static.
  if bb=$(command -v busybox 2>/dev/null); then
    case "$(LC_ALL=C ldd "$bb" 2>&1 || true)" in
      *"not a dynamic executable"* | *"statically linked"*) ;;
      *) echo "a static busybox ($bb is dynamically linked; package busybox-static)" ;;
    esac
  fi
}

# lab_alive PID -> true when PID runs (a zombie is not running)
lab_alive() {
  local state
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# lab_pids STATE -> pids of the lab's processes: a name in LAB_PROGRAMS and STATE/ in the
# command line (so a process of another lab, or of the system, is never taken).
lab_pids() {
  local s=$1/ p comm cmd
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    case " ${LAB_PROGRAMS[*]} " in *" $comm "*) ;; *) continue ;; esac
    cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    [[ $cmd == *"$s"* ]] && lab_alive "$p" && echo "$p"
  done
  return 0
}

# lab_wait SECONDS CMD... -> runs CMD every 0.1 s until it succeeds (0); 1 after SECONDS;
# 2 at once when CMD returns 2 (no use waiting: what it waits for has died)
lab_wait() {
  local deadline=$((SECONDS + $1)) rc
  shift
  while :; do
    rc=0
    "$@" || rc=$?
    [ "$rc" = 0 ] && return 0
    [ "$rc" = 2 ] && return 2
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

lab_http_ok() { curl -sf -o /dev/null --max-time 2 "$1" || return 1; }

# lab_registry_start STATE NAME -> starts Docker's registry (docker-registry serve) on
# 127.0.0.1 and a free port, storage in STATE/NAME/; writes STATE/NAME.pid, .port, .log.
# Returns once it answers GET /v2/ (at most 20 s), 1 with its log otherwise.
lab_registry_start() {
  local s=$1 name=$2 pid port log=$1/$2.log
  mkdir -p "$s/$name/data" || return 1
  cat >"$s/$name/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $s/$name/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
  secret: lab-$name
EOF
  # Port 0: the kernel picks a free port, and the registry logs it ("listening on ...").
  # An empty environment: like a pod, the registry is not part of the shell that created it
  # (labrun ends what carries its session's variable when the run ends).
  setsid env -i PATH="$PATH" docker-registry serve "$s/$name/config.yml" >"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$s/$name.pid"
  _lab_listening() {
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$port" ] || { lab_alive "$pid" || return 2; return 1; }
  }
  if ! lab_wait 20 _lab_listening; then
    lab_err "the $name registry (docker-registry, pid $pid) exited or did not listen within 20 s; $log says:"
    tail -n 20 "$log" >&2
    return 1
  fi
  echo "$port" >"$s/$name.port"
  if ! lab_wait 20 lab_http_ok "http://127.0.0.1:$port/v2/"; then
    lab_err "the $name registry listens on 127.0.0.1:$port but GET /v2/ failed for 20 s; $log says:"
    tail -n 20 "$log" >&2
    return 1
  fi
}
