#!/usr/bin/env bash
# Checks `make install` and `make uninstall` end to end, with the debug binaries (CONFIG=debug):
#  - installed into a fresh prefix, every file is in the manifest and the manifest names nothing
#    else; the stages, man pages and bash/zsh/fish completions are where those tools look;
#  - run from the prefix with a clean environment (env -i, no KDSL_* variable, another working
#    folder), kdsl-ocr names the installed share/kdsl/ as the runtime and models it uses, and
#    the README's pipe runs as written (its "## A pipe" block: kdsl-ocr with PP-OCR, kdsl-embed,
#    kdsl-rules mine, kdsl-model train with the label names embedded by the installed encoder,
#    then ocr | embed | rules apply | model predict | merge | score), on the bundled sample's
#    text records and three of its images, which PP-OCR reads;
#  - the installed tree is the one read: a copy moved elsewhere names its own share/kdsl/, and
#    with a model removed from the copy, or damaged (the pinned digest), kdsl-ocr exits 2 naming
#    that copy's file, even though the build's deps folder still holds a good one;
#  - DESTDIR stages the same tree under another root, with PREFIX paths in its manifest;
#  - make uninstall leaves the prefix as it was: empty, and a file of someone else's kept.
# About 40 s on 2 cores once the debug build and the man-page tool are built.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
mkdir -p "$prefix" "$tmp/work"
fail() { echo "FAIL: install: $*" >&2; exit 1; }

make -s --no-print-directory install CONFIG=debug PREFIX="$prefix" DESTDIR= > "$tmp/make.out" 2>&1 \
  || { sed 's/^/    /' "$tmp/make.out" >&2; fail "make install PREFIX=$prefix"; }
manifest=$prefix/share/kdsl/install-manifest.txt
[ -f "$manifest" ] || fail "no $manifest"
diff <(sed -n 's/^f //p' "$manifest" | sort) <(find "$prefix" ! -type d | sort) > "$tmp/diff" \
  || { cat "$tmp/diff" >&2; fail "the manifest and the files under the prefix differ"; }
for s in kdsl-ocr kdsl-rules kdsl-model kdsl-merge kdsl-score; do
  for f in bin/$s share/man/man1/$s.1 share/bash-completion/completions/$s share/zsh/site-functions/_$s \
           share/fish/vendor_completions.d/$s.fish; do
    [ -s "$prefix/$f" ] || fail "make install did not write $f"
  done
  [ -x "$prefix/bin/$s" ] || fail "bin/$s is not executable"
done
for f in openvino/lib/libopenvino_c.so ppocr/ch_PP-OCRv4_det_infer.onnx ppocr/ch_PP-OCRv4_rec_infer.onnx \
         ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx; do
  [ -s "$prefix/share/kdsl/$f" ] || fail "make install did not write share/kdsl/$f"
done
if [ -f .deps/e5/e5-small-q4.bin ]; then cmp -s .deps/e5/e5-small-q4.bin "$prefix/share/kdsl/e5/e5-small-q4.bin" || fail "share/kdsl/e5/e5-small-q4.bin is not the deps folder's"; fi
echo "ok: make install wrote the stages, their data, man pages and completions, all in its manifest"

# A clean environment: nothing of the checkout on PATH, no KDSL_* variable, another folder.
clean() { (cd "$tmp/work" && env -i PATH="$prefix/bin:/usr/bin:/bin" HOME="$tmp/work" LANG=C.UTF-8 "$@"); }
version=$(clean kdsl-ocr --version)
grep -qF "($prefix/share/kdsl/openvino/lib/libopenvino_c.so), models in $prefix/share/kdsl/ppocr" <<< "$version" \
  || fail "the installed kdsl-ocr does not use its share/kdsl/: $version"

# The README's pipe as written (its first ```sh block after "## A pipe", as ReadmeTests runs
# it from .build), from the prefix: the sample's intent records and three of its images.
awk '/^## A pipe/ { on = 1 } on && /^```sh$/ { code = 1; next } code && /^```/ { exit } code' README.md > "$tmp/work/pipe.sh"
grep -q "kdsl-score" "$tmp/work/pipe.sh" || fail "no pipe found in README.md's \"## A pipe\""
ln -s "$root/examples/sample" "$tmp/work/data"
jq -c 'select(.split == "train" and (.images == null or .id == "receipt-000" or .id == "page-eurotext-0"))' \
  examples/sample/records.jsonl > "$tmp/work/train.jsonl"
jq -c 'select(.split == "test" and (.images == null or .id == "receipt-003"))' examples/sample/records.jsonl > "$tmp/work/test.jsonl"
clean bash -c 'set -euo pipefail; source pipe.sh' > "$tmp/work/score.txt" 2> "$tmp/pipe.err" \
  || { sed 's/^/    /' "$tmp/pipe.err" >&2; fail "the README's pipe from the installed binaries failed"; }
