#!/usr/bin/env bash
# Cross-check: kdsl-score's JSON report against scikit-learn (precision_recall_fscore_support,
# f1_score / precision_score / recall_score with average weighted|macro|micro, accuracy_score,
# confusion_matrix), to 1e-12, on seeded random label sets (several sizes, missing predictions,
# predicted-only labels, CJK and canonically-equivalent labels, groups) and on the real labels of
# ../shared/data/www2025 (gold vs a deterministic perturbation of it). Also checks that merged
# shard counts (--emit-counts | --merge-counts) give the unsharded report byte for byte.
# Exits non-zero on any mismatch.
#
# Missing predictions: sklearn is given the same records with a sentinel string as prediction and
# `labels=` the real label set (union of gold and real predicted labels), which is kdsl-score's
# definition (docs/records.md, kdsl-score). Without missing predictions the plain union
# (no `labels=`) is checked as well.
#
# Binary: $KDSL_BIN/kdsl-score if KDSL_BIN is set, else .build/debug/kdsl-score (built if absent).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=$(bash bench/venv.sh scikit-learn)
if [ -n "${KDSL_BIN:-}" ]; then BIN="$KDSL_BIN/kdsl-score"; else BIN=.build/debug/kdsl-score; fi
if [ ! -x "$BIN" ]; then swift build --product kdsl-score >&2; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$PY" - "$BIN" "$work" "../shared/data/www2025" <<'PYEOF'
import json, os, random, subprocess, sys, unicodedata, warnings
import numpy as np
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support,
                             precision_score, recall_score)

warnings.filterwarnings("ignore")  # zero_division warnings: their value (0) is what we compare
BIN, WORK, REAL = sys.argv[1], sys.argv[2], sys.argv[3]
SENT = "\x00no prediction"  # a prediction no label can equal
TOL = 1e-12
failures = []
checks = 0

def run(args, stdin=None):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")

def close(name, ours, theirs):
    global checks
    checks += 1
    if isinstance(theirs, (int, np.integer)) and not isinstance(theirs, bool):
        ok = ours == int(theirs)
    else:
        ok = ours is not None and abs(float(ours) - float(theirs)) <= TOL
    if not ok:
        failures.append(f"{name}: kdsl-score {ours!r} != sklearn {theirs!r}")

def expect_section(where, ours, y_true, y_pred):
    labels = sorted(set(y_true) | {p for p in y_pred if p != SENT})  # code point order = UTF-8 byte order
    close(f"{where} support", ours["support"], len(y_true))
    close(f"{where} no_prediction", ours["no_prediction"], sum(p == SENT for p in y_pred))
    if not y_true:
        for k in ("accuracy", "macro_f1", "micro_f1", "weighted_f1"):
            close(f"{where} {k} (empty)", ours[k], 0.0)
        return
    if list(ours["classes"]) != labels:
        failures.append(f"{where} label set: {list(ours['classes'])} != {labels}")
        return
    close(f"{where} accuracy", ours["accuracy"], accuracy_score(y_true, y_pred))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels)
    for i, l in enumerate(labels):
        c = ours["classes"][l]
        close(f"{where} {l!r} precision", c["precision"], p[i])
        close(f"{where} {l!r} recall", c["recall"], r[i])
        close(f"{where} {l!r} f1", c["f1"], f[i])
        close(f"{where} {l!r} support", c["support"], s[i])
    variants = [dict(labels=labels)]
    if SENT not in y_pred:
        variants.append({})  # sklearn's own union: must agree too
    for kw in variants:
        tag = "labels=" if kw else "union"
        for avg in ("weighted", "macro", "micro"):
            close(f"{where} {avg}_f1 ({tag})", ours[f"{avg}_f1"], f1_score(y_true, y_pred, average=avg, **kw))
            close(f"{where} {avg}_precision ({tag})", ours[f"{avg}_precision"], precision_score(y_true, y_pred, average=avg, **kw))
            close(f"{where} {avg}_recall ({tag})", ours[f"{avg}_recall"], recall_score(y_true, y_pred, average=avg, **kw))
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    if ours["confusion"]["labels"] != labels or ours["confusion"]["matrix"] != cm.tolist():
        failures.append(f"{where} confusion matrix differs")
    missing = [sum(1 for t, q in zip(y_true, y_pred) if t == l and q == SENT) for l in labels]
    if ours["confusion"]["no_prediction"] != missing:
        failures.append(f"{where} confusion no_prediction {ours['confusion']['no_prediction']} != {missing}")

