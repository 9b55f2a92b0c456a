# Sourced by the scripts beside it (not run): a Redis and silo processes on loopback, stopped on exit.
# Expects $host (the DistributedHost executable) and $log (a directory for the silos' output) to be set.
# Uses $AUTODIFF_REDIS if set, else starts a throw-away Redis (redis.sh) that the exit trap stops.
started_redis=""
if [ -z "${AUTODIFF_REDIS:-}" ]; then
  eval "$(Distributed/scripts/redis.sh start)"
  started_redis=$AUTODIFF_REDIS_DIR
fi
silos=()

# start_silos CLUSTER COUNT PORT GATEWAY: COUNT silos of cluster CLUSTER on ports PORT + i (gateways GATEWAY + i),
# waiting up to 120 s for each to say "silo up" (fails, showing its output, if one does not).
start_silos() {
  local cluster=$1 count=$2 port=$3 gateway=$4 i
  silos=()
  for i in $(seq 0 $((count - 1))); do
    "$host" silo --redis "$AUTODIFF_REDIS" --cluster "$cluster" --port $((port + i)) --gateway $((gateway + i)) --join-timeout 120 >"$log/silo$i.txt" 2>&1 &
    silos+=($!)
  done
  for i in $(seq 0 $((count - 1))); do
    for _ in $(seq 120); do grep -q "silo up" "$log/silo$i.txt" && break; sleep 1; done
    grep -q "silo up" "$log/silo$i.txt" || { echo "silo $i did not come up:"; cat "$log/silo$i.txt"; exit 1; }
  done
}

stop_silos() { for p in "${silos[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }

cleanup() { stop_silos; if [ -n "$started_redis" ]; then Distributed/scripts/redis.sh stop "$started_redis"; fi; }
trap cleanup EXIT
