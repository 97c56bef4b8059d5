#!/usr/bin/env bash
# A throwaway MariaDB server for the tests that need MySQL (the WooCommerce chart's setup).
#   scripts/mariadb.sh start         prints `export ...` lines for the tests
#   scripts/mariadb.sh stop <dir>    <dir> is STORES_TEST_MARIADB_DIR from start
# The server lives in a temp dir of its own (data, socket, log), listens on a free loopback
# port, and is started as a process of the caller, never as the system's service. root has no
# password and is reached over the socket only; `stop` removes every trace of it.
# Exit 3: MariaDB's programs are not installed (Debian: mariadb-server-core, mariadb-client-core).
set -euo pipefail

find_bin() {
  if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
  # Debian keeps the server itself in sbin, which a non-root PATH may lack.
  [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"
}

cmd="${1:-}"

case "$cmd" in
start)
  mariadbd="$(find_bin mariadbd || true)"
  install_db="$(find_bin mariadb-install-db || true)"
  client="$(find_bin mariadb || true)"
  if [ -z "$mariadbd" ] || [ -z "$install_db" ] || [ -z "$client" ]; then
    echo "MariaDB programs not found (mariadbd, mariadb-install-db, mariadb)" >&2
    exit 3
  fi
  # mariadbd refuses to run as root unless told which account to use.
  as_user=()
  [ "$(id -u)" = 0 ] && as_user=(--user=mysql)
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  dir="$(mktemp -d)"
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown mysql "$dir"
  # --no-defaults: nothing from /etc/mysql (the system's datadir, socket and port stay untouched)
  if ! "$install_db" --no-defaults "${as_user[@]}" --datadir="$dir/data" --skip-test-db \
    --auth-root-authentication-method=normal >"$dir/install.log" 2>&1; then
    cat "$dir/install.log" >&2
    rm -rf "$dir"
    exit 1
  fi
  # All three descriptors go to files: a caller that reads this script's output must not wait
  # for the server to exit.
  setsid "$mariadbd" --no-defaults "${as_user[@]}" --datadir="$dir/data" \
    --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --bind-address=127.0.0.1 \
    --port="$port" --log-error="$dir/server.log" --skip-log-bin \
    --innodb-flush-log-at-trx-commit=0 --innodb-buffer-pool-size=64M --skip-name-resolve \
    </dev/null >>"$dir/server.log" 2>&1 &
  echo $! >"$dir/server.pid"
  for _ in $(seq 1 120); do
    if "$client" --no-defaults --socket="$dir/mysqld.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
      echo "export STORES_TEST_MARIADB_DIR=$dir"
      echo "export STORES_TEST_MARIADB_SOCKET=$dir/mysqld.sock"
      echo "export STORES_TEST_MARIADB_PORT=$port"
      echo "export STORES_TEST_MARIADB_VERSION=$("$mariadbd" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)"
      exit 0
    fi
    kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "MariaDB did not start:" >&2
  cat "$dir/server.log" >&2
  kill "$(cat "$dir/server.pid")" 2>/dev/null || true
  rm -rf "$dir"
  exit 1
  ;;
stop)
  dir="${2:?usage: $0 stop <dir>}"
  if [ -f "$dir/server.pid" ]; then
    pid="$(cat "$dir/server.pid")"
    kill "$pid" 2>/dev/null || true
    # a clean shutdown takes a moment; then the files can go
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start | stop <dir>" >&2
  exit 2
  ;;
esac
