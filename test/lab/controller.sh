#!/usr/bin/env bash
# The lab's "control plane" (test/lab/README.md): started by start.sh, outside any shell a deck
# runs in, it starts what bin/kubectl asks for, as a cluster would. A pod is not a child of the
# shell that ran `kubectl create`: started from the step, the registry would be in the run's PID
# namespace and end with the run, where a real deployment stays up.
#   controller.sh STATE_DIR     serves STATE_DIR/requests/*.req until STATE_DIR/.lab is gone
# A request file NAME.req holds one word (registry-start); the answer is NAME.out (what was
# printed) then NAME.rc (the exit code), written last, so that a reader that sees .rc sees all.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
S=$1
mkdir -p "$S/requests"
while [ -e "$S/.lab" ]; do
  for req in "$S"/requests/*.req; do
    [ -e "$req" ] || continue
    base=${req%.req} rc=0
    case "$(cat "$req")" in
      registry-start) lab_registry_start "$S" registry >"$base.out" 2>&1 || rc=$? ;;
      *) echo "controller: unknown request '$(cat "$req")'" >"$base.out"; rc=2 ;;
    esac
    rm -f "$req"
    echo "$rc" >"$base.rc.tmp" && mv "$base.rc.tmp" "$base.rc"
  done
  sleep 0.1
done
