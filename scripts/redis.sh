#!/usr/bin/env bash
# A throwaway Redis server for the tests, alike scripts/postgres.sh.
#   scripts/redis.sh start [password-file]   prints `export ...` lines for the tests
#   scripts/redis.sh stop <dir>               <dir> is STORES_TEST_REDIS_DIR from start
# The server lives in a temp dir of its own, listens on a free loopback port only and saves
# nothing. With a password file, clients must authenticate with its content (requirepass); the
# password goes into the server's private config file, never on a command line. `stop` removes
# every trace of the server.
set -euo pipefail

cmd="${1:-}"

case "$cmd" in
start)
  server="$(command -v redis-server || true)"
  if [ -z "$server" ]; then
    echo "redis-server not found" >&2
    exit 3
  fi
  password_file="${2:-}"
  password=""
  if [ -n "$password_file" ]; then
    password="$(cat "$password_file")" || exit 2
    # the password is written between double quotes into the config file
    case "$password" in *'"'* | *'\'* | *$'\n'* | '')
      echo "unusable password in $password_file (empty, or a quote, backslash or newline)" >&2
      exit 2
      ;;
    esac
  fi
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  dir="$(mktemp -d)" # mode 700: the config file holds the password
  {
    [ -z "$password" ] || printf 'requirepass "%s"\n' "$password"
    echo "bind 127.0.0.1"
    echo "port $port"
    echo "dir $dir"
    echo "daemonize yes"
    echo "pidfile $dir/redis.pid"
    echo "logfile $dir/server.log"
    echo 'save ""'
    echo "appendonly no"
  } >"$dir/redis.conf"
  if ! "$server" "$dir/redis.conf" >"$dir/start.log" 2>&1; then
    cat "$dir"/*.log >&2
    rm -rf "$dir"
    exit 1
  fi
  # daemonize returns before the server listens: wait for the pid file and the port
  for _ in $(seq 1 100); do
    if [ -s "$dir/redis.pid" ] &&
      node -e 'require("net").connect(+process.argv[1],"127.0.0.1").on("connect",()=>process.exit(0)).on("error",()=>process.exit(1))' "$port"; then
      echo "export STORES_TEST_REDIS_DIR=$dir"
      echo "export STORES_TEST_REDIS_PORT=$port"
      echo "export STORES_TEST_REDIS_URL=redis://127.0.0.1:$port"
      exit 0
    fi
    sleep 0.1
  done
  cat "$dir"/*.log >&2
  [ -s "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null
  rm -rf "$dir"
  exit 1
  ;;
stop)
  dir="${2:?usage: $0 stop <dir>}"
  if [ -s "$dir/redis.pid" ]; then
    pid="$(cat "$dir/redis.pid")"
    # the pid file is ours; make sure the pid still is a redis-server before signalling it
    if grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      if grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null; then kill -9 "$pid" || true; fi
    fi
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start [config-file] | stop <dir>" >&2
  exit 2
  ;;
esac
