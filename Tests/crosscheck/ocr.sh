#!/usr/bin/env bash
# Cross-check: kdsl-ocr's text equals the tesseract command line's, image by image, with the same
# language and --psm (same engine, so any difference is a bug in how kdsl-ocr drives it).
# Both outputs get the same clean-up: trailing blanks of each line and blank lines at both ends
# removed (the CLI also ends a page with a form feed).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${KDSL_BIN:-.build/debug}
[ -x "$BIN/kdsl-ocr" ] || swift build --product kdsl-ocr >&2
export OMP_THREAD_LIMIT=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
images=(Tests/OCRTests/Fixtures/phototest.png Tests/OCRTests/Fixtures/zh-line.png)
for f in ../shared/data/ocr/tesseract-test/*.tif; do [ -e "$f" ] && images+=("$f"); done
clean() { sed -e 's/[[:space:]]*$//' | tr -d '\f' | sed -e '/./,$!d' | sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}'; }
fail=0
for psm in 3 6; do
  for lang in eng chi_sim+eng; do
    printf '%s\n' "${images[@]}" | jq -cR '{images: [.]}' \
      | "$BIN/kdsl-ocr" --engine tesseract --lang "$lang" --psm "$psm" --jobs 2 --quiet > "$tmp/kdsl.jsonl"
    i=0
    for img in "${images[@]}"; do
      i=$((i + 1))
      sed -n "${i}p" "$tmp/kdsl.jsonl" | jq -r '.ocr.images[0].text' | clean > "$tmp/a.txt"
      tesseract "$img" - -l "$lang" --psm "$psm" 2>/dev/null | clean > "$tmp/b.txt"
      if ! cmp -s "$tmp/a.txt" "$tmp/b.txt"; then
        echo "DIFFER: $img --lang $lang --psm $psm"; { diff "$tmp/a.txt" "$tmp/b.txt" | head -5 || true; }; fail=1
      fi
    done
  done
done
[ "$fail" = 0 ] && echo "ocr crosscheck: kdsl-ocr text == tesseract CLI text on ${#images[@]} images x 2 psm x 2 languages"
exit "$fail"
