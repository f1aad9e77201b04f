#!/usr/bin/env bash
# Makes (once) the Python peer of kdsl-ocr's PP-OCR engine ready in bench/venv.sh's venv and prints
# its python path: RapidOCR (rapidocr_onnxruntime 1.4.4: PP-OCRv4 det/rec and the mobile v2.0 cls as
# ONNX, run by onnxruntime) and rapidfuzz for the edit distances. The versions are pinned here, in
# one place, for Tests/crosscheck/ppocr.sh and bench/ppocr.bench.sh. opencv-python (a dependency
# of RapidOCR) loads libGL and GLib: installed from Debian when `import cv2` fails.
# Usage: PY=$(bash bench/ppocr-peer.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
PY=$(bash "$here/venv.sh" rapidocr_onnxruntime==1.4.4 onnxruntime==1.20.1 opencv-python==5.0.0.93 rapidfuzz==3.14.6)
if ! "$PY" -c 'import cv2' 2>/dev/null; then
  echo "ppocr-peer: installing libgl1 and GLib (Debian) for opencv-python" >&2
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >&2
  glib=libglib2.0-0; apt-cache show libglib2.0-0t64 >/dev/null 2>&1 && glib=libglib2.0-0t64  # Debian 13's name
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libgl1 "$glib" >&2
  "$PY" -c 'import cv2' >&2 || { echo "ppocr-peer: opencv-python still does not import" >&2; exit 2; }
fi
echo "$PY"
