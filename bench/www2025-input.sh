#!/usr/bin/env bash
# Builds a WWW2025 benchmark input with examples/www2025's Makefile (the same targets and bytes the
# example uses, made once and kept in examples/www2025/out/ENGINE/) and prints its path:
#   records  out/ENGINE/records.jsonl    the challenge's train.json as kdsl records with a
#                                        stratified `fold` 0-4 (jq only, seconds)
#   ocr      out/ENGINE/cache/ocr.jsonl  the same records with `ocr` (kdsl-ocr over every image:
#                                        minutes on 2 cores the first time; docs/benchmarks.md)
#   embed    out/ENGINE/cache/embed.jsonl  and with `embedding` (kdsl-embed: the user's last turn and the OCR text)
# Usage: path=$(bash bench/www2025-input.sh records|ocr|embed). Env: KDSL_BIN (default .build/release),
# KDSL_DATA (default ../shared/data; the challenge files are in its www2025/), ENGINE (ppocr, the
# default, or tesseract).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  records) target=records.jsonl ;;
  ocr) target=cache/ocr.jsonl ;;
  embed) target=cache/embed.jsonl ;;
  *) echo "usage: bash bench/www2025-input.sh records|ocr|embed" >&2; exit 2 ;;
esac
bin=${KDSL_BIN:-.build/release}
engine=${ENGINE:-ppocr}
target=out/$engine/$target
data=${KDSL_DATA:-../shared/data}/www2025
[ -s "$data/train.json" ] || { echo "www2025-input.sh: $data/train.json not found (set KDSL_DATA)" >&2; exit 2; }
if [ "$1" != records ] && [ ! -x "$bin/kdsl-ocr" ]; then swift build -c release --product kdsl-ocr >&2; fi
if [ "$1" = embed ] && [ ! -x "$bin/kdsl-embed" ]; then swift build -c release --product kdsl-embed >&2; fi
# OUT, CACHE and DATA on the command line: the Makefile's `?=` would take them from the environment.
make -C examples/www2025 --no-print-directory KDSL_BIN="$(cd "$bin" 2>/dev/null && pwd || echo "$bin")" \
  DATA="$(cd "$data" && pwd)" ENGINE="$engine" OUT="out/$engine" CACHE="out/$engine/cache" "$target" >&2
echo "$PWD/examples/www2025/$target"
