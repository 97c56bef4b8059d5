# shellcheck shell=bash disable=SC2034  # variables used by the scripts that source this
# Shared by start.sh and stop.sh. Sourced, not executed.

tb_scripts="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tb_pkg="$(dirname "$tb_scripts")"
# the repository root (the state file lives there, git-ignored); falls back to ../.. of the package
tb_repo="$(git -C "$tb_pkg" rev-parse --show-toplevel 2>/dev/null || (cd "$tb_pkg/../.." && pwd))"
tb_state_dir="${STORES_TESTBED_STATE_DIR:-$tb_repo/.testbed}"
tb_state="$tb_state_dir/testbed.json"
tb_env="$tb_state_dir/env"
tb_lock="$tb_state_dir/.lock"
tb_starting="$tb_state_dir/starting" # run dir of a start in progress

tb_log() { printf '[testbed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
tb_die() {
  tb_log "ERROR: $*"
  exit 1
}

# value of a top-level string field of the state file (no jq needed)
tb_state_get() { # <field>
  [ -f "$tb_state" ] || return 1
  node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const v = process.argv[2].split(".").reduce((o, k) => (o == null ? o : o[k]), s);
    if (v === undefined || v === null) process.exit(1);
    console.log(typeof v === "object" ? Object.values(v).join("\n") : String(v));
  ' "$tb_state" "$1"
}

# is <pid> alive and running <binary path>? (guards against reused PIDs)
tb_pid_is() { # <pid> <binary>
  local pid="$1" bin="$2" exe
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
  [ -z "$exe" ] && return 0 # no /proc (not Linux): trust kill -0
  [ "${exe% (deleted)}" = "$bin" ]
}

# one acquisition per shell: fd 8 holds the lock until the script exits
tb_take_lock() {
  mkdir -p "$tb_state_dir"
  exec 8>"$tb_lock"
  if ! flock -n 8; then
    tb_log "waiting for another start/stop of the test bed to finish ..."
    flock -w "${STORES_TESTBED_LOCK_TIMEOUT:-3600}" 8 || tb_die "timed out waiting for $tb_lock"
  fi
}
