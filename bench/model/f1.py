"""Weighted F1 per task and pooled, from records with `label` and `model.label` (stdin).
Uses scikit-learn's f1_score when importable (the benchmarks), else the same formula by hand."""
import json, sys
from collections import defaultdict

def weighted_f1(gold, pred):
    try:
        from sklearn.metrics import f1_score
        return f1_score(gold, pred, average="weighted", zero_division=0)
    except ImportError:
        labels = set(gold)
        total = 0.0
        for l in labels:
            tp = sum(1 for g, p in zip(gold, pred) if g == l and p == l)
            fp = sum(1 for g, p in zip(gold, pred) if g != l and p == l)
            fn = sum(1 for g, p in zip(gold, pred) if g == l and p != l)
            f = 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)
            total += f * sum(1 for g in gold if g == l)
        return total / len(gold)

by = defaultdict(lambda: ([], []))
for line in sys.stdin:
    r = json.loads(line)
    if "label" not in r or "model" not in r:
        continue
    p = r["model"]["label"] or ""
    for t in (r.get("task", ""), "all"):
        by[t][0].append(r["label"]); by[t][1].append(p)
print(" ".join(f"{t}={weighted_f1(*by[t]):.4f}" for t in sorted(by)))
