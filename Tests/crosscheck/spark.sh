#!/usr/bin/env bash
# Checks that a kdsl stage sharded with Spark's rdd.pipe (examples/spark/pipe.py, local mode) gives
# the same records, and kdsl-score --emit-counts/--merge-counts the same report, as one process.
# Needs Java (17 on the dev machines) and pyspark from PyPI (installed into bench/.venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${KDSL_BIN:-$PWD/.build/debug}"
export PATH="$bin:$PATH"
if ! command -v java >/dev/null 2>&1; then
  echo "spark.sh: java not found; installing openjdk-17-jre-headless" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
py=$(bash bench/venv.sh pyspark)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Input: the bundled sample with deterministic model and rule verdicts (every 3rd model label wrong,
# every 5th record with a rule firing), so the merge and the score have real work to do.
jq -c -s 'to_entries | map(.key as $i | .value
  + {model: {label: (if $i % 3 == 0 then "wrong" else .value.label end), p: 0.8}}
  + (if $i % 5 == 0 then {rules: {label: .value.label, id: "r\($i % 7)", reward: 0.9, fired: []}} else {} end))
  | .[]' examples/sample/records.jsonl > "$work/in.jsonl"

kdsl-merge < "$work/in.jsonl" > "$work/single.jsonl"
kdsl-score --by task --format json "$work/single.jsonl" > "$work/single-score.json"
kdsl-score --merge-counts --format json < <(kdsl-score --emit-counts --by task "$work/single.jsonl") > "$work/single-merged.json"

"$py" examples/spark/pipe.py "$work/in.jsonl" "$work/spark" --partitions 4 --stage kdsl-merge > "$work/spark.log" 2>&1 \
  || { cat "$work/spark.log" >&2; exit 1; }

cmp "$work/single.jsonl" "$work/spark/records.jsonl" || { echo "spark.sh: sharded records differ" >&2; exit 1; }
cmp "$work/single-merged.json" "$work/spark/score.json" || { echo "spark.sh: merged shard counts differ from the single-process counts" >&2; exit 1; }
# The report from merged counts must say what the direct report says.
jq -S '{o: .overall, g: .groups}' "$work/single-score.json" > "$work/a.json"
jq -S '{o: .overall, g: .groups}' "$work/spark/score.json" > "$work/b.json"
cmp "$work/a.json" "$work/b.json" || { echo "spark.sh: sharded report differs from the direct report" >&2; diff "$work/a.json" "$work/b.json" | head >&2; exit 1; }
echo "spark.sh: $(wc -l < "$work/single.jsonl") records in 4 Spark partitions equal the single-process run (records and report)"