def as_label(v):
    """A label as kdsl reads one: a string, or an integer as its digits; else None."""
    if isinstance(v, str): return v
    if isinstance(v, int) and not isinstance(v, bool): return str(v)
    return None

def expect_report(name, records, by):
    """records: dicts as written. Returns the report bytes."""
    path = os.path.join(WORK, name + ".jsonl")
    with open(path, "w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    args = ["--format", "json", "--confusion", path] + (["--group-field", by] if by else [])
    rc, stdout, stderr = run(args)
    if not records:
        # scikit-learn refuses an empty input, and so does kdsl-score: exit 2, no report of zeros.
        if rc != 2 or stdout or "nothing to score" not in stderr:
            failures.append(f"{name}: empty input: exit {rc}, stdout {stdout[:100]!r}, stderr {stderr[:200]}")
        return stdout
    scored = [dict(r, label=as_label(r["label"])) for r in records if as_label(r.get("label")) is not None]
    no_gold = len(records) - len(scored)
    if rc != (1 if no_gold else 0):
        failures.append(f"{name}: exit {rc}, stderr {stderr[:300]}")
    report = json.loads(stdout)
    def pred(r):
        p = r.get("prediction")
        if "error" in r or not isinstance(p, dict) or as_label(p.get("label")) is None:
            return SENT
        return as_label(p["label"])
    close(f"{name} no_gold", report["no_gold"], no_gold)
    y_true = [r["label"] for r in scored]
    y_pred = [pred(r) for r in scored]
    expect_section(f"{name} overall", report["overall"], y_true, y_pred)
    if y_true:
        close(f"{name} challenge_score", report["challenge_score"], f1_score(y_true, y_pred, average="weighted",
              labels=sorted(set(y_true) | {p for p in y_pred if p != SENT})))
    if by:
        groups = sorted({r[by] for r in scored if isinstance(r.get(by), str)})
        if list(report["groups"]) != groups:
            failures.append(f"{name} groups {list(report['groups'])} != {groups}")
        wf = []
        for g in groups:
            yt = [r["label"] for r in scored if r.get(by) == g]
            yp = [pred(r) for r in scored if r.get(by) == g]
            expect_section(f"{name} group {g!r}", report["groups"][g], yt, yp)
            labels = sorted(set(yt) | {p for p in yp if p != SENT})
            wf.append(f1_score(yt, yp, average="weighted", labels=labels))
        if wf:
            close(f"{name} mean_of_groups_weighted_f1", report["mean_of_groups_weighted_f1"], np.mean(wf))
        close(f"{name} ungrouped", report["ungrouped"], sum(1 for r in scored if not isinstance(r.get(by), str)))
    # Sharded: three shards' counts merged must give the same bytes.
    shards = [os.path.join(WORK, f"{name}.shard{i}.jsonl") for i in range(3)]
    rnd = random.Random(len(records))
    outs = [open(s, "w", encoding="utf-8") for s in shards]
    for r in records:
        outs[rnd.randrange(3)].write(json.dumps(r, ensure_ascii=False) + "\n")
    for o in outs:
        o.close()
    counts = b"".join(run(["--emit-counts", s] + (["--group-field", by] if by else []))[1] for s in shards)
    rc2, merged, err2 = run(["--merge-counts", "--format", "json", "--confusion"], stdin=counts)
    if merged != stdout or rc2 != 0:
        failures.append(f"{name}: merged counts report differs from the unsharded one (exit {rc2}, {err2[:200]})")
    return stdout

# 1. Seeded random label sets.
label_pools = [
    ["a", "b", "c"],
    [f"L{i:02d}" for i in range(25)],
    ["物流查询", "退款", "商品咨询", "发票", "Ａ全角", "é", unicodedata.normalize("NFD", "é"), "quote\"d", "back\\slash", "😀"],
]
for seed, n in [(1, 1), (2, 7), (3, 60), (4, 500), (5, 5000), (6, 40000), (7, 300), (8, 0)]:
    rng = random.Random(seed)
    pool = label_pools[seed % 3]
    k = rng.randint(1, len(pool))
    labels = pool[:k]
    records = []
    miss = [0.0, 0.05, 0.3][seed % 3]
    for i in range(n):
        r = {"id": i, "task": rng.choice(["intent", "scene"]) if rng.random() > 0.03 else None, "label": rng.choice(labels)}
        if rng.random() < 0.01:
            del r["label"]  # left out
        u = rng.random()
        if u < miss:
            form = rng.randrange(5)
            if form == 0: pass
            elif form == 1: r["prediction"] = None
            elif form == 2: r["prediction"] = {"label": 3.5}
            elif form == 3: r["prediction"] = {"label": 3}  # a class number: the label "3"
            else: r["prediction"] = {"label": rng.choice(labels)}; r["error"] = {"stage": "kdsl-model", "message": "x"}
        elif u < miss + 0.02:
            r["prediction"] = {"label": "unseen-" + str(rng.randrange(2))}
        elif rng.random() < 0.6:
            r["prediction"] = {"label": r.get("label", labels[0])}
        else:
            r["prediction"] = {"label": rng.choice(labels)}
        records.append(r)
    expect_report(f"random-seed{seed}-n{n}", records, "task" if seed % 2 == 0 else None)
    expect_report(f"random-seed{seed}-n{n}-by", records, "task")

# Class numbers (as Hugging Face exports labels): integer gold labels, predictions as kdsl-model
# writes them (the digits as a string) or as integers; the report as scikit-learn's on the digits.
rng = random.Random(9)
records = []
for i in range(400):
    gold = rng.choice([0, 1, 2, 10, -1])
    guess = gold if rng.random() < 0.7 else rng.choice([0, 1, 2, 10, -1])
    records.append({"id": i, "task": rng.choice(["intent", "scene"]), "label": gold,
                    "prediction": {"label": str(guess) if rng.random() < 0.5 else guess}})
expect_report("class-numbers", records, "task")

# 2. The real labels of the WWW2025 challenge set, gold vs a deterministic perturbation.
train = os.path.join(REAL, "train.json")
if os.path.exists(train):
    data = json.load(open(train, encoding="utf-8"))
    lab = {t: [l.strip() for l in open(os.path.join(REAL, f), encoding="utf-8") if l.strip()]
           for t, f in [("intent", "labels_dialogue_intent.txt"), ("scene", "labels_image_scene.txt")]}
    for seed, wrong, miss in [(2025, 0.2, 0.0), (2026, 0.15, 0.05), (2027, 0.0, 0.0)]:
        rng = random.Random(seed)
        records = []
        for d in data:
            task = "scene" if d["instruction"].startswith("Picture 1") else "intent"
            r = {"id": d["id"], "task": task, "label": d["output"]}
            u = rng.random()
            if u < miss:
                r["prediction"] = None
            elif u < miss + wrong:
                r["prediction"] = {"label": rng.choice(lab[task] + ["其他"])}
            else:
                r["prediction"] = {"label": d["output"]}
            records.append(r)
        expect_report(f"www2025-seed{seed}", records, "task")
        expect_report(f"www2025-seed{seed}-pooled", records, None)
else:
    print(f"crosscheck score: {train} absent, real-label check skipped", file=sys.stderr)

if failures:
    print(f"crosscheck score: {len(failures)} mismatches of {checks} checks", file=sys.stderr)
    for f in failures[:50]:
        print("  " + f, file=sys.stderr)
    sys.exit(1)
print(f"crosscheck score: {checks} figures equal to scikit-learn's within {TOL}")
PYEOF
