#!/usr/bin/env bash
# deps/fetch.sh, the part of `make deps` that is not apt: the pinned wheels' files are where the
# build and kdsl-ocr look for them, a second run fetches nothing, and a wheel whose sha256 is not
# the pinned one is refused (exit 2) with nothing unpacked from it.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail=0
deps=$(bash deps/fetch.sh)
for f in openvino/lib/libopenvino_c.so openvino/include/openvino/c/openvino.h \
         ppocr/ch_PP-OCRv4_det_infer.onnx ppocr/ch_PP-OCRv4_rec_infer.onnx ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx \
         e5/e5-small-q4.bin; do
  [ -s "$deps/$f" ] || { echo "FAIL: deps.sh: $deps/$f missing after deps/fetch.sh" >&2; fail=1; }
done
# Nothing is downloaded when everything is in place.
out=$(bash deps/fetch.sh 2>&1 >/dev/null)
[ -z "$out" ] || { echo "FAIL: deps.sh: a second deps/fetch.sh printed: $out" >&2; fail=1; }
# A tampered wheel: the real file under a list that pins another sha256 (fetch.sh downloads it once
# more, from PyPI, and refuses what it gets).
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mkdir -p "$t/deps/wheels"
wheel=rapidocr_onnxruntime-1.4.4-py3-none-any.whl
cp "$deps/wheels/$wheel" "$t/deps/wheels/"
echo "$wheel $(printf '0%.0s' $(seq 64)) rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx=>ppocr/det.onnx" > "$t/list.txt"
set +e
KDSL_DEPS="$t/deps" KDSL_WHEELS="$t/list.txt" bash deps/fetch.sh > "$t/out" 2> "$t/err"; status=$?
set -e
if [ "$status" != 2 ] || ! grep -q "sha256 mismatch" "$t/err" || [ -e "$t/deps/ppocr/det.onnx" ]; then
  echo "FAIL: deps.sh: a wheel with the wrong sha256 gave exit $status, stderr: $(cat "$t/err")" >&2; fail=1
fi
[ "$fail" = 0 ] && echo "deps crosscheck: the pinned wheels' files are in place, a second run fetches nothing, a wrong sha256 is refused"
exit "$fail"