grep -q "task = scene" "$tmp/work/score.txt" || fail "kdsl-score printed no scene table: $(cat "$tmp/work/score.txt")"
# kdsl-model train loads the installed encoder for the label names (it says so when it cannot).
if grep -F "the label names are not used" "$tmp/pipe.err" >&2; then fail "the installed kdsl-model did not load share/kdsl/e5/ for the label names"; fi
for id in receipt-000 page-eurotext-0; do
  n=$(jq -r --arg id "$id" 'select(.id == $id) | .ocr.text | length' "$tmp/work/train.ocr.jsonl")
  [ "${n:-0}" -gt 20 ] || fail "PP-OCR from the installed tree read ${n:-no} characters in $id"
done
echo "ok: the README's pipe ran from $prefix/bin in a clean environment (PP-OCR on the installed runtime and models)"

# The tree read is the installed one: a moved copy uses its own files, and fails without them.
moved=$tmp/moved
cp -al "$prefix" "$moved"
clean "$moved/bin/kdsl-ocr" --version | grep -qF "models in $moved/share/kdsl/ppocr" || fail "a moved install does not use its own share/kdsl/"
rm "$moved/share/kdsl/ppocr/ch_PP-OCRv4_det_infer.onnx"
set +e; clean "$moved/bin/kdsl-ocr" --image-root data/ --quiet < "$tmp/work/test.jsonl" > /dev/null 2> "$tmp/err"; status=$?; set -e
[ "$status" = 2 ] || fail "kdsl-ocr without its installed detector exited $status, not 2"
grep -qF "$moved/share/kdsl/ppocr/ch_PP-OCRv4_det_infer.onnx cannot be read" "$tmp/err" && grep -qF "reinstall kdsl" "$tmp/err" \
  || fail "kdsl-ocr without its installed detector said: $(cat "$tmp/err")"
cls=$moved/share/kdsl/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx
rm "$cls" && head -c 100000 "$prefix/share/kdsl/ppocr/${cls##*/}" > "$cls"  # a file of its own, not a link to the prefix's
cp "$prefix/share/kdsl/ppocr/ch_PP-OCRv4_det_infer.onnx" "$moved/share/kdsl/ppocr/"
set +e; clean "$moved/bin/kdsl-ocr" --image-root data/ --quiet < "$tmp/work/test.jsonl" > /dev/null 2> "$tmp/err"; status=$?; set -e
[ "$status" = 2 ] && grep -qF "$cls is damaged" "$tmp/err" || fail "a damaged installed model: status $status, $(cat "$tmp/err")"
cmp -s "$prefix/share/kdsl/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx" .deps/ppocr/ch_ppocr_mobile_v2.0_cls_infer.onnx \
  || fail "damaging the copy changed the prefix's model"
echo "ok: an install reads its own share/kdsl/ (moved: its new place; a model missing or damaged there: exit 2)"

# DESTDIR: the same tree under a staging root, the manifest in PREFIX's terms.
stage=$tmp/stage
make -s --no-print-directory install CONFIG=debug PREFIX=/usr/local DESTDIR="$stage" > "$tmp/make.out" 2>&1 \
  || { sed 's/^/    /' "$tmp/make.out" >&2; fail "make install DESTDIR=$stage"; }
[ -x "$stage/usr/local/bin/kdsl-ocr" ] || fail "DESTDIR: no $stage/usr/local/bin/kdsl-ocr"
grep -q "^f /usr/local/bin/kdsl-ocr$" "$stage/usr/local/share/kdsl/install-manifest.txt" || fail "DESTDIR: the manifest does not name /usr/local/bin/kdsl-ocr"
! grep -qF "$stage" "$stage/usr/local/share/kdsl/install-manifest.txt" || fail "DESTDIR: the manifest names the staging root"
make -s --no-print-directory uninstall PREFIX=/usr/local DESTDIR="$stage" > /dev/null 2>&1 || fail "make uninstall DESTDIR=$stage"
[ -z "$(find "$stage" -mindepth 1)" ] || fail "DESTDIR: uninstall left $(find "$stage" -mindepth 1 | head -3)"
echo "ok: DESTDIR stages the tree, and uninstall with the same DESTDIR removes it"

# Uninstall: exactly what install wrote, and the folders it made; another file stays.
make -s --no-print-directory install CONFIG=debug PREFIX="$prefix" > "$tmp/make.out" 2>&1 || fail "make install again (over an install)"
mkdir -p "$prefix/share/man/man1" && echo keep > "$prefix/share/man/man1/other.1"
make -s --no-print-directory uninstall PREFIX="$prefix" > "$tmp/make.out" 2>&1 || { cat "$tmp/make.out" >&2; fail "make uninstall"; }
left=$(cd "$prefix" && find . -mindepth 1 | sort | tr '\n' ' ')
[ "$left" = "./share ./share/man ./share/man/man1 ./share/man/man1/other.1 " ] || fail "make uninstall left: $left"
rm -r "$prefix/share"
[ -d "$prefix" ] && [ -z "$(find "$prefix" -mindepth 1)" ] || fail "the prefix is not as it was"
echo "ok: make uninstall removed what make install put there, and kept a file it did not"
