#!/usr/bin/env bash
# kdsl-model: accuracy on WWW2025 (5-fold CV) and the English few-shot sets next to fastText and
# scikit-learn, training time, and prediction throughput on a scaled set. One run, side by side.
# Usage: bash bench/model.bench.sh [www|english|speed]...   (default: all three)
# speed: KDSL_SCALED (records, default 1M), KDSL_SCALED_TRAIN (200k), KDSL_JOBS ("1 2"),
# KDSL_SCALED_SKLEARN=0 skips scikit-learn (about 10 minutes of lbfgs on 200k records).
# www: KDSL_WWW (records with `fold`, `ocr.text` and `embedding`; default: examples/www2025's
# cache with kdsl-embed's vectors, built by bench/www2025-input.sh when missing).
# english: the sets' records with kdsl-embed's vectors (`embedding.user`), made here; kdsl-model
# with its embedding head (the defaults) and with `--embedding off`, the peers with and without
# the same vectors.
# Writes bench/out/model-*.txt; prints markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${KDSL_DATA:-../shared/data}
OUT=bench/out
mkdir -p "$OUT"
B=.build/release/kdsl-model
[ -x "$B" ] || swift build -c release --product kdsl-model >&2
PY=$(bash bench/venv.sh fasttext-wheel scikit-learn numpy)
bash bench/need.sh bc /usr/bin/time:time
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
parts=${*:-www english speed}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
secs() { local s=$(date +%s.%N); "$@"; echo "$(date +%s.%N) - $s" | bc; }

if [[ " $parts " == *" www "* ]]; then
  WWW=${KDSL_WWW:-$(KDSL_DATA="$DATA" bash bench/www2025-input.sh embed)}
  echo "### WWW2025, 5-fold CV on the given folds ($(basename "$WWW")): weighted F1"
  echo
  echo "| configuration | DIS (intent) | ISS (scene) | pooled | seconds |"
  echo "|---|---|---|---|---|"
  while IFS='|' read -r name flags; do
    s=$(date +%s.%N)
    # shellcheck disable=SC2086
    $B cv "$WWW" --image-root "$DATA/www2025" $flags 2>/dev/null > "$tmp/cv.jsonl"
    t=$(echo "$(date +%s.%N) - $s" | bc)
    f=$("$PY" bench/model/f1.py < "$tmp/cv.jsonl")
    get() { echo "$f" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
    printf '| %s | %s | %s | %s | %.1f |\n' "$name" "$(get intent)" "$(get scene)" "$(get all)" "$t"
  done <<'EOF' | tee "$OUT/model-www.txt"
per-task heads with the embedding head (default)|
per-task n-gram heads (--embedding off)|--embedding off
per-task, --augment flip|--augment flip
--joint|--joint
--joint --augment flip|--joint --augment flip
per-task, text only (--no-images)|--no-images
per-task, --hidden 128|--hidden 128
EOF
  echo
fi

if [[ " $parts " == *" english "* ]]; then
  echo "### English few-shot intent: weighted F1 on valid, train and predict seconds (1 thread)"
  echo
  echo "| set | system | F1 | train s | predict s |"
  echo "|---|---|---|---|---|"
  E=.build/release/kdsl-embed
  [ -x "$E" ] || swift build -c release --product kdsl-embed >&2
  for d in banking77 hwu64; do for s in 5 10; do
    tr="$tmp/$d.train_$s.jsonl"; va="$tmp/$d.valid.jsonl"
    [ -s "$va" ] || $E --quiet --views user "$DATA/intent/$d/valid.jsonl" > "$va"
    $E --quiet --views user "$DATA/intent/$d/train_$s.jsonl" > "$tr"
    for mode in auto off; do
      t1=$(date +%s.%N); $B train "$tr" --embedding $mode --out "$tmp/m.model" 2>/dev/null; t2=$(date +%s.%N)
      $B predict --model "$tmp/m.model" < "$va" > "$tmp/p.jsonl"; t3=$(date +%s.%N)
      f=$("$PY" bench/model/f1.py < "$tmp/p.jsonl" | tr ' ' '\n' | sed -n 's/^all=//p')
      name="kdsl-model (process, incl. I/O)"; [ $mode = auto ] || name="kdsl-model --embedding off (process, incl. I/O)"
      printf '| %s train_%s | %s | %s | %.3f | %.3f |\n' "$d" "$s" "$name" "$f" "$(echo "$t2 - $t1" | bc)" "$(echo "$t3 - $t2" | bc)"
    done
    "$PY" bench/model/peers.py "$tr" "$va" 2>/dev/null | while IFS=$'\t' read -r name f1 ttr tpr; do
      printf '| %s train_%s | %s (in-process) | %s | %s | %s |\n' "$d" "$s" "$name" "$f1" "$ttr" "$tpr"
    done
  done; done | tee "$OUT/model-english.txt"
  echo
fi

if [[ " $parts " == *" speed "* ]]; then
  N=${KDSL_SCALED:-1000000}
  NTRAIN=${KDSL_SCALED_TRAIN:-200000}
  "$PY" bench/model/scaled.py "$DATA/intent/banking77" "$N" > "$tmp/scaled.jsonl"
  head -n "$NTRAIN" "$tmp/scaled.jsonl" > "$tmp/train.jsonl"
  va="$DATA/intent/banking77/valid.jsonl"
  echo "### Scaled banking77: train on $NTRAIN perturbed copies of train_10 (5 epochs each), predict $N short records"
  echo
  echo "| system | train s | F1 on valid | predict s ($N) | records/s | predict user CPU s |"
  echo "|---|---|---|---|---|---|"
  {
    t1=$(date +%s.%N); $B train "$tmp/train.jsonl" --out "$tmp/big.model" --epochs 5 --lr 1 --word-ngrams 2 --char-ngrams 3-5 2>/dev/null; t2=$(date +%s.%N)
    f=$($B predict --model "$tmp/big.model" < "$va" | "$PY" bench/model/f1.py | tr ' ' '\n' | sed -n 's/^all=//p')
    # Prediction at 1 and 2 worker threads (--jobs): wall time and user CPU of the whole process.
    for j in ${KDSL_JOBS:-1 2}; do
      /usr/bin/time -f '%U %e' -o "$tmp/time" $B predict --jobs "$j" --model "$tmp/big.model" < "$tmp/scaled.jsonl" > /dev/null
      read -r user wall < "$tmp/time"
      printf '| kdsl-model --jobs %s (process: JSON in, JSON out) | %.2f | %s | %.2f | %.0f | %.2f |\n' "$j" "$(echo "$t2 - $t1" | bc)" "$f" "$wall" "$(echo "$N / $wall" | bc -l)" "$user"
    done
    "$PY" bench/model/peers.py --scaled "$tmp/train.jsonl" "$va" "$tmp/scaled.jsonl" 2>/dev/null | while IFS=$'\t' read -r name f1 ttr tpr; do
      printf '| %s (in-process, 1 thread, text already in memory) | %s | %s | %s | %.0f | |\n' "$name" "$ttr" "$f1" "$tpr" "$(echo "$N / $tpr" | bc -l)"
    done
  } | tee "$OUT/model-speed.txt"
  echo
fi
