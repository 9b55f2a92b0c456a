#!/usr/bin/env bash
# Step times with N silo processes (one shard each) on loopback against the single process, at m = 2,000, n = 10⁴,
# k = 16 and R ratings (the figures of docs/SCALING.md); also prints the messages and bytes of a step.
# Uses $AUTODIFF_REDIS if set, else starts a throw-away Redis (redis.sh) and stops it.
# Usage: Distributed/scripts/silo-steps.sh N [RATINGS] [STEPS] [TRAIN OPTIONS…]   (build first: dotnet build -c Release DistributedHost)
#   e.g. silo-steps.sh 2 1000000 3 --method als --sweeps 3   (ALS half-sweeps), or … --batches 10 (minibatch steps)
set -euo pipefail
cd "$(dirname "$0")/../.."
host=DistributedHost/bin/Release/net10.0/DistributedHost
n=${1:?how many silos} ratings=${2:-1000000} steps=${3:-5}
rate=$(awk "BEGIN { print 1 / $ratings }")   # L and its gradient grow with the ratings: a step of 1/|Ω| stays stable
log=$(mktemp -d)
source Distributed/scripts/silos.sh
cluster="steps-$$"
start_silos "$cluster" "$n" 22111 32000
"$host" train --redis "$AUTODIFF_REDIS" --cluster "$cluster" --shards "$n" --users 2000 --items 10000 --ratings "$ratings" --rank 16 --steps "$steps" --rate "$rate" --timeout 120 "${@:4}"
