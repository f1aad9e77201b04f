#!/usr/bin/env bash
# Checks that the example Makefiles judge every stage of a recipe's pipeline (examples/stages.mk):
# a stage that exits 2 or more, or is killed, fails the recipe and leaves no target; a stage that
# exits 1 (bad records reported and forwarded, the run complete) does not stop the run.
#  1. examples/stages.mk itself, on small shell stages (exit 2 upstream, a killed stage, exit 1);
#  2. examples/sample: predictions through a model file kdsl-model cannot load (exit 2 upstream of
#     kdsl-merge) must fail; the score table and the rules' effect over records of which one has
#     no gold label (kdsl-score exits 1) must print;
#  3. examples/www2025: the OCR cache over a challenge file with one corrupt image (kdsl-ocr exits
#     1) must be written with every record; a fold's predictions through an unloadable model must
#     fail.
# The kdsl stages are the real binaries: $KDSL_BIN, default .build/debug.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
BIN=$(cd "${KDSL_BIN:-.build/debug}" && pwd)
for s in ocr rules model merge score; do
  [ -x "$BIN/kdsl-$s" ] || { echo "make-pipes.sh: $BIN/kdsl-$s missing (swift build first)" >&2; exit 2; }
done
export OMP_THREAD_LIMIT=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0
# expect ok|fail WHAT -- make ARGS...: runs make quietly, keeps its log on a wrong outcome.
expect() {
  local want=$1 what=$2; shift 3
  if "$@" > "$tmp/make.log" 2>&1; then got=ok; else got=fail; fi
  if [ "$got" != "$want" ]; then
    echo "FAIL: $what: make should $([ "$want" = ok ] && echo succeed || echo fail)" >&2
    sed 's/^/    /' "$tmp/make.log" >&2
    fail=1
  else
    echo "ok: $what"
  fi
}
absent() { if [ -e "$1" ]; then echo "FAIL: $2 left behind: $1" >&2; fail=1; fi; }

# 1. The helper on plain shell stages.
mkdir -p "$tmp/unit"
cat > "$tmp/unit/Makefile" <<EOF
include $root/examples/stages.mk
upstream2:
	printf 'a\n' | sh -c 'cat; exit 2' | cat > \$@.tmp; \$(stages_ok) && mv \$@.tmp \$@
middle-killed:
	printf 'a\n' | sh -c 'kill -TERM \$\$\$\$' | cat > \$@.tmp; \$(stages_ok) && mv \$@.tmp \$@
upstream2-last1:
	printf 'a\n' | sh -c 'exit 2' | sh -c 'cat; exit 1' > \$@.tmp; \$(stages_ok) && mv \$@.tmp \$@
one-exit1:
	printf 'a\n' | sh -c 'cat; exit 1' | cat > \$@.tmp; \$(stages_ok) && mv \$@.tmp \$@
single-exit1:
	sh -c 'echo a; exit 1' > \$@; \$(stages_ok)
single-exit3:
	sh -c 'echo a; exit 3' > \$@; \$(stages_ok)
EOF
expect fail "stages.mk: upstream stage exits 2" -- make -C "$tmp/unit" upstream2
absent "$tmp/unit/upstream2" "a failed recipe's target"
expect fail "stages.mk: middle stage killed by SIGTERM" -- make -C "$tmp/unit" middle-killed
expect fail "stages.mk: upstream exits 2, last stage exits 1 (pipefail alone would pass)" -- make -C "$tmp/unit" upstream2-last1
expect ok "stages.mk: a stage exits 1" -- make -C "$tmp/unit" one-exit1
expect ok "stages.mk: a single stage exits 1" -- make -C "$tmp/unit" single-exit1
expect fail "stages.mk: a single stage exits 3" -- make -C "$tmp/unit" single-exit3
absent "$tmp/unit/single-exit3" "a failed recipe's target (.DELETE_ON_ERROR)"

