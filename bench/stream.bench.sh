#!/usr/bin/env bash
# Throughput of the record stream (JSONLines) against its peers, side by side in one hyperfine run:
# cat, jq -c ., Python orjson line by line (loads + one key + dumps), kdsl-stream-bench --mode
# jansson (full parse + dump, the naive design), kdsl-stream-bench (splice) and with --read label.
# Input: "typical records", the WWW2025 challenge records and the English intent records
# repeated to ~200 MB (bench/out/stream-typical.jsonl, generated once, never committed).
# Usage: bash bench/stream.bench.sh [SIZE_MB]   (env RUNS, default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-200}"
runs="${RUNS:-3}"
out=bench/out
mkdir -p "$out"

swift build -c release --product kdsl-stream-bench >&2
bin="$(swift build -c release --show-bin-path)/kdsl-stream-bench"

# The seed: the challenge's records (converted as examples/www2025 does) and the intent sets.
seed="$out/stream-seed.jsonl"
if [ -s ../shared/data/www2025/train.json ]; then
  cp "$(bash bench/www2025-input.sh records)" "$seed"
else
  : > "$seed"
fi
cat ../shared/data/intent/*/*.jsonl >> "$seed" 2>/dev/null || true
[ -s "$seed" ] || { echo "stream.bench.sh: no records found (../shared/data)" >&2; exit 2; }

data="$out/stream-typical.jsonl"
want=$((size_mb * 1000 * 1000))
if [ ! -s "$data" ] || [ "$(stat -c %s "$data")" -lt "$want" ] || [ "$(stat -c %s "$data")" -gt $((want + 2000000)) ]; then
  : > "$data"
  while [ "$(stat -c %s "$data")" -lt "$want" ]; do cat "$seed" >> "$data"; done
fi
bytes=$(stat -c %s "$data")
lines=$(wc -l < "$data")
echo "input: $data, $bytes bytes, $lines records" >&2

py=$(bash bench/venv.sh orjson)
bash bench/need.sh hyperfine
cat > "$out/stream_orjson.py" <<'PY'
# The Python peer: read lines, orjson.loads, add one key, orjson.dumps, write.
import sys, orjson
def main():
    write = open(1, "wb", buffering=1 << 20, closefd=False).write  # large buffer, as kdsl has
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            for line in f:
                if not line.strip():
                    continue
                record = orjson.loads(line)
                record["seen"] = True
                write(orjson.dumps(record))
                write(b"\n")
main()
PY

# Every command must produce all records (a peer that fails would look fast).
for check in "jq -c . $data" "$py $out/stream_orjson.py $data" "$bin --mode jansson $data" "$bin $data" "$bin --read label $data"; do
  n=$($check | wc -l)
  [ "$n" = "$lines" ] || { echo "stream.bench.sh: '$check' wrote $n of $lines records" >&2; exit 1; }
done

hyperfine --style basic --warmup 1 --runs "$runs" --export-json "$out/stream.json" \
  -n cat "cat $data" \
  -n "jq -c ." "jq -c . $data" \
  -n "python orjson" "$py $out/stream_orjson.py $data" \
  -n "kdsl-stream-bench --mode jansson" "$bin --mode jansson $data" \
  -n "kdsl-stream-bench (splice)" "$bin $data" \
  -n "kdsl-stream-bench --read label" "$bin --read label $data" \
  --output pipe >&2

# The table. Wall: hyperfine's mean. CPU: user + system time, what one core spends (the
# machine is shared, so CPU time is the steadier figure). MB = 10^6 bytes of input.
jq -r --argjson bytes "$bytes" '
  (.results | map(select(.command == "jq -c ."))[0]) as $jq
  | "| command | wall s (± sd) | CPU s | MB/s wall | MB/s CPU | × jq (CPU) |",
    "|---|---|---|---|---|---|",
    (.results[] | (.user + .system) as $cpu
      | "| `\(.command)` | \(.mean * 1000 | round / 1000) (± \(.stddev * 1000 | round / 1000)) | \($cpu * 1000 | round / 1000) | \($bytes / .mean / 1e6 | round) | \($bytes / $cpu / 1e6 | round) | \(($jq.user + $jq.system) / $cpu * 100 | round / 100) |")
' "$out/stream.json" | tee "$out/stream.md"
