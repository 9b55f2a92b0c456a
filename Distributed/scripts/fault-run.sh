#!/usr/bin/env bash
# The fault run of issue #27 at a size of your choice (the test A_killed_silo_loses_nothing… runs a small one in CI):
# 3 silos (separate processes, Redis membership and checkpoints on loopback), synchronous full-batch momentum steps over
# 6 shards, once uninterrupted and once with silo 2 killed (SIGKILL) after step 2; the final factors' hashes must be
# equal. Uses $AUTODIFF_REDIS if set, else starts a throw-away Redis (redis.sh) and stops it; each run has a cluster id
# of its own, so nothing in the Redis is flushed. Stops its silos at the end.
# With METHOD als the run is distributed ALS with biases (STEPS sweeps over 6 + 6 shards, checkpointed after every
# half-sweep), and silo 2 is killed after half-sweep 2.
# Usage: Distributed/scripts/fault-run.sh [RATINGS] [STEPS] [METHOD: fullbatch | als]   (build first: dotnet build -c Release DistributedHost)
set -euo pipefail
cd "$(dirname "$0")/../.."
host=DistributedHost/bin/Release/net10.0/DistributedHost
ratings=${1:-1000000} steps=${2:-8} method=${3:-fullbatch}
log=$(mktemp -d)
source Distributed/scripts/silos.sh
train() { "$host" train --redis "$AUTODIFF_REDIS" --cluster "$1" --shards 6 --users 2000 --items 10000 --ratings "$ratings" --rank 16 --steps "$steps" --rate 1e-6 --attempts 12 --timeout 20 --method "$method" --sweeps "$steps"; }
if [ "$method" == als ]; then after="half-sweep 2 "; else after="step 2:"; fi

echo "== uninterrupted"
start_silos "clean-$$" 3 21111 31000
train "clean-$$" | tee "$log/clean.txt"
stop_silos
echo "== silo 2 killed after ${after%[ :]}"
start_silos "fault-$$" 3 21111 31000
victim=${silos[2]}
train "fault-$$" | while IFS= read -r line; do
  echo "$line"
  if [[ "$line" == "$after"* ]]; then kill -9 "$victim"; echo "-- killed silo 2 (pid $victim) at $(date -u +%T)"; fi
done | tee "$log/fault.txt"
clean=$(grep -o 'SHA-256 [0-9A-F]*' "$log/clean.txt"); fault=$(grep -o 'SHA-256 [0-9A-F]*' "$log/fault.txt")
echo "uninterrupted $clean; with a silo killed $fault"
[ -n "$clean" ] && [ "$clean" == "$fault" ] && echo "fault run: equal bits" || { echo "fault run: the final factors differ"; exit 1; }