# 2. examples/sample: the upstream artefacts are written here and held as they are (`make -o`), so
# make runs only the recipe under test. An empty rule file is valid (apply labels nothing); the
# merge policy is given as if the nested choice had made it.
s="$tmp/sample"; mkdir -p "$s"
jq -c -s 'map(select(.split == "test"))[:6][]' examples/sample/records.jsonl > "$s/ocr.jsonl"
jq -c 'select(.split == "train")' "$s/ocr.jsonl" > "$s/train.jsonl"
cp "$s/ocr.jsonl" "$s/test.jsonl"
: > "$s/rules.jsonl"
echo 'not a model' > "$s/model.kdsl"
echo model > "$s/policy.txt"; : > "$s/policy.log"
expect fail "sample: kdsl-model predict cannot load the model (exit 2) upstream of kdsl-merge" -- \
  make -C examples/sample KDSL_BIN="$BIN" OUT="$s" -o "$s/test.jsonl" -o "$s/rules.jsonl" -o "$s/model.kdsl" -o "$s/policy.txt" "$s/predictions.jsonl"
absent "$s/predictions.jsonl" "predictions from a failed pipeline"
# The score table: one record without a gold label (kdsl-score reports it and exits 1).
{ jq -c '. + {rules: {label: null}, model: {label: .label}, prediction: {label: .label, source: "model"}}' "$s/test.jsonl"
  echo '{"id":"no-gold","task":"intent","prediction":{"label":"x"}}'; } > "$s/predictions.jsonl"
expect ok "sample: score over a record without gold label (kdsl-score exits 1)" -- \
  make -C examples/sample KDSL_BIN="$BIN" OUT="$s" -o "$s/predictions.jsonl" score
grep -q 'no gold label' "$tmp/make.log" || { echo "FAIL: sample: kdsl-score's no-gold report missing" >&2; fail=1; }
grep -q '^all records  *0  *0  *0  *0  *1.0000  *1.0000$' "$tmp/make.log" \
  || { echo "FAIL: sample: the rules' effect is missing or wrong" >&2; sed 's/^/    /' "$tmp/make.log" >&2; fail=1; }

# 3. examples/www2025 on a three-record challenge file: a dialogue, a readable image, a corrupt one.
d="$tmp/data"; w="$tmp/www"; mkdir -p "$d/images" "$w"
cp examples/sample/images/receipt-000.jpg "$d/images/good.jpg"
printf '\377\330\377\340 not a jpeg' > "$d/images/corrupt.jpg"
cat > "$d/train.json" <<'EOF'
[{"id": "d1", "instruction": "<用户与客服的对话 START>\n用户: 我的快递到哪了\n<用户与客服的对话 END>", "output": "物流查询"},
 {"id": "s1", "instruction": "Picture 1: <image>", "image": ["good.jpg"], "output": "receipt"},
 {"id": "s2", "instruction": "Picture 1: <image>", "image": ["corrupt.jpg"], "output": "receipt"}]
EOF
expect ok "www2025: OCR cache with one corrupt image (kdsl-ocr exits 1)" -- \
  make -C examples/www2025 KDSL_BIN="$BIN" DATA="$d" OUT="$w" LANGS=eng JOBS=1 "$w/cache/ocr.jsonl"
if [ -f "$w/cache/ocr.jsonl" ]; then
  n=$(wc -l < "$w/cache/ocr.jsonl")
  e=$(jq -c 'select(.ocr.images[]?.error)' "$w/cache/ocr.jsonl" | wc -l)
  [ "$n" = 3 ] && [ "$e" = 1 ] || { echo "FAIL: www2025: OCR cache has $n records ($e with an image error), want 3 (1)" >&2; fail=1; }
fi
mkdir -p "$w/fold0"
cp "$w/cache/ocr.jsonl" "$w/fold0/test.jsonl" 2>/dev/null || : > "$w/fold0/test.jsonl"
echo 'not a model' > "$w/fold0/model.kdsl"
expect fail "www2025: kdsl-model predict cannot load the model (exit 2) upstream of kdsl-merge" -- \
  make -C examples/www2025 KDSL_BIN="$BIN" DATA="$d" OUT="$w" LANGS=eng -o "$w/fold0/test.jsonl" -o "$w/fold0/model.kdsl" "$w/fold0/model.jsonl"
absent "$w/fold0/model.jsonl" "fold predictions from a failed pipeline"

[ "$fail" = 0 ] && echo "make-pipes.sh: a failed or killed stage fails its recipe; exit 1 (bad records) does not"
exit "$fail"
