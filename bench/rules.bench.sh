#!/usr/bin/env bash
# kdsl-rules benchmarks (docs/benchmarks.md):
#  1. mining time on the whole WWW2025 set;
#  2. 5-fold CV on the records' `fold`: rules mined on 4 folds, precision and coverage on the
#     held-out fold per task, side by side with RIPPER (wittgenstein) on the same candidate
#     literals as binary features;
#  3. apply throughput with 10, 1,000 and 100,000 rules vs passthrough (apply with an empty rule
#     file: record read + one key set), cat, grep -F -f on the same literals, and Python keyword
#     labelling functions as Snorkel users write them.
# Usage: bash bench/rules.bench.sh [RECORDS.jsonl]   (records with `fold` and `ocr.text`; default
# $KDSL_WWW, else examples/www2025's OCR cache, built by bench/www2025-input.sh when missing).
# Env: KDSL_BIN, KDSL_WWW, KDSL_DATA (../shared/data), BIG (records in the big file).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${KDSL_BIN:-.build/release}
R="$BIN/kdsl-rules"
[ -x "$R" ] || swift build -c release --product kdsl-rules >&2
data=${1:-${KDSL_WWW:-}}
[ -n "$data" ] || data=$(bash bench/www2025-input.sh ocr)
out=bench/out/rules; [ -n "${SKIP_CV:-}" ] || rm -rf "$out"; mkdir -p "$out"
PY=$(bash bench/venv.sh wittgenstein pandas)
bash bench/need.sh bc /usr/bin/time:time
now() { date +%s.%N; }
secs() { printf '%.3f' "$(echo "$2 - $1" | bc)"; }
echo "data: $data ($(wc -l < "$data") records; with ocr.text: $(jq -c 'select(.ocr.text != null and .ocr.text != "")' "$data" | wc -l))"

# 1. Mining the whole set.
t0=$(now); "$R" mine "$data" --out "$out/all.rules.jsonl" --candidates-out "$out/all.cands.jsonl" 2> "$out/mine.log"; t1=$(now)
echo "## mine, whole set: $(wc -l < "$out/all.rules.jsonl") rules in $(secs "$t0" "$t1") s ($(head -1 "$out/mine.log" | sed 's/^kdsl-rules: //'))"

# 2. Cross-validation, ours vs RIPPER on the same candidates (SKIP_CV=1 skips it: RIPPER takes minutes).
if [ -z "${SKIP_CV:-}" ]; then
cv() {  # $1 = tag, rest = mine flags
  local tag=$1; shift
  local t0 t1
  t0=$(now)
  for f in 0 1 2 3 4; do
    jq -c "select(.fold != $f)" "$data" | "$R" mine --quiet "$@" --out "$out/$tag.rules.$f" --candidates-out "$out/$tag.cands.$f"
    jq -c "select(.fold == $f)" "$data" | "$R" apply --rules "$out/$tag.rules.$f" > "$out/$tag.applied.$f" 2>> "$out/apply.log"
  done
  t1=$(now)
  cat "$out/$tag.applied."* | jq -s -r --arg tag "$tag" --arg t "$(secs "$t0" "$t1")" 'group_by(.task)[] | {task: .[0].task, n: length, fired: (map(select(.rules.label != null)) | length), correct: (map(select(.rules.label != null and .rules.label == .label)) | length)} | "| kdsl-rules mine \($tag) | \(.task) | \(.n) | \(.fired) | \(.correct) | \(if .fired > 0 then (.correct / .fired * 1000 | round / 1000) else "-" end) | \(.fired / .n * 1000 | round / 1000) | \($t) s (5 folds, mine+apply) |"'
}
echo
echo "| method | task | held-out records | labelled by rules | right | precision | coverage | time |"
echo "|---|---|---|---|---|---|---|---|"
cv default
cv z0.8 --z 0.8
cv "with-agent" --views user,agent,ocr
cv "min-reward 0.85" --min-reward 0.85
cv "min-reward 0.6" --min-reward 0.6

# RIPPER on the candidate literals of the same training folds (binary features, computed by
# applying each candidate as a one-literal rule, so the features are exactly what rules match).
for f in 0 1 2 3 4; do
  "$R" apply --rules "$out/default.cands.$f" "$data" | jq -c '{id: .id, task: .task, label: .label, fold: .fold, f: [.rules.fired[].id]}' > "$out/features.$f"
