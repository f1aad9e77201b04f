#!/usr/bin/env bash
# kdsl-ocr throughput (images/s) side by side with the peers a user would reach for, on the same
# images and settings (OMP_THREAD_LIMIT=1, same --psm and languages, JOBS-way parallel):
#   kdsl-ocr --jobs JOBS          one in-process libtesseract engine per job, loaded once
#   xargs -P JOBS tesseract IMG - the command line, one process (and one model load) per image
#   pytesseract, JOBS threads     the Python wrapper (it runs the command line per image)
#   kdsl-ocr --jobs 1             for the 1 -> JOBS speed-up
# Sets: N_SHOTS WWW2025 screenshots (chi_sim+eng) and N_RECEIPTS SROIE receipts (eng), then the
# CER table (bench/ocr_cer.py) and the share of empty OCR text over all WWW2025 images, from
# OCR_RECORDS (default: examples/www2025's Tesseract OCR cache, built by bench/www2025-input.sh when missing;
# OCR_RECORDS=none skips it).
# The machine this was written on is shared (load 5-6 on 2 cores from other work), so the four
# variants run interleaved, ROUNDS times, and each figure is the best round: a load spike that hits
# one variant once does not decide the comparison. CPU ms per image (user+sys, children included)
# is given beside the wall figures: it hardly depends on the load.
# Environment: KDSL_BIN (default .build/release), N_SHOTS (20), N_RECEIPTS (20), JOBS (2),
# PSM (3), ROUNDS (3), CER_RECEIPTS (8; 0 skips the CER table).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${KDSL_BIN:-.build/release}
DATA=${DATA:-../shared/data}
N_SHOTS=${N_SHOTS:-20}
N_RECEIPTS=${N_RECEIPTS:-20}
ROUNDS=${ROUNDS:-3}
JOBS=${JOBS:-2}
PSM=${PSM:-3}
CER_RECEIPTS=${CER_RECEIPTS:-8}
OUT=bench/out/ocr
mkdir -p "$OUT"
export OMP_THREAD_LIMIT=1
[ -x "$BIN/kdsl-ocr" ] || swift build -c release --product kdsl-ocr >&2
PY=$(bash bench/venv.sh pytesseract rapidfuzz)
bash bench/need.sh /usr/bin/time:time tesseract:tesseract-ocr
DATA=$(cd "$DATA" && pwd)

