#!/usr/bin/env bash
# kdsl-ocr's PP-OCR engine side by side with RapidOCR (the same PP-OCRv4 models on onnxruntime, the
# Python package a user would reach for) and with kdsl-ocr's Tesseract engine, on the same
# N_SHOTS WWW2025 screenshots (every k-th of the sorted list), each at 2-way parallelism:
#   kdsl-ocr --engine ppocr --jobs JOBS            one OpenVINO engine per job, one thread each
#   RapidOCR, 2 processes x 1 thread               the list split in two halves, both processes
#                                                  at once, timed as a pair (bench/rapidocr_peer.py)
#   kdsl-ocr --engine tesseract --lang chi_sim+eng --jobs JOBS   (OMP_THREAD_LIMIT=1)
# Figures: images/s (wall), CPU ms per image (user+sys, children included) and peak RSS (the
# largest process: for the RapidOCR pair, the larger of the two), from /usr/bin/time; the three run
# interleaved, ROUNDS times; wall and CPU are the best round, RSS the largest. Then the character
# agreement of each kdsl-ocr engine with RapidOCR over the same images (the cross-check's measure,
# Tests/crosscheck/ppocr.sh) and the share of images with empty text per engine, and the CER table
# against exact transcriptions (bench/ppocr_cer.py: tesseract-test pages, CER_RECEIPTS SROIE
# receipts; CER_RECEIPTS=0 skips it).
# Environment: KDSL_BIN (default .build/release), DATA (../shared/data), N_SHOTS (100), ROUNDS (1),
# JOBS (2), CER_RECEIPTS (80).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${KDSL_BIN:-.build/release}
DATA=${DATA:-../shared/data}
N_SHOTS=${N_SHOTS:-100}
ROUNDS=${ROUNDS:-1}
JOBS=${JOBS:-2}
CER_RECEIPTS=${CER_RECEIPTS:-80}
OUT=bench/out/ppocr
mkdir -p "$OUT"
export OMP_THREAD_LIMIT=1
[ -x "$BIN/kdsl-ocr" ] || swift build -c release --product kdsl-ocr >&2
PY=$(bash bench/ppocr-peer.sh)
bash bench/need.sh /usr/bin/time:time jq
DATA=$(cd "$DATA" && pwd)

# The cross-check's sample: every k-th screenshot of the sorted list.
bash bench/screenshots.sh "$DATA" "$N_SHOTS" "$OUT"
n=$(wc -l < "$OUT/shots.txt")
jq -cR '{images: [.]}' < "$OUT/shots.txt" > "$OUT/shots.jsonl"

# timed NAME CMD...: runs CMD under /usr/bin/time; leaves "wall user sys maxrss_kb" in $OUT/NAME.time.
timed() { local name=$1; shift; /usr/bin/time -f "%e %U %S %M" -o "$OUT/$name.time" "$@"; }
# Over the rounds NAME.1.time, NAME.2.time...: ips = images per wall second (best round), cpu = CPU
# ms per image (best round), rss = peak RSS in MB (largest round).
ips() { cat "$OUT/$1".*.time | awk -v n="$n" 'NR == 1 || $1 < w { w = $1 } END { printf "%.2f", n / w }'; }
cpu() { cat "$OUT/$1".*.time | awk -v n="$n" '{ c = $2 + $3 } NR == 1 || c < m { m = c } END { printf "%.0f", 1000 * m / n }'; }
rss() { cat "$OUT/$1".*.time | awk '$4 > m { m = $4 } END { printf "%.0f", m / 1024 }'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(getconf _NPROCESSORS_ONLN) cores; $n WWW2025 screenshots, $ROUNDS interleaved round(s)"
rm -f "$OUT"/*.time
for r in $(seq "$ROUNDS"); do
  timed "ppocr.$r" sh -c '"$0" --engine ppocr --jobs "$1" --quiet < "$2" > "$3"' "$BIN/kdsl-ocr" "$JOBS" "$OUT/shots.jsonl" "$OUT/ppocr.jsonl"
  timed "rapidocr.$r" sh -c '"$0" bench/rapidocr_peer.py run "$1" "$3" & a=$!; "$0" bench/rapidocr_peer.py run "$2" "$4" & b=$!; wait $a && wait $b' \
    "$PY" "$OUT/shots.a.txt" "$OUT/shots.b.txt" "$OUT/rapidocr.a.jsonl" "$OUT/rapidocr.b.jsonl"
  timed "tesseract.$r" sh -c '"$0" --engine tesseract --lang chi_sim+eng --jobs "$1" --quiet < "$2" > "$3"' "$BIN/kdsl-ocr" "$JOBS" "$OUT/shots.jsonl" "$OUT/tesseract.jsonl"
done
echo
echo "images/s (wall, best round), CPU ms per image (user+sys), peak RSS; ratios against RapidOCR (> 1: better than RapidOCR for speed and CPU, < 1: less memory):"
echo
echo "| engine | images/s | CPU ms/image | peak RSS MB | images/s vs RapidOCR | CPU vs RapidOCR | RSS vs RapidOCR |"
echo "|---|---|---|---|---|---|---|"
rw=$(ips rapidocr); rc=$(cpu rapidocr); rm_=$(rss rapidocr)
row() {
  local label=$1 name=$2 w c m
  w=$(ips "$name"); c=$(cpu "$name"); m=$(rss "$name")
  echo "| $label | $w | $c | $m | $(awk -v a="$w" -v b="$rw" 'BEGIN{printf "%.2f×", a/b}') | $(awk -v a="$rc" -v b="$c" 'BEGIN{printf "%.2f×", a/b}') | $(awk -v a="$m" -v b="$rm_" 'BEGIN{printf "%.2f×", a/b}') |"
}
row "kdsl-ocr --engine ppocr --jobs $JOBS" ppocr
row "RapidOCR 1.4.4 (onnxruntime), 2 processes × 1 thread" rapidocr
row "kdsl-ocr --engine tesseract --lang chi_sim+eng --jobs $JOBS" tesseract
echo
"$PY" bench/rapidocr_peer.py agree "$OUT/ppocr.jsonl" "$OUT/rapidocr.a.jsonl,$OUT/rapidocr.b.jsonl" --worst 3 --label "kdsl-ocr ppocr"
"$PY" bench/rapidocr_peer.py agree "$OUT/tesseract.jsonl" "$OUT/rapidocr.a.jsonl,$OUT/rapidocr.b.jsonl" --worst 0 --label "kdsl-ocr tesseract"
for e in ppocr tesseract; do
  jq -rs --arg e "$e" '[.[] | .ocr.images[]?] | "empty text, kdsl-ocr \($e): \(map(select(.text == "")) | length) of \(length) (\(100 * (map(select(.text == "")) | length) / length | . * 10 | round / 10)%); with an error: \(map(select(.error)) | length)"' "$OUT/$e.jsonl"
done
cat "$OUT/rapidocr.a.jsonl" "$OUT/rapidocr.b.jsonl" | jq -rs '"empty text, RapidOCR: \(map(select(.text == "")) | length) of \(length) (\(100 * (map(select(.text == "")) | length) / length | . * 10 | round / 10)%)"'

if [ "$CER_RECEIPTS" -gt 0 ]; then
  echo
  echo "CER against exact transcriptions (bench/ppocr_cer.py):"
  echo
  "$PY" bench/ppocr_cer.py "$BIN/kdsl-ocr" "$DATA" "$OUT/cer" "$CER_RECEIPTS"
fi
