#!/usr/bin/env bash
# A short bounded fuzzing run (Tests/fuzz/fuzz.py, about a minute in all): mutated records,
# rule files, model files and counts through the built binaries; fails on any crash, hang or
# exit status other than 0, 1 or 2. `make fuzz` runs the same targets longer (FUZZ_SECONDS).
set -euo pipefail
cd "$(dirname "$0")/../.."
# The release binaries when built (make fuzz), else the debug ones the tests just built (CI).
if [ -n "${KDSL_BIN:-}" ]; then BIN=$KDSL_BIN; elif [ -x .build/release/kdsl-score ]; then BIN=.build/release; else BIN=.build/debug; fi
for t in kdsl-merge kdsl-rules kdsl-model kdsl-score kdsl-ocr kdsl-embed; do
  [ -x "$BIN/$t" ] || { echo "fuzz.sh: $BIN/$t not built" >&2; exit 2; }
done
python3 Tests/fuzz/fuzz.py --check-harness
python3 Tests/fuzz/fuzz.py --bin "$BIN" --seconds "${FUZZ_SECONDS:-10}" --seed "${FUZZ_SEED:-1}" \
  --targets "${FUZZ_TARGETS:-records,apply,rules,model,sealed,counts,train}"
