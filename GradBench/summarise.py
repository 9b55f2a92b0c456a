#!/usr/bin/env python3
"""Summarises run-evals.sh output (OUT/<eval>.jsonl and, with REFERENCE=1, OUT/<eval>.manual.jsonl) as a Markdown
table: per workload our primal and derivative times (the fastest 'evaluate' timing of each message), derivative ÷
primal, the reference's derivative time and ours ÷ the reference's.
Usage: GradBench/summarise.py OUT eval …"""
import json, sys

PRIMAL = {"primal", "objective", "cost", "square"}

def times(path):
    messages, table = {}, {}
    for line in open(path):
        entry = json.loads(line)
        if "message" in entry and entry["message"].get("kind") == "evaluate":
            m = entry["message"]
            messages[m["id"]] = (m.get("description") or "", m["function"])
        elif "response" in entry and entry["response"].get("id") in messages:
            runs = [t["nanoseconds"] for t in entry["response"].get("timings", []) if t["name"] == "evaluate"]
            if runs:
                workload, function = messages[entry["response"]["id"]]
                table.setdefault(workload, {})["primal" if function in PRIMAL else "derivative"] = min(runs) / 1e6
    return table

out = sys.argv[1]
print("| eval | workload | primal (ms) | derivative (ms) | derivative ÷ primal | reference derivative (ms) | ours ÷ reference |")
print("|---|---|---:|---:|---:|---:|---:|")
for name in sys.argv[2:]:
    ours = times(f"{out}/{name}.jsonl")
    try:
        ref = times(f"{out}/{name}.manual.jsonl")
    except FileNotFoundError:
        ref = {}
    for workload, t in ours.items():
        p, d = t.get("primal"), t.get("derivative")
        r = ref.get(workload, {}).get("derivative")
        f = lambda v: "" if v is None else f"{v:.3g}"
        print(f"| {name} | {workload} | {f(p)} | {f(d)} | {f(d / p if p and d else None)} | {f(r)} | {f(d / r if d and r else None)} |")