done
"$PY" - "$out" <<'EOF'
import json, sys, time, warnings
import pandas as pd
import wittgenstein as lw
warnings.filterwarnings("ignore")
out = sys.argv[1]
rows = {}
scored = {}
t0 = time.time()
for f in range(5):
    # Each label's features: the candidate literals kdsl-rules' searches for that label could use.
    cands = [json.loads(l) for l in open(f"{out}/default.cands.{f}")]
    feats = {}
    for c in cands: feats.setdefault((c.get("task"), c["label"]), []).append(c["id"])
    recs = [json.loads(l) for l in open(f"{out}/features.{f}")]
    for task in sorted({r["task"] for r in recs}):
        tr = [r for r in recs if r["task"] == task and r["fold"] != f]
        te = [r for r in recs if r["task"] == task and r["fold"] == f]
        st = rows.setdefault(task, [0, 0, 0])
        st[0] += len(te)
        counts = {}
        for r in tr: counts[r["label"]] = counts.get(r["label"], 0) + 1
        # RIPPER's multi-class order: rarest class first; the first ruleset that fires wins.
        order = sorted(counts, key=lambda l: (counts[l], l))
        pred = [None] * len(te)
        conf = [0.0] * len(te)
        for label in order:
            used = feats.get((task, label), [])
            if counts[label] < 2 or not used: continue
            frame = lambda rs: pd.DataFrame([{x: ("y" if x in set(r["f"]) else "n") for x in used} for r in rs])
            df = frame(tr)
            df["__label"] = ["pos" if r["label"] == label else "neg" for r in tr]
            clf = lw.RIPPER(random_state=1, max_rule_conds=5)
            clf.fit(df, class_feat="__label", pos_class="pos")
            if not clf.ruleset_.rules: continue
            Xte = frame(te)
            proba = [float(p[-1]) for p in clf.predict_proba(Xte)]
            for i, v in enumerate(clf.predict(Xte)):
                if v and pred[i] is None: pred[i] = label; conf[i] = proba[i]
        st[1] += sum(p is not None for p in pred)
        st[2] += sum(p is not None and p == r["label"] for p, r in zip(pred, te))
        scored.setdefault(task, []).extend((c, p == r["label"]) for p, c, r in zip(pred, conf, te) if p is not None)
t = time.time() - t0
for task, (n, fired, right) in sorted(rows.items()):
    prec = f"{right / fired:.3f}" if fired else "-"
    print(f"| RIPPER (wittgenstein, max_rule_conds=5) | {task} | {n} | {fired} | {right} | {prec} | {fired / n:.3f} | {t:.1f} s (5 folds, fit+predict) |")
    # RIPPER at precision >= 0.9: keep predictions whose ruleset probability is at least a
    # threshold chosen on the held-out records themselves (an oracle: it favours RIPPER).
    best = (0, 0)
    pts = sorted(scored.get(task, []), key=lambda x: -x[0])
    k = 0
    while k < len(pts):
        j = k
        while j < len(pts) and pts[j][0] == pts[k][0]: j += 1
        right_j = sum(ok for _, ok in pts[:j])
        if right_j / j >= 0.9: best = (j, right_j)
        k = j
    if best[0]:
        print(f"| RIPPER, oracle threshold for precision ≥ 0.9 | {task} | {n} | {best[0]} | {best[1]} | {best[1] / best[0]:.3f} | {best[0] / n:.3f} | (same run) |")
    else:
        print(f"| RIPPER, oracle threshold for precision ≥ 0.9 | {task} | {n} | 0 | 0 | - | 0 | (no threshold reaches 0.9) |")
EOF

fi

