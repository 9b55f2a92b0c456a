#!/usr/bin/env bash
# Runs GradBench evals against this tool (and, with REFERENCE=1, against the C++ reference tool `manual` too).
# Usage: GradBench/run-evals.sh PREPARED_GRADBENCH_DIR RUN_LOCAL_PY OUT_DIR eval[:flags] …
#   With PYTORCH=1, also GradBench's PyTorch tool (its python/gradbench/gradbench/tools/pytorch, which the prepared
#   folder must hold) under TORCH_PYTHON (default /usr/bin/python3, Debian's, with python3-torch installed).
#   e.g. GradBench/run-evals.sh /tmp/gradbench /path/run_local.py /tmp/out hello llsq "lstm:-c 1024 4096" "ht:--max 11"
# The prepared folder is a GradBench checkout with its Python harness (and `manual` built, for REFERENCE=1);
# run_local.py forwards the messages between an eval and a tool and ends with the outcome.
set -uo pipefail
GB=$(realpath "$1"); RUNNER=$(realpath "$2"); OUT=$(mkdir -p "$3" && realpath "$3"); shift 3
HERE=$(cd "$(dirname "$0")" && pwd)
dotnet build -c Release "$HERE" >/dev/null || exit 1
TOOL="dotnet $HERE/bin/Release/net10.0/GradBench.dll"
cd "$GB" && { [ -f env.sh ] && . ./env.sh; }
status=0
for spec in "$@"; do
  name=${spec%%:*}; flags=""; [[ $spec == *:* ]] && flags=${spec#*:}
  eval_cmd="python3 python/gradbench/gradbench/evals/$name/run.py $flags"
  start=$(date +%s)
  python3 "$RUNNER" --eval "$eval_cmd" --tool "$TOOL" -o "$OUT/$name.jsonl" >"$OUT/$name.log" 2>&1 || status=1
  echo "$name: $(tail -1 "$OUT/$name.log") ($(( $(date +%s) - start )) s)"
  if [ "${REFERENCE:-0}" = 1 ]; then
    python3 "$RUNNER" --eval "$eval_cmd" --tool "python3 python/gradbench/gradbench/cpp.py manual" \
      -o "$OUT/$name.manual.jsonl" >"$OUT/$name.manual.log" 2>&1 || status=1
    echo "$name (manual): $(tail -1 "$OUT/$name.manual.log")"
  fi
  if [ "${PYTORCH:-0}" = 1 ]; then
    # Debian's torch is built against Debian's numpy: for the tool alone, its folder comes before other site-packages.
    torch_path="$GB/python/gradbench:/usr/lib/python3/dist-packages:${PYTHONPATH:-}"
    python3 "$RUNNER" --eval "$eval_cmd" \
      --tool "env PYTHONPATH=$torch_path ${TORCH_PYTHON:-/usr/bin/python3} python/gradbench/gradbench/tools/pytorch/run.py" \
      -o "$OUT/$name.pytorch.jsonl" >"$OUT/$name.pytorch.log" 2>&1 || status=1
    echo "$name (pytorch): $(tail -1 "$OUT/$name.pytorch.log")"
  fi
done
exit $status
