"""The peer of `kdsl-score` in bench/score.bench.sh: load JSON Lines with orjson, then
scikit-learn's weighted F1, with kdsl-score's definition of a missing prediction (a sentinel that
is not in `labels=`). Usage: python score_sklearn.py FILE [--load-only]"""
import sys

import orjson

SENT = "\x00no prediction"
y_true, y_pred = [], []
with open(sys.argv[1], "rb") as f:
    for line in f:
        r = orjson.loads(line)
        gold = r.get("label")
        if not isinstance(gold, str):
            continue
        p = r.get("prediction")
        p = p.get("label") if isinstance(p, dict) else None
        y_true.append(gold)
        y_pred.append(p if isinstance(p, str) and "error" not in r else SENT)
if "--load-only" in sys.argv:
    print(len(y_true))
    sys.exit(0)
from sklearn.metrics import f1_score  # noqa: E402  (imported after loading, timed all the same)

labels = sorted(set(y_true) | (set(y_pred) - {SENT}))
print(repr(f1_score(y_true, y_pred, average="weighted", labels=labels)))
