#!/usr/bin/env bash
# Cross-check: kdsl-ocr's PP-OCR engine (--engine ppocr: PP-OCRv4 det + rec on OpenVINO, in
# process) against RapidOCR, the Python package a user would reach for that runs the same
# PP-OCRv4 models (on onnxruntime, default settings: det+cls+rec, text_score 0.5). Different
# runtimes and resizing code, so the texts need not be equal byte for byte: per image the character
# agreement 1 - levenshtein(a, b) / max(len a, len b) of the whole texts (lines joined with "\n",
# 1 when both are empty); fails unless the mean over the images is >= MIN_AGREEMENT (0.95).
# Images: N_SHOTS (30) WWW2025 screenshots, every k-th of the sorted list (deterministic).
# RapidOCR runs as two processes of one onnxruntime thread each, on the two halves of the list.
# Binary: $KDSL_BIN/kdsl-ocr (default .build/debug, built if absent). Data: ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${KDSL_BIN:-.build/debug}
DATA=${KDSL_DATA:-../shared/data}
N_SHOTS=${N_SHOTS:-30}
MIN_AGREEMENT=${MIN_AGREEMENT:-0.95}
if ! ls "$DATA"/www2025/images/*.jpg >/dev/null 2>&1; then
  echo "FAIL: ppocr crosscheck: no WWW2025 images under $DATA/www2025/images (set KDSL_DATA)" >&2; exit 1
fi
[ -x "$BIN/kdsl-ocr" ] || swift build --product kdsl-ocr >&2
PY=$(bash bench/ppocr-peer.sh)
DATA=$(cd "$DATA" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

bash bench/screenshots.sh "$DATA" "$N_SHOTS" "$tmp"
n=$(wc -l < "$tmp/shots.txt")

start=$SECONDS
jq -cR '{images: [.]}' < "$tmp/shots.txt" | "$BIN/kdsl-ocr" --engine ppocr --jobs 2 --quiet > "$tmp/kdsl.jsonl"
kdsl_s=$((SECONDS - start)); start=$SECONDS
"$PY" bench/rapidocr_peer.py run "$tmp/shots.a.txt" "$tmp/a.jsonl" & pa=$!
"$PY" bench/rapidocr_peer.py run "$tmp/shots.b.txt" "$tmp/b.jsonl" & pb=$!
wait "$pa"; wait "$pb"
echo "ppocr crosscheck: $n WWW2025 screenshots; kdsl-ocr ($BIN) ${kdsl_s}s, RapidOCR $((SECONDS - start))s"
if "$PY" bench/rapidocr_peer.py agree "$tmp/kdsl.jsonl" "$tmp/a.jsonl,$tmp/b.jsonl" --min "$MIN_AGREEMENT" --worst 3; then
  echo "ppocr crosscheck: mean agreement >= $MIN_AGREEMENT"
else
  echo "FAIL: ppocr crosscheck: mean agreement below $MIN_AGREEMENT (or outputs do not line up)"; exit 1
fi
