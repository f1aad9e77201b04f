#!/usr/bin/env bash
# Checks that a kdsl stage sharded with Spark's rdd.pipe (examples/spark/pipe.py, local mode) gives
# the same records, and kdsl-score --emit-counts/--merge-counts the same report, as one process.
# Also: a stage exiting 1 (bad records) passes, one exiting 2 makes pipe.py fail.
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
kdsl-score --group-field task --format json "$work/single.jsonl" > "$work/single-score.json"
kdsl-score --merge-counts --format json < <(kdsl-score --emit-counts --group-field task "$work/single.jsonl") > "$work/single-merged.json"

"$py" examples/spark/pipe.py "$work/in.jsonl" "$work/spark" --partitions 4 --stage kdsl-merge > "$work/spark.log" 2>&1 \
  || { cat "$work/spark.log" >&2; exit 1; }

cmp "$work/single.jsonl" "$work/spark/records.jsonl" || { echo "spark.sh: sharded records differ" >&2; exit 1; }
cmp "$work/single-merged.json" "$work/spark/score.json" || { echo "spark.sh: merged shard counts differ from the single-process counts" >&2; exit 1; }
# The report from merged counts must say what the direct report says.
jq -S '{o: .overall, g: .groups}' "$work/single-score.json" > "$work/a.json"
jq -S '{o: .overall, g: .groups}' "$work/spark/score.json" > "$work/b.json"
cmp "$work/a.json" "$work/b.json" || { echo "spark.sh: sharded report differs from the direct report" >&2; diff "$work/a.json" "$work/b.json" | head >&2; exit 1; }

# Exit statuses: a stage that exits 1 (bad records, reported and forwarded with `error`) is
# accepted and its records are the single-process ones but for error.line, which counts lines
# within the partition; a stage that exits 2 (here: no such rule file) in every partition fails
# the job, and pipe.py exits non-zero without writing records (Spark's default ignores the status).
{ head -n 50 "$work/in.jsonl"; echo '{not json'; tail -n +51 "$work/in.jsonl"; } > "$work/bad-line.jsonl"
"$py" examples/spark/pipe.py "$work/bad-line.jsonl" "$work/spark-bad-line" --partitions 4 --stage kdsl-merge > "$work/bad-line.log" 2>&1 \
  || { cat "$work/bad-line.log" >&2; echo "spark.sh: a stage exiting 1 (one bad line) failed the Spark job" >&2; exit 1; }
kdsl-merge < "$work/bad-line.jsonl" 2>/dev/null | jq -c 'del(.error.line)' > "$work/a.jsonl" || true
jq -c 'del(.error.line)' "$work/spark-bad-line/records.jsonl" > "$work/b.jsonl"
grep -q '"error"' "$work/b.jsonl" || { echo "spark.sh: the bad line was not forwarded with an error" >&2; exit 1; }
cmp "$work/a.jsonl" "$work/b.jsonl" || { echo "spark.sh: with a bad line, sharded records differ (error.line aside)" >&2; exit 1; }
if "$py" examples/spark/pipe.py "$work/in.jsonl" "$work/spark-fail" --partitions 4 \
    --stage "kdsl-rules apply --rules $work/nonexistent.rules.jsonl" > "$work/fail.log" 2>&1; then
  echo "spark.sh: pipe.py exited 0 though its stage exited 2 in every partition" >&2; exit 1
fi
grep -q 'exited with error code 2' "$work/fail.log" || { echo "spark.sh: pipe.py failed, but not on the stage's exit 2:" >&2; tail -5 "$work/fail.log" >&2; exit 1; }
[ ! -e "$work/spark-fail/records.jsonl" ] || { echo "spark.sh: a failed job wrote records" >&2; exit 1; }
# The whole prediction pipe, sharded: kdsl-ocr | kdsl-embed | kdsl-model predict | kdsl-merge on the
# sample's raw records. kdsl-embed cuts batches of --batch records by input order, so with
# partitions cut at multiples of 16 lines (--align 16) the sharded pipe writes the single
# process's bytes.
here=$PWD
ocr="kdsl-ocr --jobs 1 --quiet --image-root $here/examples/sample"
jq -c 'select(.split == "train")' examples/sample/records.jsonl | $ocr | kdsl-embed --jobs 1 --quiet > "$work/embed-train.jsonl"
kdsl-model train --seed 1 --image-root "$here/examples/sample" --quiet --out "$work/model.kdsl" "$work/embed-train.jsonl"
pipe="$ocr | kdsl-embed --jobs 1 --quiet | kdsl-model predict --jobs 1 --model $work/model.kdsl --image-root $here/examples/sample | kdsl-merge"
bash -o pipefail -c "$pipe" < examples/sample/records.jsonl > "$work/embed-single.jsonl"
"$py" examples/spark/pipe.py examples/sample/records.jsonl "$work/spark-embed" --partitions 4 --align 16 --stage "$pipe" > "$work/embed.log" 2>&1 \
  || { cat "$work/embed.log" >&2; exit 1; }
cmp "$work/embed-single.jsonl" "$work/spark-embed/records.jsonl" || { echo "spark.sh: the sharded ocr | embed | predict | merge differs from one process" >&2; exit 1; }
grep -q '"embedding"' "$work/spark-embed/records.jsonl" || { echo "spark.sh: the sharded pipe wrote no embeddings" >&2; exit 1; }

echo "spark.sh: $(wc -l < "$work/single.jsonl") records in 4 Spark partitions equal the single-process run (records and report); a stage's exit 1 is accepted, exit 2 fails the job; the prediction pipe kdsl-ocr | kdsl-embed | kdsl-model predict | kdsl-merge sharded at multiples of the batch equals one process"