# Deterministic samples: every k-th screenshot of the sorted list, the first receipts.
all=$(ls "$DATA"/www2025/images/*.jpg | sort | wc -l)
step=$(( all / N_SHOTS )); [ "$step" -ge 1 ] || step=1
ls "$DATA"/www2025/images/*.jpg | sort | awk -v s="$step" 'NR % s == 1' | head -n "$N_SHOTS" > "$OUT/shots.txt"
ls "$DATA"/ocr/sroie/img/*.jpg | sort | head -n "$N_RECEIPTS" > "$OUT/receipts.txt"

# timed NAME CMD...: runs CMD under /usr/bin/time; leaves "wall user sys" (children included) in $OUT/NAME.time.
timed() { local name=$1; shift; /usr/bin/time -f "%e %U %S" -o "$OUT/$name.time" "$@"; }
# ips NAME N: images per wall second; cpu NAME N: CPU milliseconds (user + sys) per image;
# both the best over the rounds NAME.1.time, NAME.2.time...
ips() { cat "$OUT/$1".*.time | awk -v n="$2" 'NR == 1 || $1 < w { w = $1 } END { printf "%.2f", n / w }'; }
cpu() { cat "$OUT/$1".*.time | awk -v n="$2" '{ c = $2 + $3 } NR == 1 || c < m { m = c } END { printf "%.0f", 1000 * m / n }'; }

cat > "$OUT/pytess.py" <<'EOF'
import sys
from concurrent.futures import ThreadPoolExecutor
import pytesseract
lang, jobs, psm, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3], open(sys.argv[4]).read().split()
with ThreadPoolExecutor(jobs) as pool:
    texts = list(pool.map(lambda p: pytesseract.image_to_string(p, lang=lang, config=f"--psm {psm}"), paths))
sys.stdout.write("".join(t + "\f" for t in texts))
EOF

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(getconf _NPROCESSORS_ONLN) cores"
echo
echo "images/s (wall), and CPU ms per image (user+sys, children included) in parentheses; best of $ROUNDS interleaved rounds:"
echo
echo "| set | images | kdsl-ocr --jobs $JOBS | tesseract CLI (xargs -P $JOBS) | pytesseract ($JOBS threads) | kdsl-ocr --jobs 1 | kdsl / CLI (wall) | kdsl / CLI (CPU) | speed-up 1→$JOBS jobs |"
echo "|---|---|---|---|---|---|---|---|---|"
for set in shots receipts; do
  list="$OUT/$set.txt"; n=$(wc -l < "$list")
  if [ "$set" = shots ]; then lang=chi_sim+eng; name="WWW2025 screenshots (chi_sim+eng)"; else lang=eng; name="SROIE receipts (eng)"; fi
  jq -cR '{images: [.]}' < "$list" > "$OUT/$set.jsonl"
  rm -f "$OUT/$set".*.time
  for r in $(seq "$ROUNDS"); do
    timed "$set.kdsl.$r" sh -c '"$0" --engine tesseract --lang "$1" --psm "$2" --jobs "$3" < "$4" > "$5"' "$BIN/kdsl-ocr" "$lang" "$PSM" "$JOBS" "$OUT/$set.jsonl" "$OUT/$set.kdsl.jsonl"
    timed "$set.cli.$r" sh -c 'xargs -P "$3" -I{} tesseract {} - -l "$1" --psm "$2" < "$0" > "$4" 2>/dev/null' "$list" "$lang" "$PSM" "$JOBS" "$OUT/$set.cli.txt"
    timed "$set.pytess.$r" sh -c '"$0" "$1" "$2" "$3" "$4" "$5" > "$6"' "$PY" "$OUT/pytess.py" "$lang" "$JOBS" "$PSM" "$list" "$OUT/$set.pytess.txt"
    timed "$set.kdsl1.$r" sh -c '"$0" --engine tesseract --lang "$1" --psm "$2" --jobs 1 < "$3" > "$4"' "$BIN/kdsl-ocr" "$lang" "$PSM" "$OUT/$set.jsonl" "$OUT/$set.kdsl1.jsonl"
  done
  cmp -s "$OUT/$set.kdsl.jsonl" "$OUT/$set.kdsl1.jsonl" || echo "warning: --jobs $JOBS and --jobs 1 outputs differ" >&2
  k=$(ips "$set.kdsl" "$n"); c=$(ips "$set.cli" "$n"); k1=$(ips "$set.kdsl1" "$n")
  echo "| $name | $n | $k ($(cpu "$set.kdsl" "$n")) | $c ($(cpu "$set.cli" "$n")) | $(ips "$set.pytess" "$n") ($(cpu "$set.pytess" "$n")) | $k1 ($(cpu "$set.kdsl1" "$n")) |" \
    "$(awk -v a="$k" -v b="$c" 'BEGIN{printf "%.2f×", a/b}') | $(awk -v a="$(cpu "$set.cli" "$n")" -v b="$(cpu "$set.kdsl" "$n")" 'BEGIN{printf "%.2f×", a/b}') | $(awk -v a="$k" -v b="$k1" 'BEGIN{printf "%.2f×", a/b}') |"
done

records=${OCR_RECORDS:-$(ENGINE=tesseract KDSL_BIN="$BIN" KDSL_DATA="$DATA" bash bench/www2025-input.sh ocr)}
if [ "$records" != none ]; then
  echo
  jq -rs '[.[] | .ocr.images[]?] | "WWW2025 images OCRed: \(length); empty text: \(map(select(.text == "")) | length) (\(100 * (map(select(.text == "")) | length) / length | . * 10 | round / 10)%); with an error: \(map(select(.error)) | length)"' "$records"
fi

if [ "$CER_RECEIPTS" -gt 0 ]; then
  echo
  "$PY" bench/ocr_cer.py "$BIN/kdsl-ocr" "$DATA" "$OUT" "$CER_RECEIPTS"
fi