# 3. Apply throughput.
BIG=${BIG:-50000}
reps=$(( (BIG + $(wc -l < "$data") - 1) / $(wc -l < "$data") ))
for i in $(seq 1 "$reps"); do cat "$data"; done | awk -v n="$BIG" 'NR <= n' > "$out/big.jsonl"
# Rule files: 10 = the best mined rules (topped up with one-literal rules); 1,000 and 100,000 =
# two-literal rules over the candidate literals with labels of the data, deterministic.
# Literals of at least 4 bytes (two CJK characters, or four ASCII ones), not only digits: like
# mined rules, two such literals rarely co-occur, so few rules fire on a record (column "fired").
jq -r '.when[0].contains' "$out/all.cands.jsonl" | LC_ALL=C awk 'length($0) >= 4' | grep -v '^[0-9 .]*$' | sort -u > "$out/lits.txt"
jq -r '.label' "$data" | sort -u > "$out/labels.txt"
gen() {  # $1 = count
  awk -v n="$1" 'NR==FNR { lab[nl++] = $0; next } { lit[nk++] = $0 } END {
    for (i = 0; i < n; i++) {
      a = lit[i % nk]; b = lit[(i * 7919 + int(i / nk)) % nk]
      printf "{\"id\":\"g%d\",\"label\":\"%s\",\"when\":[{\"field\":\"all\",\"contains\":\"%s\"},{\"field\":\"all\",\"contains\":\"%s\"}],\"reward\":%.4f}\n", i, lab[i % nl], a, b, 0.8 + (i % 2000) / 10000
    } }' "$out/labels.txt" "$out/lits.txt"
}
{ cat "$out/all.rules.jsonl"; gen 10 | sed 's/"g/"t/'; } | awk 'NR <= 10' > "$out/rules.10"
gen 1000 > "$out/rules.1000"
gen 100000 > "$out/rules.100000"
: > "$out/rules.0"
"$R" check "$out/rules.100000" 2>/dev/null
echo
echo "## apply throughput: $(wc -l < "$out/big.jsonl") records ($(du -m "$out/big.jsonl" | cut -f1) MB), $(wc -l < "$out/lits.txt") distinct literals"
echo
echo "| command | rules | seconds | records/s | × passthrough time | user CPU s | × passthrough user | fired rules per record |"
echo "|---|---|---|---|---|---|---|---|"
: > "$out/empty.jsonl"
run() {  # $1 = label, $2 = rules, rest = command
  local label=$1 n=$2; shift 2
  # Output to a file, not /dev/null: GNU grep stops at the first match when writing to /dev/null.
  local t0 t1; t0=$(now); /usr/bin/time -o "$out/run.time" -f %U "$@" > "$out/run.out" 2> /dev/null || true; t1=$(now)
  local s u; s=$(secs "$t0" "$t1"); u=$(tail -1 "$out/run.time")
  [ "$label" = passthrough ] && { base=$s; ubase=$u; }
  local fired=""
  case "$label" in "kdsl-rules apply") fired=$(head -2000 "$out/big.jsonl" | "$R" apply --rules "$out/rules.$n" | jq -s '[.[].rules.fired | length] | add / length | . * 100 | round / 100');; esac
  local rps; rps=$(echo "$(wc -l < "$out/big.jsonl") / ($s + 0.0005)" | bc)
  case "$label" in *"setup only"*) rps="-";; esac
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
  echo "| $label | $n | $s | $rps | $(ratio "$s" "$base") | $u | $(ratio "$u" "$ubase") | $fired |"
}
run passthrough 0 "$R" apply --rules "$out/rules.0" "$out/big.jsonl"
run cat 0 cat "$out/big.jsonl"
for n in 10 1000 100000; do
  run "kdsl-rules apply" "$n" "$R" apply --rules "$out/rules.$n" "$out/big.jsonl"
  # The fixed cost of reading and compiling the rule file, paid once per run (no records).
  run "kdsl-rules apply, no records (setup only)" "$n" "$R" apply --rules "$out/rules.$n" "$out/empty.jsonl"
  jq -r '.when[] | .contains // .not_contains' "$out/rules.$n" | sort -u > "$out/lits.$n"
    run "grep -F -f ($(wc -l < "$out/lits.$n") literals)" "$n" grep -F -f "$out/lits.$n" "$out/big.jsonl"
done
# Python keyword labelling functions (Snorkel style: one function per rule, `"kw" in text`),
# over the lower-cased dialogue + OCR text, on a sample sized so each run takes seconds.
for n in 10 1000 100000; do
  case $n in 10) m=$BIG;; 1000) m=20000;; *) m=300;; esac
  "$PY" - "$out/rules.$n" "$out/big.jsonl" "$m" <<'EOF'
import json, sys, time
rules = [json.loads(l) for l in open(sys.argv[1])]
src = ["ABSTAIN = None"]
for i, r in enumerate(rules):
    cond = " and ".join(f"{json.dumps(p['contains'], ensure_ascii=False)} in t" if "contains" in p
                        else f"{json.dumps(p['not_contains'], ensure_ascii=False)} not in t" for p in r["when"])
    src.append(f"def lf_{i}(t):\n    return {json.dumps(r['label'], ensure_ascii=False)} if {cond} else ABSTAIN")
ns = {}
exec("\n".join(src), ns)
lfs = [ns[f"lf_{i}"] for i in range(len(rules))]
m = int(sys.argv[3])
t0 = time.time()
n = 0
with open(sys.argv[2]) as fh:
    for line in fh:
        if n >= m: break
        x = json.loads(line)
        d = x.get("dialogue") or ""
        t = (d if isinstance(d, str) else " ".join(u.get("text", "") for u in d)) + " " + ((x.get("ocr") or {}).get("text") or "")
        t = t.lower()
        votes = [v for v in (lf(t) for lf in lfs) if v is not None]
        n += 1
s = time.time() - t0
print(f"PY {len(rules)} {n} {s:.3f} {n / s:.0f}")
EOF
done | while read -r _ n m s rps; do
  echo "| Python keyword LFs (on $m records) | $n | $s | $rps | $(echo "scale=1; ($(wc -l < "$out/big.jsonl") / $rps) / $base" | bc) (extrapolated) | | | |"
done
