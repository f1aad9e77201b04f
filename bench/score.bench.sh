#!/usr/bin/env bash
# Scoring 1M records: kdsl-score (release) next to Python (orjson load + scikit-learn f1_score),
# in one hyperfine run. The records (about 150 MB, 48 labels, two tasks, 5% without a
# prediction) are generated once into bench/out/score-1m.jsonl from a fixed seed.
# Prints a markdown table; raw figures in bench/out/score.{md,json}.
# Usage: bash bench/score.bench.sh [N]   (N records, default 1000000; RUNS=3 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${RUNS:-3}
PY=$(bash bench/venv.sh scikit-learn orjson)
bash bench/need.sh hyperfine
swift build -c release --product kdsl-score >&2
BIN=.build/release/kdsl-score
mkdir -p bench/out
data=bench/out/score-$n.jsonl
if [ ! -s "$data" ]; then
  "$PY" - "$n" "$data" <<'PYEOF'
import json, random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
intents = [f"意图{i:02d}" for i in range(23)]
scenes = [f"scene-{i:02d}" for i in range(25)]
words = ["订单", "物流", "退款", "where", "is", "my", "parcel", "发票", "refund", "please", "快递", "地址"]
with open(path, "w", encoding="utf-8") as out:
    for i in range(n):
        task = "intent" if rng.random() < 0.3 else "scene"
        labels = intents if task == "intent" else scenes
        gold = rng.choice(labels)
        r = {"id": f"r{i:07d}", "task": task, "text": " ".join(rng.choice(words) for _ in range(8)), "label": gold}
        u = rng.random()
        if u < 0.05:
            r["prediction"] = None
        else:
            r["prediction"] = {"label": gold if u < 0.8 else rng.choice(labels), "score": round(rng.random(), 4)}
        out.write(json.dumps(r, ensure_ascii=False) + "\n")
PYEOF
fi
size=$(stat -c %s "$data")
echo "input: $data, $n records, $((size / 1000000)) MB" >&2
# Same figure from both sides before timing them.
ours=$("$BIN" --format json "$data" 2>/dev/null | "$PY" -c 'import json,sys; print(repr(json.load(sys.stdin)["challenge_score"]))')
theirs=$("$PY" bench/score_sklearn.py "$data")
echo "weighted F1: kdsl-score $ours, scikit-learn $theirs" >&2
"$PY" -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(a - b) > 1e-12)" "$ours" "$theirs" \
  || { echo "score.bench: the two weighted F1s differ" >&2; exit 1; }
hyperfine --style basic --warmup 1 --runs "$runs" --ignore-failure \
  --export-markdown bench/out/score.md --export-json bench/out/score.json \
  -n "kdsl-score --format json" "$BIN --format json $data" \
  -n "kdsl-score --group-field task --confusion (table)" "$BIN --group-field task --confusion $data" \
  -n "python: orjson load + sklearn f1_score" "$PY bench/score_sklearn.py $data" \
  -n "python: orjson load only" "$PY bench/score_sklearn.py $data --load-only" \
  -n "cat > /dev/null" "cat $data" >&2
cat bench/out/score.md
"$PY" - "$size" <<'PYEOF'
import json, sys
size = int(sys.argv[1])
runs = json.load(open("bench/out/score.json"))["results"]
base, base_cpu = runs[0]["mean"], runs[0]["user"] + runs[0]["system"]
# CPU time (user + system) is steadier than wall time on a shared machine: both are shown.
print("\n| command | wall s | MB/s (wall) | CPU s | MB/s (CPU) | CPU vs kdsl-score --format json |")
print("|---|---:|---:|---:|---:|---:|")
for r in runs:
    cpu = r["user"] + r["system"]
    print(f"| {r['command']} | {r['mean']:.3f} | {size / r['mean'] / 1e6:.0f} | {cpu:.3f} | {size / cpu / 1e6:.0f} | {cpu / base_cpu:.2f}× |")
PYEOF
