#!/usr/bin/env bash
# Step times with N silo processes (one shard each) on loopback against the single process, at m = 2,000, n = 10⁴,
# k = 16 and R ratings (the figures of docs/SCALING.md); also prints the messages and bytes of a step.
# Uses $AUTODIFF_REDIS if set, else starts a throw-away Redis (redis.sh) and stops it.
# Usage: Distributed/scripts/silo-steps.sh N [RATINGS] [STEPS]   (build first: dotnet build -c Release DistributedHost)
set -euo pipefail
cd "$(dirname "$0")/../.."
host=DistributedHost/bin/Release/net10.0/DistributedHost
n=${1:?how many silos} ratings=${2:-1000000} steps=${3:-5}
log=$(mktemp -d)
started_redis=""
if [ -z "${AUTODIFF_REDIS:-}" ]; then
  eval "$(Distributed/scripts/redis.sh start)"
  started_redis=$AUTODIFF_REDIS_DIR
fi
silos=()
cleanup() { for p in "${silos[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  if [ -n "$started_redis" ]; then Distributed/scripts/redis.sh stop "$started_redis"; fi; }
trap cleanup EXIT
cluster="steps-$$"
for i in $(seq 0 $((n - 1))); do
  "$host" silo --redis "$AUTODIFF_REDIS" --cluster "$cluster" --port $((22111 + i)) --gateway $((32000 + i)) --join-timeout 120 >"$log/silo$i.txt" 2>&1 &
  silos+=($!)
done
for i in $(seq 0 $((n - 1))); do
  for _ in $(seq 120); do grep -q "silo up" "$log/silo$i.txt" && break; sleep 1; done
  grep -q "silo up" "$log/silo$i.txt" || { echo "silo $i did not come up:"; cat "$log/silo$i.txt"; exit 1; }
done
"$host" train --redis "$AUTODIFF_REDIS" --cluster "$cluster" --shards "$n" --users 2000 --items 10000 --ratings "$ratings" --rank 16 --steps "$steps" --rate 1e-6 --timeout 120
