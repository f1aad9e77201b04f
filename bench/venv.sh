#!/usr/bin/env bash
# Creates (once) the Python venv the benchmarks and cross-checks use for their peers, and prints
# its python path. Usage: PY=$(bash bench/venv.sh package ...)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv" >&2; fi
need=()
for p in "$@"; do
  mod="${p%%[=<>]*}"
  case "$mod" in scikit-learn) mod=sklearn;; fasttext-wheel) mod=fasttext;; opencv-python*) mod=cv2;; esac
  "$venv/bin/python" -c "import $mod" 2>/dev/null || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then "$venv/bin/pip" install -q "${need[@]}" >&2; fi
echo "$venv/bin/python"
