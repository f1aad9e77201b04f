#!/usr/bin/env bash
# Prints the ablation table from the pipeline's kdsl-score outputs (out/cv-VARIANT.score.json),
# then what the rules did in each variant that merges them (../rule-effect.sh, counted from the
# out-of-fold predictions out/cv-VARIANT.jsonl): records a rule fired on, those the merge gave a
# rule's label, how many of those it corrected (model wrong, rule right) and broke (model right,
# rule wrong), and the model alone's score beside the merged one, overall and per task.
# Usage: ablation.sh OUT VARIANT...   (kdsl-score and kdsl-merge from $KDSL_BIN, else PATH)
set -euo pipefail
out="$1"; shift
names='{"model":"model","model-ngram":"model without encoder","model-pixels":"model without pixels","model-aug":"model + augmentation","model-rules":"model + rules","kdsl":"KDSL (model + aug + rules)","kdsl-guarded":"KDSL, guarded merge","kdsl-nested":"KDSL, nested policy","kdsl-against":"KDSL, rules --against","joint":"joint head (seesaw check)"}'
printf '\n%-28s %8s %8s %8s %8s\n' "5-fold CV, weighted F1" "DIS" "ISS" "OSS" "mean"
printf '%-28s %8s %8s %8s %8s\n' "----------------------------" "--------" "--------" "--------" "--------"
for v in "$@"; do
  jq -r --arg v "$v" --argjson names "$names" '
    [($names[$v] // $v), (.groups.intent.weighted_f1 // 0), (.groups.scene.weighted_f1 // 0),
     .overall.weighted_f1, .mean_of_groups_weighted_f1] | @tsv' "$out/cv-$v.score.json" \
  | awk -F'\t' '{printf "%-28s %8.4f %8.4f %8.4f %8.4f\n", $1, $2, $3, $4, $5}'
done
echo
echo "OSS: one class-weighted F1 over all records pooled (the challenge's score); mean: mean of DIS and ISS."
effects=()
for v in model-rules kdsl kdsl-guarded kdsl-nested kdsl-against; do
  [ -f "$out/cv-$v.jsonl" ] || continue
  effects+=("$(jq -n -r --arg v "$v" --argjson names "$names" '$names[$v] // $v')=$out/cv-$v.jsonl")
done
if [ ${#effects[@]} -gt 0 ]; then
  echo
  bash "$(dirname "$0")/../rule-effect.sh" --by-task "${effects[@]}"
fi
for f in "$out"/fold*/policy.txt; do
  [ -f "$f" ] || continue
  echo "kdsl-nested, $(basename "$(dirname "$f")"): --policy $(cat "$f")"
done
