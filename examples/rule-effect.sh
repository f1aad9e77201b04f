#!/usr/bin/env bash
# What the rules did in merged predictions, counted from the predictions file itself: records
# carrying `rules` (kdsl-rules apply), `model` (kdsl-model predict), `prediction` (kdsl-merge), the
# gold `label` and the `task`. One row per file (and, with --by-task, one per task under it):
#   fired      records a rule fired on (rules.label is a string)
#   decided    records whose merged label is a rule's (prediction.source "rule")
#   corrected  decided records where the model was wrong and the merged label is right
#   broken     decided records where the model was right and the merged label is wrong
#   model      weighted F1 of the model alone (kdsl-score --pred-field model.label)
#   merged     weighted F1 of the merged prediction (kdsl-score, prediction.label)
# and, for a file whose merge kept the model's label on some records a rule fired on, a row
# "under --policy override": what the rules would have done had each decided, the same records
# merged again by kdsl-merge --policy override, counted and scored the same way. Records without
# a gold label (a string, or an integer read as its digits) are left out of the counts, as
# kdsl-score leaves them out of the scores.
# Usage: rule-effect.sh [--by-task] [NAME=]FILE...
# (kdsl-score and kdsl-merge from $KDSL_BIN, else from PATH)
set -euo pipefail
by_task=false
if [ "${1:-}" = --by-task ]; then by_task=true; shift; fi
[ $# -gt 0 ] || { echo "usage: rule-effect.sh [--by-task] [NAME=]FILE..." >&2; exit 2; }
score="${KDSL_BIN:+$KDSL_BIN/}kdsl-score"
merge="${KDSL_BIN:+$KDSL_BIN/}kdsl-merge"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# kdsl-score exits 1 when it reported (and left out) records without a gold label: its report
# stands. Anything else is a failure.
f1s() {
  local out status=0
  out=$("$score" --group-field task --format json "$@" 2>/dev/null) || status=$?
  [ "$status" -le 1 ] || { echo "rule-effect.sh: kdsl-score $* failed (exit $status)" >&2; exit 2; }
  printf '%s' "$out"
}
rows='[]'
for arg in "$@"; do
  case "$arg" in *=*) name=${arg%%=*}; file=${arg#*=} ;; *) name=""; file=$arg ;; esac
  [ -r "$file" ] || { echo "rule-effect.sh: cannot read $file" >&2; exit 2; }
  model=$(f1s --pred-field model.label "$file")
  merged=$(f1s "$file")
  status=0; "$merge" --policy override "$file" > "$tmp/override.jsonl" 2>/dev/null || status=$?
  [ "$status" -le 1 ] || { echo "rule-effect.sh: kdsl-merge --policy override $file failed (exit $status)" >&2; exit 2; }
  override=$(f1s "$tmp/override.jsonl")
  rows=$(jq -n -c --argjson rows "$rows" --arg name "$name" --argjson by_task "$by_task" \
      --argjson model "$model" --argjson merged "$merged" --argjson override "$override" --slurpfile r "$file" --slurpfile o "$tmp/override.jsonl" '
    def tally:
      # A gold label is a string, or an integer read as its digits (as the stages read it).
      map(.label |= (if type == "number" and . == floor and (tostring | test("^-?[0-9]+$")) then tostring else . end))
      | map(select(.label | type == "string"))
      | (map(select(.prediction.source == "rule"))) as $d
      | map(select(.rules.label | type == "string")) as $f
      | {fired: ($f | length), decided: ($d | length),
         corrected: ($d | map(select(.model.label != .label and .prediction.label == .label)) | length),
         broken: ($d | map(select(.model.label == .label and .prediction.label != .label)) | length)};
    ($r | tally) + {name: (if $name == "" then "all records" else $name end), indent: false,
                    model: $model.challenge_score, merged: $merged.challenge_score}
    | [.] + if $by_task then
        [$r | group_by(.task | if type == "string" then . else null end)[]
         | (.[0].task | if type == "string" then . else null end) as $t
         | tally + {name: (if $t == null then "(no task)" else "task = " + $t end), indent: true,
                    model: (if $t == null then null else $model.groups[$t].weighted_f1 end),
                    merged: (if $t == null then null else $merged.groups[$t].weighted_f1 end)}]
      else [] end
    | if .[0].decided < .[0].fired then
        . + [($o | tally) + {name: "under --policy override", indent: true,
                             model: $model.challenge_score, merged: $override.challenge_score}]
      else . end
    | $rows + .')
done
# The table, columns padded by display width (a CJK character takes two columns, as in
# JSONLines' displayWidth), then what the words mean.
jq -n -r --argjson rows "$rows" '
  def width: explode | map(if (. >= 4352 and . <= 4447) or (. >= 11904 and . <= 12350) or (. >= 12353 and . <= 13311)
      or (. >= 13312 and . <= 19903) or (. >= 19968 and . <= 40959) or (. >= 40960 and . <= 42191)
      or (. >= 44032 and . <= 55203) or (. >= 63744 and . <= 64255) or (. >= 65072 and . <= 65103)
      or (. >= 65280 and . <= 65376) or (. >= 65504 and . <= 65510) or (. >= 131072 and . <= 262141)
      then 2 elif (. >= 768 and . <= 879) then 0 else 1 end) | add // 0;
  def pad($n): . + (" " * ($n - width));
  def lpad($n): (" " * ($n - width)) + .;
  def f4: if . == null then "-" else (. * 10000 | round) as $u
    | ($u / 10000 | floor | tostring) + "." + (($u % 10000) + 10000 | tostring | .[1:]) end;
  def cells: [(if .indent then "  " else "" end) + .name, (.fired | tostring), (.decided | tostring),
              (.corrected | tostring), (.broken | tostring), (.model | f4), (.merged | f4)];
  ([["what the rules did", "fired", "decided", "corrected", "broken", "model alone", "merged"]]
    + ($rows | map(cells))) as $t
  | [range(0; 7) as $i | $t | map(.[$i] | width) | max] as $w
  | ($t[] | [.[0] | pad($w[0])] + [range(1; 7) as $i | .[$i] | lpad($w[$i])] | join("  ")),
    "fired: records a rule fired on; decided: those given the rule'"'"'s label; corrected: the model",
    "was wrong, the rule right; broken: the model was right, the rule wrong. Scores: weighted F1."'
