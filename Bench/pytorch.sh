#!/usr/bin/env bash
# The seed workloads, ours (Bench/Seeds.cs) and PyTorch's (Bench/pytorch_seeds.py), in one run, alternating: for each
# workload, ROUNDS times ours then PyTorch, each a fresh process printing "name first_ms second_ms median_ms".
# Prints one Markdown row per workload with the medians of the rounds and their ratio (ours ÷ PyTorch).
# Needs python3 with torch (Debian: apt-get install python3-torch); the project itself never does.
#   Bench/pytorch.sh [workload ...]      (default: all; ROUNDS=2, CALLS=80 in the environment:
#   medians are of the second half of the calls, after .NET's tier-up at about 30)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
rounds="${ROUNDS:-2}" calls="${CALLS:-80}"

python=""
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import torch' 2>/dev/null; then python="$candidate"; break; fi
done
if [ -z "$python" ]; then
  echo "pytorch.sh: no python3 with torch found (Debian: apt-get install python3-torch); nothing to compare" >&2
  exit 0
fi

dotnet build -c Release "$here/Bench.csproj" >/dev/null
bench="$here/bin/Release/net10.0/Bench.dll"
# By default every workload both sides have (ours also has kernel-only seeds with no PyTorch twin).
if [ "$#" -gt 0 ]; then workloads=("$@"); else
  mapfile -t workloads < <(comm -12 <(dotnet "$bench" --seed list | sort) <("$python" "$here/pytorch_seeds.py" list | sort))
fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "PyTorch $("$python" -c 'import torch; print(torch.__version__)'), $(nproc) cores," \
     "OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}, DOTNET_PreferredVectorBitWidth=${DOTNET_PreferredVectorBitWidth:-unset}," \
     "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| workload | ours: first call | ours: second | ours: median | second ÷ median | PyTorch: first | PyTorch: median | ours ÷ PyTorch |"
echo "|---|---|---|---|---|---|---|---|"
for w in "${workloads[@]}"; do
  ours=() theirs=()
  for _ in $(seq "$rounds"); do
    ours+=("$(dotnet "$bench" --seed "$w" "$calls")")
    theirs+=("$("$python" "$here/pytorch_seeds.py" "$w" "$calls")")
  done
  col() { printf '%s\n' "${@:2}" | awk -v c="$1" '{print $c}' | median; }
  o_first=$(col 2 "${ours[@]}") o_second=$(col 3 "${ours[@]}") o_median=$(col 4 "${ours[@]}")
  t_first=$(col 2 "${theirs[@]}") t_median=$(col 4 "${theirs[@]}")
  ratio=$(awk -v a="$o_median" -v b="$t_median" 'BEGIN {printf "%.3g", a / b}')
  cliff=$(awk -v a="$o_second" -v b="$o_median" 'BEGIN {printf "%.3g", a / b}')
  echo "| $w | $o_first ms | $o_second ms | $o_median ms | $cliff | $t_first ms | $t_median ms | $ratio |"
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
