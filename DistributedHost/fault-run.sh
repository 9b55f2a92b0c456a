#!/usr/bin/env bash
# The fault run of issue #27: 3 silos (separate processes, Redis membership on loopback), synchronous full-batch steps
# over 3 shards, once uninterrupted and once with silo 2 killed (SIGKILL) after the second step; the final factors'
# hashes must be equal. Starts Redis if none answers (and stops what it started), and stops its silos at the end.
# Usage: DistributedHost/fault-run.sh [RATINGS] [STEPS]   (build first: dotnet build -c Release DistributedHost)
set -euo pipefail
cd "$(dirname "$0")/.."
host=DistributedHost/bin/Release/net10.0/DistributedHost
ratings=${1:-1000000} steps=${2:-8}
log=$(mktemp -d)
started_redis=""
if ! redis-cli ping >/dev/null 2>&1; then
  redis-server --port 6379 --daemonize yes --save "" --appendonly no --pidfile "$log/redis.pid"
  sleep 1
  started_redis=$(cat "$log/redis.pid")
fi
silos=()
start_silos() {
  redis-cli flushall >/dev/null
  silos=()
  for i in 0 1 2; do
    "$host" silo --redis localhost:6379 --port $((11111 + i)) --gateway $((30000 + i)) >"$log/silo$i.txt" 2>&1 &
    silos+=($!)
  done
  sleep 10
}
stop_silos() { for p in "${silos[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
cleanup() { stop_silos; if [ -n "$started_redis" ]; then kill "$started_redis"; fi; }
trap cleanup EXIT
train() { "$host" train --redis localhost:6379 --shards 3 --users 2000 --items 10000 --ratings "$ratings" --rank 16 --steps "$steps" --attempts 10 --timeout 20 "$@"; }

echo "== uninterrupted"
start_silos
train | tee "$log/clean.txt"
stop_silos
echo "== silo 2 (pid ${silos[2]:-?}) killed after step 2"
start_silos
victim=${silos[2]}
train | while IFS= read -r line; do
  echo "$line"
  if [[ "$line" == "step 2:"* ]]; then kill -9 "$victim"; echo "-- killed silo 2 (pid $victim) at $(date -u +%T)"; fi
done | tee "$log/fault.txt"
clean=$(grep -o 'SHA-256 [0-9A-F]*' "$log/clean.txt"); fault=$(grep -o 'SHA-256 [0-9A-F]*' "$log/fault.txt")
echo "uninterrupted $clean; with a silo killed $fault"
[ -n "$clean" ] && [ "$clean" == "$fault" ] && echo "fault run: equal bits" || { echo "fault run: the final factors differ"; exit 1; }
