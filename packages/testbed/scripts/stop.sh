#!/usr/bin/env bash
# Stops the local Kubernetes test bed: kills its processes (TERM, then KILL after a grace
# period), waits until they are gone, removes the run dir and <repo>/.testbed/{testbed.json,env}.
#
# Usage: stop.sh              stop the recorded test bed (no-op if none)
#        stop.sh <run dir>    stop the processes of that run dir (used by start.sh on failure)
#        stop.sh --check-pids exit 0 if every recorded process is alive, 1 otherwise
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# lines "<name> <pid> <binary>" of a run, from its pids file or else from the state file
pid_lines() { # <run dir>
  if [ -f "$1/pids" ]; then
    cat "$1/pids"
  elif [ -f "$tb_state" ]; then
    node -e '
      const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const [n, pid] of Object.entries(s.pids || {})) console.log(n, pid, s.binaries[n]);
    ' "$tb_state"
  fi
}

if [ "${1:-}" = --check-pids ]; then
  run="$(tb_state_get runDir)" || exit 1
  n=0
  while read -r name pid bin; do
    tb_pid_is "$pid" "$bin" || exit 1
    n=$((n + 1))
  done < <(pid_lines "$run")
  [ "$n" -ge 5 ]
  exit
fi

[ "${STORES_TESTBED_LOCK_HELD:-}" = 1 ] || tb_take_lock

run="${1:-}"
if [ -z "$run" ]; then
  run="$(tb_state_get runDir 2>/dev/null || true)"
  # a start.sh that was killed before it wrote the state (we hold the lock: it is not running)
  [ -n "$run" ] || [ ! -s "$tb_starting" ] || run="$(cat "$tb_starting")"
  if [ -z "$run" ]; then
    tb_log "no test bed recorded in $tb_state; nothing to stop"
    rm -f "$tb_state" "$tb_env"
    exit 0
  fi
fi
case "$run" in
*/stores-testbed.*) ;;
*) tb_die "refusing to clean up '$run': not a test bed run dir" ;;
esac

# our processes: the recorded PIDs (checked against their binary) plus any process whose
# command line names this run dir (e.g. one started by a start.sh that was killed midway)
declare -A victims=()
while read -r name pid bin; do
  [ -n "${pid:-}" ] || continue
  if tb_pid_is "$pid" "$bin"; then victims[$pid]=$name; fi
done < <(pid_lines "$run")
for d in /proc/[0-9]*; do
  pid="${d#/proc/}"
  [ "$pid" != $$ ] || continue
  # braces: a process that ends meanwhile makes the redirection itself fail, quietly
  if { tr '\0' '\n' <"$d/cmdline"; } 2>/dev/null | grep -qF -- "$run/"; then
    [ -n "${victims[$pid]:-}" ] || victims[$pid]="pid-$pid"
  fi
done

# alive and not a zombie (a zombie is dead; only its parent or init can reap it)
running() {
  kill -0 "$1" 2>/dev/null || return 1
  local st
  st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1 || true)"
  [ "$st" != Z ]
}

if [ ${#victims[@]} -gt 0 ]; then
  tb_log "stopping ${victims[*]} (${!victims[*]})"
  kill -TERM "${!victims[@]}" 2>/dev/null || true
  t0=$SECONDS
  while :; do
    left=()
    for pid in "${!victims[@]}"; do running "$pid" && left+=("$pid"); done
    [ ${#left[@]} -gt 0 ] || break
    if [ $((SECONDS - t0)) -ge "${STORES_TESTBED_STOP_GRACE:-15}" ]; then
      tb_log "still running after ${STORES_TESTBED_STOP_GRACE:-15}s, killing: ${left[*]}"
      kill -KILL "${left[@]}" 2>/dev/null || true
      sleep 0.5
      for pid in "${left[@]}"; do
        for _ in $(seq 20); do running "$pid" || break; sleep 0.25; done
      done
      break
    fi
    sleep 0.2
  done
fi

if [ "${STORES_TESTBED_KEEP_LOGS:-}" = 1 ] && [ -d "$run/logs" ]; then
  find "$run" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  tb_log "stopped; logs kept in $run/logs"
else
  rm -rf "$run"
  tb_log "stopped; removed $run"
fi
# the state belongs to this run only if it names it
if [ "$(tb_state_get runDir 2>/dev/null || true)" = "$run" ] || [ -z "${1:-}" ]; then
  rm -f "$tb_state" "$tb_env"
fi
if [ "$(cat "$tb_starting" 2>/dev/null || true)" = "$run" ]; then rm -f "$tb_starting"; fi
