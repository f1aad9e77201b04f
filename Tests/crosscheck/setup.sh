#!/usr/bin/env bash
# Checks the new-machine path (`make deps`, .ci/run) without installing anything:
#  - every Debian package a command of the tests and benchmarks comes from is in the Makefile's
#    APT_PKGS (`make deps` installs what is missing), and each name is a package apt knows;
#  - .ci/run, on a machine without swift, stops at once with a message saying where Swift comes
#    from (exit 2), before installing or building anything.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail=0
pkgs=" $(make -pn deps 2>/dev/null | sed -n 's/^APT_PKGS := //p') "
[ "$pkgs" != "  " ] || { echo "setup.sh: APT_PKGS not found in the Makefile" >&2; exit 1; }
# package: who needs it
while IFS=: read -r pkg why; do
  case "$pkgs" in *" $pkg "*) ;; *) echo "FAIL: make deps does not install $pkg ($why)" >&2; fail=1 ;; esac
done <<'LIST'
tesseract-ocr:the tesseract command line, Tests/crosscheck/ocr.sh and bench/ocr.bench.sh (only a Recommends of libtesseract)
python3-venv:bench/venv.sh runs python3 -m venv for the peers of the cross-checks
jq:the example Makefiles and the cross-checks
make:make test, make demo
python3-pip:deps/fetch.sh downloads the pinned OpenVINO and PP-OCR wheels with pip
LIST
if command -v apt-cache >/dev/null 2>&1; then
  for p in $pkgs; do
    apt-cache show "$p" >/dev/null 2>&1 || { echo "FAIL: APT_PKGS names $p, which apt does not know" >&2; fail=1; }
  done
fi
# .ci/run without swift: a copy whose toolchain folder does not exist, PATH without swift.
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
mkdir "$t/.ci"
sed 's|/opt/swift/usr/bin|/nonexistent/swift/usr/bin|' .ci/run > "$t/.ci/run"
bare=$(mktemp -d -p "$t")
for c in bash cat sed dirname env; do ln -s "$(command -v "$c")" "$bare/$c"; done
rc=0; env -i PATH="$bare" bash "$t/.ci/run" > "$t/out" 2>&1 || rc=$?
if [ "$rc" != 2 ] || ! grep -q 'swift. not found' "$t/out" || ! grep -q 'swift.org' "$t/out"; then
  echo "FAIL: .ci/run without swift: exit $rc, want 2 and a message naming swift.org:" >&2; sed 's/^/    /' "$t/out" >&2; fail=1
fi
[ "$fail" = 0 ] && echo "setup.sh: make deps covers tesseract-ocr, python3-venv, jq, make, python3-pip; .ci/run without swift says where to get it"
exit "$fail"
