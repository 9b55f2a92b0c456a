#!/usr/bin/env python3
"""Summarises run-evals.sh output (OUT/<eval>.jsonl and, with REFERENCE=1, OUT/<eval>.manual.jsonl) as a Markdown
table: per workload our primal and derivative times (the fastest 'evaluate' timing of each message), derivative ÷
primal, the reference's derivative time and ours ÷ the reference's; with PYTORCH=1's OUT/<eval>.pytorch.jsonl present,
PyTorch's derivative time and ours ÷ PyTorch's too.
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

def derivatives(path):
    try:
        return {w: t.get("derivative") for w, t in times(path).items()}
    except FileNotFoundError:
        return {}

out, names = sys.argv[1], sys.argv[2:]
torch = any(derivatives(f"{out}/{n}.pytorch.jsonl") for n in names)
head = "| eval | workload | primal (ms) | derivative (ms) | derivative ÷ primal | reference derivative (ms) | ours ÷ reference |"
print(head + (" PyTorch derivative (ms) | ours ÷ PyTorch |" if torch else ""))
print("|---|---|---:|---:|---:|---:|---:|" + ("---:|---:|" if torch else ""))
f = lambda v: "" if v is None else f"{v:.3g}"
ratio = lambda a, b: a / b if a and b else None
for name in names:
    ref, pt = derivatives(f"{out}/{name}.manual.jsonl"), derivatives(f"{out}/{name}.pytorch.jsonl")
    for workload, t in times(f"{out}/{name}.jsonl").items():
        p, d, r, q = t.get("primal"), t.get("derivative"), ref.get(workload), pt.get(workload)
        row = f"| {name} | {workload} | {f(p)} | {f(d)} | {f(ratio(d, p))} | {f(r)} | {f(ratio(d, r))} |"
        print(row + (f" {f(q)} | {f(ratio(d, q))} |" if torch else ""))
