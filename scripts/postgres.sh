#!/usr/bin/env bash
# A throwaway PostgreSQL server for the database tests.
#   scripts/postgres.sh start         prints `export ...` lines for the tests
#   scripts/postgres.sh stop <dir>    <dir> is STORES_TEST_POSTGRES_DIR from start
#   scripts/postgres.sh pause <dir>   stops the server, keeping its data (an outage)
#   scripts/postgres.sh resume <dir>  starts it again on the same port
# The server lives in a temp dir of its own, listens on a free loopback port and
# trusts local connections; `stop` removes every trace of it.
set -euo pipefail

find_bin() {
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
  # Debian keeps the server programs out of PATH.
  ls -d /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1
}

as_owner() {
  # initdb and postgres refuse to run as root; use the postgres account then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd="${1:-}"

case "$cmd" in
start)
  initdb="$(find_bin initdb)"
  pg_ctl="$(find_bin pg_ctl)"
  if [ -z "$initdb" ] || [ -z "$pg_ctl" ]; then
    echo "PostgreSQL programs not found" >&2
    exit 3
  fi
  major="$("$initdb" --version | grep -oE '[0-9]+' | head -n 1)"
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  dir="$(mktemp -d)"
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  options="-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=200"
  echo "$options" >"$dir/options" # for resume
  if ! as_owner "$initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
    ! as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$options" start >/dev/null; then
    cat "$dir"/*.log >&2
    rm -rf "$dir"
    exit 1
  fi
  echo "export STORES_TEST_POSTGRES_DIR=$dir"
  echo "export BACKSTAGE_TEST_DATABASE_POSTGRES${major}_CONNECTION_STRING=postgresql://postgres@127.0.0.1:$port"
  echo "export STORES_TEST_POSTGRES_VERSION=$major"
  ;;
stop)
  dir="${2:?usage: $0 stop <dir>}"
  pg_ctl="$(find_bin pg_ctl)"
  if [ -d "$dir/data" ]; then
    as_owner "$pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
pause)
  dir="${2:?usage: $0 pause <dir>}"
  as_owner "$(find_bin pg_ctl)" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
resume)
  dir="${2:?usage: $0 resume <dir>}"
  as_owner "$(find_bin pg_ctl)" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "$(cat "$dir/options")" start >/dev/null
  ;;
*)
  echo "usage: $0 start | stop <dir> | pause <dir> | resume <dir>" >&2
  exit 2
  ;;
esac
