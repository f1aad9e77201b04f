#!/usr/bin/env bash
# Prints the ablation table from the pipeline's kdsl-score outputs (out/cv-VARIANT.score.json) and
# counts where the rules help and hurt: among records where the merge took a rule's label, how many
# the rule corrected (model wrong, rule right) and how many it broke (model right, rule wrong).
# Usage: ablation.sh OUT VARIANT...
set -euo pipefail
out="$1"; shift
names='{"model":"model","model-aug":"model + augmentation","model-rules":"model + rules","kdsl":"KDSL (model + aug + rules)","kdsl-guarded":"KDSL, guarded merge","kdsl-nested":"KDSL, nested policy","kdsl-against":"KDSL, rules --against","joint":"joint head (seesaw check)"}'
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
for v in model-rules kdsl kdsl-guarded kdsl-nested kdsl-against; do
  [ -f "$out/cv-$v.jsonl" ] || continue
  jq -s -r --arg v "$v" '
    map(select(.prediction.source == "rule")) as $r
    | ($r | map(select(.model.label != .label and .prediction.label == .label)) | length) as $fix
    | ($r | map(select(.model.label == .label and .prediction.label != .label)) | length) as $broken
    | ($r | map(select(.model.label == .prediction.label)) | length) as $agree
    | "\($v): rules decided \($r | length) records: \($fix) corrected, \($broken) broken, \($agree) agreed with the model"
    ' "$out/cv-$v.jsonl"
done
for f in "$out"/fold*/policy.txt; do
  [ -f "$f" ] || continue
  echo "kdsl-nested, $(basename "$(dirname "$f")"): --policy $(cat "$f")"
done
