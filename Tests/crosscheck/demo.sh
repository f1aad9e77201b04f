#!/usr/bin/env bash
# Checks the demo (examples/sample, `make demo`) against its own files:
#  - what it prints the rules did (examples/rule-effect.sh: fired, decided, corrected, broken,
#    the model alone's and the merged weighted F1, overall and per task, and the row under
#    --policy override) equals what predictions.jsonl says, recounted here in Python from the
#    records with an F1 of its own (scikit-learn's weighted F1, missing predictions counted wrong),
#    to the four decimals printed;
#  - the merged F1 is the score table's challenge score;
#  - the merge policy was chosen without the test records: the verdicts it was chosen on
#    (inner-oof.jsonl) are the training records, no test record among them, kdsl-merge --choose
#    on them gives policy.txt, and predictions.jsonl is merged with it;
#  - with POLICY=override the rules decide every record they fire on, and the same holds.
# The demo runs with Tesseract (OCR_FLAGS='--engine tesseract'): the check is about the account,
# not the OCR, and PP-OCR in debug binaries is slow. The kdsl stages: $KDSL_BIN, default
# .build/debug.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(cd "${KDSL_BIN:-.build/debug}" && pwd)
for s in ocr embed rules model merge score; do
  [ -x "$BIN/kdsl-$s" ] || { echo "demo.sh: $BIN/kdsl-$s missing (swift build first)" >&2; exit 2; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"
run() {
  make -C examples/sample KDSL_BIN="$BIN" OUT="$out" OCR_FLAGS='--engine tesseract' "$@" > "$tmp/demo.log" 2> "$tmp/demo.err" \
    || { echo "FAIL: make -C examples/sample $*" >&2; sed 's/^/    /' "$tmp/demo.err" >&2; exit 1; }
}
check() {
  python3 - "$out/predictions.jsonl" "$tmp/demo.log" "$1" <<'PYEOF'
import json, sys

predictions, log, what = sys.argv[1], sys.argv[2], sys.argv[3]
records = [json.loads(line) for line in open(predictions, encoding="utf-8") if line.strip()]
records = [r for r in records if isinstance(r.get("label"), str)]

def label(r, *path):
    for key in path:
        r = r.get(key) if isinstance(r, dict) else None
    return r if isinstance(r, str) else None

def weighted_f1(pairs):
    # scikit-learn's f1_score(average="weighted") over the gold and real predicted labels; a
    # missing prediction is wrong and adds no class (docs/records.md, kdsl-score).
    labels = {g for g, _ in pairs} | {p for _, p in pairs if p is not None}
    total = 0.0
    for l in labels:
        support = sum(g == l for g, _ in pairs)
        predicted = sum(p == l for _, p in pairs)
        tp = sum(g == l and p == l for g, p in pairs)
        f1 = 2 * tp / (support + predicted) if support + predicted else 0.0
        total += support * f1
    return total / len(pairs) if pairs else 0.0

def row(rs, merged):
    # merged(r): the merged label and whether a rule decided it.
    fired = [r for r in rs if label(r, "rules", "label") is not None]
    decided = [r for r in rs if merged(r)[1]]
    corrected = [r for r in decided if label(r, "model", "label") != r["label"] and merged(r)[0] == r["label"]]
    broken = [r for r in decided if label(r, "model", "label") == r["label"] and merged(r)[0] != r["label"]]
    return [len(fired), len(decided), len(corrected), len(broken),
            weighted_f1([(r["label"], label(r, "model", "label")) for r in rs]),
            weighted_f1([(r["label"], merged(r)[0]) for r in rs])]

as_merged = lambda r: (label(r, "prediction", "label"), (r.get("prediction") or {}).get("source") == "rule")
# kdsl-merge --policy override: a fired rule's label replaces the model's.
def as_override(r):
    rule = label(r, "rules", "label")
    return (rule, True) if rule is not None else (label(r, "model", "label"), False)

expected = {"all records": row(records, as_merged)}
for task in sorted({r.get("task") for r in records if isinstance(r.get("task"), str)}):
    expected["task = " + task] = row([r for r in records if r.get("task") == task], as_merged)
if expected["all records"][1] < expected["all records"][0]:
    expected["under --policy override"] = row(records, as_override)

lines = open(log, encoding="utf-8").read().splitlines()
start = next(i for i, l in enumerate(lines) if l.startswith("what the rules did"))
printed = {}
for l in lines[start + 1:]:
    if l.startswith("fired:"):
        break
    cells = l.strip().rsplit(None, 6)
    printed[cells[0]] = cells[1:]
fail = False
if set(printed) != set(expected):
    print(f"FAIL: demo ({what}): rows {sorted(printed)}, want {sorted(expected)}", file=sys.stderr)
    fail = True
for name, want in expected.items():
    got = printed.get(name)
    if got is None:
        continue
    counts_ok = [int(x) for x in got[:4]] == want[:4]
    scores_ok = all(abs(float(g) - w) <= 0.00005 + 1e-9 for g, w in zip(got[4:], want[4:]))
    if not (counts_ok and scores_ok):
        print(f"FAIL: demo ({what}): {name}: printed {got}, the predictions say {want}", file=sys.stderr)
        fail = True
challenge = next(l.split()[-1] for l in lines if l.startswith("challenge score"))
if printed.get("all records", [None] * 6)[5] != challenge:
    print(f"FAIL: demo ({what}): merged {printed.get('all records')} is not the challenge score {challenge}", file=sys.stderr)
    fail = True
if not fail:
    print(f"ok: demo ({what}): the rules' account equals predictions.jsonl: {expected['all records'][:4]}")
sys.exit(1 if fail else 0)
PYEOF
}
fail=0

run
check "nested policy" || fail=1
# The policy was chosen on training records only, and the predictions are merged with it.
sort <(jq -r .id "$out/inner-oof.jsonl") > "$tmp/inner.ids"
sort <(jq -r .id "$out/train.jsonl") > "$tmp/train.ids"
cmp -s "$tmp/inner.ids" "$tmp/train.ids" || { echo "FAIL: demo: inner-oof.jsonl is not the training records" >&2; fail=1; }
if [ -n "$(comm -12 "$tmp/inner.ids" <(jq -r .id "$out/test.jsonl" | sort))" ]; then
  echo "FAIL: demo: test records among the verdicts the policy was chosen on" >&2; fail=1
fi
"$BIN/kdsl-merge" --choose "$out/inner-oof.jsonl" 2> /dev/null | cmp -s - "$out/policy.txt" \
  || { echo "FAIL: demo: policy.txt is not kdsl-merge --choose on inner-oof.jsonl" >&2; fail=1; }
"$BIN/kdsl-merge" --policy "$(cat "$out/policy.txt")" "$out/predictions.jsonl" | cmp -s - "$out/predictions.jsonl" \
  || { echo "FAIL: demo: predictions.jsonl is not merged with policy.txt" >&2; fail=1; }
grep -qF -- "--policy $(cat "$out/policy.txt")" "$tmp/demo.log" \
  || { echo "FAIL: demo: the printed policy is not policy.txt" >&2; fail=1; }
[ "$fail" = 0 ] && echo "ok: demo: the policy ($(cat "$out/policy.txt")) was chosen on the training records alone"

# The paper's merge: only the merge runs again (a new POLICY), and every fired rule decides.
run POLICY=override
check "--policy override" || fail=1
jq -e -s 'map(select(.rules.label | type == "string")) | all(.prediction.source == "rule")' "$out/predictions.jsonl" > /dev/null \
  || { echo "FAIL: demo: under POLICY=override a fired rule did not decide" >&2; fail=1; }

[ "$fail" = 0 ] && echo "demo.sh: the demo's account of the rules is what its predictions say"
exit "$fail"
