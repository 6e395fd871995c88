#!/usr/bin/env bash
# Brings up the real lab in STATE_DIR: a Docker engine of its own (dockerd + its containerd) and
# a local Docker registry that is the engine's mirror and holds library/busybox, so that
# `docker pull busybox` works offline. See test/lab/README.md.
#
#   test/lab/start.sh STATE_DIR     start; then: export DOCKER_HOST=unix://STATE_DIR/docker.sock
#   test/lab/start.sh --check       only check the prerequisites (exit 0, or 3 and what is missing)
#   test/lab/stop.sh STATE_DIR      stop everything and remove STATE_DIR
#
# Exit codes: 0 up, 1 something failed (the lab is stopped again), 2 usage, 3 prerequisites missing.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: test/lab/start.sh STATE_DIR | --check" >&2; exit 2; }
[ $# -eq 1 ] && [ -n "$1" ] || usage

check() {
  local missing problems=()
  [ "$(id -u)" = 0 ] || problems+=("root (dockerd runs as root; this is uid $(id -u))")
  missing=$(lab_missing)
  [ -z "$missing" ] || mapfile -t -O "${#problems[@]}" problems <<<"$missing"
  if [ ${#problems[@]} -gt 0 ]; then
    lab_err "the real lab cannot start here; it needs:"
    printf '  - %s\n' "${problems[@]}" >&2
    echo "  (.ci/run installs the packages, as root: apt-get install docker.io docker-registry busybox-static curl)" >&2
    return 3
  fi
}

if [ "$1" = --check ]; then
  check || exit 3
  lab_say "the prerequisites are there: root, dockerd, containerd, docker, docker-registry, a static busybox, curl"
  exit 0
fi

T0=$SECONDS
S=$(lab_abs "$1")
check || exit 3

# Unix sockets have a 108-byte limit; containerd's is the longest.
if [ $(( ${#S} + 40 )) -gt 107 ]; then
  lab_err "STATE_DIR is too long for unix sockets (${#S} characters, 67 at most): $S"
  exit 2
fi
if [ -e "$S" ] && [ ! -e "$S/.lab" ] && [ -n "$(ls -A "$S" 2>/dev/null)" ]; then
  lab_err "$S exists, is not empty and is not a lab state directory: give a new or empty one"
  exit 2
fi
if [ -e "$S/.lab" ]; then
  running=$(lab_pids "$S" | tr '\n' ' ')
  if [ -n "$running" ]; then
    lab_err "a lab is already running in $S (pids $running): run test/lab/stop.sh $S first"
    exit 1
  fi
fi
mkdir -p "$S"
touch "$S/.lab"

# From here on, a failure stops whatever was started, after showing the logs.
up=
on_exit() {
  local rc=$?
  [ -n "$up" ] && return
  [ "$rc" = 0 ] && rc=1
  lab_err "start failed (exit $rc) after $((SECONDS - T0)) s"
  local f
  for f in "$S/dockerd.log" "$S/mirror.log"; do
    [ -s "$f" ] || continue
    echo "---- last lines of $f" >&2
    tail -n 25 "$f" >&2
  done
  echo "---- stopping what was started" >&2
  "$LAB_HOME/stop.sh" "$S" >&2 || true
  exit "$rc"
}
trap on_exit EXIT

# 0. A watchdog, so that a lab whose stop.sh is never called (a killed test run) does not stay
#    up for ever: after LAB_LIFETIME seconds (default 3600) it runs stop.sh.
lifetime=${LAB_LIFETIME:-3600}
[[ $lifetime =~ ^[1-9][0-9]*$ ]] || { lab_err "LAB_LIFETIME=$lifetime: expected a number of seconds"; exit 2; }
lab_say "watchdog: stops the lab after ${lifetime} s unless stop.sh does it first"
LAB_WATCHDOG=1 setsid bash -c 'end=$((SECONDS + $1)); while [ $SECONDS -lt $end ] && [ -e "$2/.lab" ]; do sleep 1; done; exec "$3/stop.sh" "$2"' \
  lab-watchdog "$lifetime" "$S" "$LAB_HOME" >>"$S/watchdog.log" 2>&1 </dev/null &
echo $! >"$S/watchdog.pid"

# 0b. The controller: starts the deck's registry when bin/kubectl asks (controller.sh says why).
setsid "$LAB_HOME/controller.sh" "$S" >>"$S/controller.log" 2>&1 </dev/null &
echo $! >"$S/controller.pid"

# 1. The mirror: Docker's registry, on 127.0.0.1 and a free port.
lab_say "starting the mirror registry (docker-registry serve, storage in $S/mirror)"
lab_registry_start "$S" mirror
MIRROR=127.0.0.1:$(cat "$S/mirror.port")
lab_say "mirror registry up on $MIRROR (pid $(cat "$S/mirror.pid"))"

# 2. dockerd, with the mirror. No iptables, no bridge: the lab only pulls, tags and pushes.
lab_say "starting dockerd (data in $S/docker, log in $S/dockerd.log)"
mkdir -p "$S/docker" "$S/exec"
# Our own config file, and a trust key that is not /etc/docker/key.json.
printf '{\n  "deprecated-key-path": "%s"\n}\n' "$S/key.json" >"$S/daemon.json"
setsid dockerd \
  --config-file "$S/daemon.json" \
  --data-root "$S/docker" \
  --exec-root "$S/exec" \
  --pidfile "$S/dockerd.pid" \
  --host "unix://$S/docker.sock" \
  --iptables=false --ip-masq=false --bridge=none \
  --registry-mirror "http://$MIRROR" \
  >"$S/dockerd.log" 2>&1 </dev/null &
dockerd_pid=$!
echo "$dockerd_pid" >"$S/dockerd.pid.started"
export DOCKER_HOST=unix://$S/docker.sock
dockerd_ready() {
  [ "$(curl -s --max-time 2 --unix-socket "$S/docker.sock" http://localhost/_ping 2>/dev/null)" = OK ] && return 0
  lab_alive "$dockerd_pid" || return 2
  return 1
}
if ! lab_wait 60 dockerd_ready; then
  lab_alive "$dockerd_pid" && lab_err "dockerd (pid $dockerd_pid) did not answer on $S/docker.sock within 60 s" \
    || lab_err "dockerd exited during its start"
  exit 1
fi
lab_say "dockerd up after $((SECONDS - T0)) s (pid $dockerd_pid, $(timeout 20 docker info --format '{{.Driver}}' 2>/dev/null || echo '?') storage driver)"

# 3. A busybox image, made here (no registry on the internet is reachable): a root filesystem
#    with a static busybox and its applets, imported, pushed to the mirror as library/busybox.
lab_say "making the busybox image from $(command -v busybox) and pushing it to the mirror"
rootfs=$S/busybox-rootfs
rm -rf "$rootfs"
mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/root"
cp "$(command -v busybox)" "$rootfs/bin/busybox"
for applet in $("$rootfs/bin/busybox" --list); do
  [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
done
image=$MIRROR/library/busybox:latest
tar -C "$rootfs" -c . | timeout 60 docker import --change 'CMD ["sh"]' - "$image" >/dev/null
rm -rf "$rootfs"
timeout 60 docker push "$image" >"$S/push.log" 2>&1 || { cat "$S/push.log" >&2; lab_err "docker push $image failed"; exit 1; }
timeout 30 docker rmi "$image" >/dev/null

# 4. Check that the engine really pulls from the mirror, then forget the image again so that
#    the deck's `docker pull busybox` downloads it.
if ! timeout 60 docker pull busybox >"$S/pull.log" 2>&1; then
  cat "$S/pull.log" >&2
  lab_err "docker pull busybox (through the mirror $MIRROR) failed"
  exit 1
fi
timeout 30 docker rmi busybox >/dev/null

cat >"$S/env" <<EOF
export DOCKER_HOST=unix://$S/docker.sock
export LAB_DIR=$S
export PATH=$LAB_HOME/bin:\$PATH
EOF
up=1
lab_say "up in $((SECONDS - T0)) s. To use it:"
sed 's/^/  /' "$S/env"
lab_say "stop it with: $LAB_HOME/stop.sh $S"
