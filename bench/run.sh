#!/usr/bin/env bash
# Runs every benchmark script bench/*.bench.sh in turn; each prints a markdown table and writes
# its raw figures under bench/out/. Peers (jq, Python packages) are installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
for b in bench/*.bench.sh; do
  echo "== $b"
  bash "$b"
done
