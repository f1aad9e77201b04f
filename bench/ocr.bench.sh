#!/usr/bin/env bash
# kdsl-ocr throughput (images/s) side by side with the peers a user would reach for, on the same
# images and settings (OMP_THREAD_LIMIT=1, same --psm and languages, JOBS-way parallel):
#   kdsl-ocr --jobs JOBS          one in-process libtesseract engine per job, loaded once
#   xargs -P JOBS tesseract IMG - the command line, one process (and one model load) per image
#   pytesseract, JOBS threads     the Python wrapper (it runs the command line per image)
#   kdsl-ocr --jobs 1             for the 1 -> JOBS speed-up
# Sets: N_SHOTS WWW2025 screenshots (chi_sim+eng) and N_RECEIPTS SROIE receipts (eng), then the
# CER table (bench/ocr_cer.py) and the share of empty OCR text over all WWW2025 images when
# /work/cache/www2025-ocr.jsonl or OCR_RECORDS is present.
# Environment: KDSL_BIN (default .build/release), N_SHOTS (60), N_RECEIPTS (40), JOBS (2),
# PSM (3), CER_RECEIPTS (8; 0 skips the CER table).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${KDSL_BIN:-.build/release}
DATA=${DATA:-../shared/data}
N_SHOTS=${N_SHOTS:-60}
N_RECEIPTS=${N_RECEIPTS:-40}
JOBS=${JOBS:-2}
PSM=${PSM:-3}
CER_RECEIPTS=${CER_RECEIPTS:-8}
OUT=bench/out/ocr
mkdir -p "$OUT"
export OMP_THREAD_LIMIT=1
[ -x "$BIN/kdsl-ocr" ] || swift build -c release --product kdsl-ocr >&2
PY=$(bash bench/venv.sh pytesseract rapidfuzz)
DATA=$(cd "$DATA" && pwd)

# Deterministic samples: every k-th screenshot of the sorted list, the first receipts.
all=$(ls "$DATA"/www2025/images/*.jpg | sort | wc -l)
step=$(( all / N_SHOTS )); [ "$step" -ge 1 ] || step=1
ls "$DATA"/www2025/images/*.jpg | sort | awk -v s="$step" 'NR % s == 1' | head -n "$N_SHOTS" > "$OUT/shots.txt"
ls "$DATA"/ocr/sroie/img/*.jpg | sort | head -n "$N_RECEIPTS" > "$OUT/receipts.txt"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", n / (b - a) }'; }

cat > "$OUT/pytess.py" <<'EOF'
import sys
from concurrent.futures import ThreadPoolExecutor
import pytesseract
lang, jobs, psm, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3], open(sys.argv[4]).read().split()
with ThreadPoolExecutor(jobs) as pool:
    texts = list(pool.map(lambda p: pytesseract.image_to_string(p, lang=lang, config=f"--psm {psm}"), paths))
sys.stdout.write("".join(t + "\f" for t in texts))
EOF

echo "| set | images | kdsl-ocr --jobs $JOBS | tesseract CLI (xargs -P $JOBS) | pytesseract ($JOBS threads) | kdsl-ocr --jobs 1 | kdsl / CLI | speed-up 1→$JOBS jobs |"
echo "|---|---|---|---|---|---|---|---|"
for set in shots receipts; do
  list="$OUT/$set.txt"; n=$(wc -l < "$list")
  if [ "$set" = shots ]; then lang=chi_sim+eng; name="WWW2025 screenshots (chi_sim+eng)"; else lang=eng; name="SROIE receipts (eng)"; fi
  jq -cR '{images: [.]}' < "$list" > "$OUT/$set.jsonl"
  t0=$(now); "$BIN/kdsl-ocr" --lang "$lang" --psm "$PSM" --jobs "$JOBS" < "$OUT/$set.jsonl" > "$OUT/$set.kdsl.jsonl"
  t1=$(now); xargs -P "$JOBS" -I{} sh -c 'tesseract "$1" - -l "$2" --psm "$3" 2>/dev/null' _ {} "$lang" "$PSM" < "$list" > "$OUT/$set.cli.txt"
  t2=$(now); "$PY" "$OUT/pytess.py" "$lang" "$JOBS" "$PSM" "$list" > "$OUT/$set.pytess.txt"
  t3=$(now); "$BIN/kdsl-ocr" --lang "$lang" --psm "$PSM" --jobs 1 < "$OUT/$set.jsonl" > "$OUT/$set.kdsl1.jsonl"
  t4=$(now)
  k=$(rate "$n" "$t0" "$t1"); c=$(rate "$n" "$t1" "$t2"); p=$(rate "$n" "$t2" "$t3"); k1=$(rate "$n" "$t3" "$t4")
  cmp -s "$OUT/$set.kdsl.jsonl" "$OUT/$set.kdsl1.jsonl" || echo "warning: --jobs $JOBS and --jobs 1 outputs differ" >&2
  echo "| $name | $n | $k img/s | $c img/s | $p img/s | $k1 img/s | $(awk -v a="$k" -v b="$c" 'BEGIN{printf "%.2f×", a/b}') | $(awk -v a="$k" -v b="$k1" 'BEGIN{printf "%.2f×", a/b}') |"
done

records=${OCR_RECORDS:-/work/cache/www2025-ocr.jsonl}
if [ -f "$records" ]; then
  echo
  jq -rs '[.[] | .ocr.images[]?] | "WWW2025 images OCRed: \(length); empty text: \(map(select(.text == "")) | length) (\(100 * (map(select(.text == "")) | length) / length | . * 10 | round / 10)%); with an error: \(map(select(.error)) | length)"' "$records"
fi

if [ "$CER_RECEIPTS" -gt 0 ]; then
  echo
  "$PY" bench/ocr_cer.py "$BIN/kdsl-ocr" "$DATA" "$OUT" "$CER_RECEIPTS"
fi
