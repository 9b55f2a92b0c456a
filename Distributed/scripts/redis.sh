#!/usr/bin/env bash
# A throw-away Redis for the distributed recommender (cluster membership and checkpoints): loopback only, on the first
# free port from 16379, its files in a fresh temp dir (no persistence: no RDB snapshots, no append-only file), stopped
# and removed by `stop`. The distributed tests that need it run only when AUTODIFF_REDIS is set, and skip otherwise.
#
#   eval "$(Distributed/scripts/redis.sh start)"   # exports AUTODIFF_REDIS=127.0.0.1:PORT and AUTODIFF_REDIS_DIR
#   dotnet test -c Release --filter "FullyQualifiedName~Distributed"
#   Distributed/scripts/redis.sh stop              # stops the server in $AUTODIFF_REDIS_DIR and deletes the dir
#
# Needs Debian's redis-server (apt-get install -y redis-server). Prints nothing on stdout but the exports, so the
# eval is safe; messages go to stderr.
set -euo pipefail

start() {
  command -v redis-server >/dev/null || { echo "redis.sh: redis-server is not installed (apt-get install -y redis-server)" >&2; exit 1; }
  local dir port
  dir=$(mktemp -d "${TMPDIR:-/tmp}/autodiff-redis.XXXXXX")
  for port in $(seq 16379 16479); do
    # A port someone answers on is taken; a server that fails to bind exits, and we try the next port.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    if redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" --appendonly no \
         --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null 2>&1; then
      for _ in $(seq 50); do
        if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
          echo "redis.sh: redis-server on 127.0.0.1:$port (pid $(cat "$dir/redis.pid"), files in $dir)" >&2
          echo "export AUTODIFF_REDIS=127.0.0.1:$port AUTODIFF_REDIS_DIR=$dir"
          return 0
        fi
        sleep 0.1
      done
      stop_dir "$dir" keep
    fi
  done
  rm -rf "$dir"
  echo "redis.sh: no free port for redis-server in 16379–16479" >&2
  exit 1
}

stop_dir() {
  local dir=$1 pid
  if [ -f "$dir/redis.pid" ]; then
    pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  if [ "${2:-}" != keep ]; then rm -rf "$dir"; fi
}

case "${1:-}" in
  start) start ;;
  stop)
    # Only a dir that start made: never a broad kill.
    dir=${2:-${AUTODIFF_REDIS_DIR:-}}
    case "$dir" in
      */autodiff-redis.*) stop_dir "$dir"; echo "redis.sh: stopped the redis-server of $dir" >&2 ;;
      *) echo "redis.sh stop: AUTODIFF_REDIS_DIR is not set to a dir that 'start' made" >&2; exit 1 ;;
    esac ;;
  *) echo "usage: $0 start | stop [DIR]" >&2; exit 2 ;;
esac
