#!/usr/bin/env bash
# Installs kdsl under a prefix, or removes what an install put there (`make install`, `make
# uninstall`):
#
#   $PREFIX/bin/kdsl-*                                   the stages ($BIN: .build/release)
#   $PREFIX/share/kdsl/openvino/lib/                     the OpenVINO runtime  } from $DEPS (.deps/),
#   $PREFIX/share/kdsl/ppocr/                            the PP-OCR models     } the sub-layout
#   $PREFIX/share/kdsl/e5/e5-small-q4.bin                the E5 weights, when  } deps/fetch.sh makes
#                                                        the deps folder has them
#   $PREFIX/share/man/man1/kdsl-*.1                      the man pages (`make man`)
#   $PREFIX/share/bash-completion/completions/kdsl-*     bash-completion's folder
#   $PREFIX/share/zsh/site-functions/_kdsl-*             zsh's (on $fpath of a zsh under PREFIX)
#   $PREFIX/share/fish/vendor_completions.d/kdsl-*.fish  fish's (`make completions`)
#   $PREFIX/share/kdsl/install-manifest.txt              what was installed, for uninstall
#
# An installed stage finds its runtime and models in the share/kdsl/ beside its bin/ (see
# Sources/InstallLayout), so the tree can be moved as a whole. DESTDIR is prepended to every path
# written (a packager's staging root) and left out of the manifest. The manifest lists each file
# (`f PATH`) and each folder the install created (`d PATH`); uninstall removes those files, then
# those folders when empty, and nothing else. Installing over an install removes the old one first.
#
#   deps/install.sh install|uninstall      (PREFIX, DESTDIR, BIN, DEPS, STAGES from the environment)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}
BIN=${BIN:-$here/.build/release}
DEPS=${DEPS:-$here/.deps}
STAGES=${STAGES:-kdsl-ocr kdsl-embed kdsl-rules kdsl-model kdsl-merge kdsl-score}
COMPLETIONS=${COMPLETIONS:-$here/.build/completions}
MAN=${MAN:-$here/.build/man}
me="deps/install.sh"

case "$PREFIX" in /*) ;; *) echo "$me: PREFIX must be an absolute path, got '$PREFIX'" >&2; exit 2 ;; esac
case "$PREFIX" in *//*|*/./*|*/../*|*/.|*/..) echo "$me: PREFIX must be a plain path (no ., .. or //), got '$PREFIX'" >&2; exit 2 ;; esac
PREFIX=${PREFIX%/}
root="$DESTDIR$PREFIX"
share="$PREFIX/share/kdsl"
manifest="$share/install-manifest.txt"

uninstall() {
  local list="$DESTDIR$manifest"
  if [ ! -f "$list" ]; then
    echo "$me: no kdsl install under $root (no $list)" >&2
    return 1
  fi
  local kind path dirs=()
  # Refuse a manifest that names a file outside the prefix, or a folder neither in it nor on the
  # way to it (install records the prefix's parents it had to make): not one install wrote.
  while read -r kind path; do
    case "$kind $path" in
      "f $PREFIX/"*|"d $PREFIX/"*|"d $PREFIX") ;;
      d\ /*) case "$PREFIX/" in "$path/"*) ;; *) path=; esac ;;
      *) path= ;;
    esac
    if [ -z "$path" ]; then echo "$me: $list: not an install manifest of $PREFIX (line '$kind ...')" >&2; return 2; fi
    case "$path" in */../*|*/..) echo "$me: $list: '$path' is not a plain path" >&2; return 2 ;; esac
  done < "$list"
  while read -r kind path; do
    if [ "$kind" = f ]; then
      [ "$path" = "$manifest" ] || rm -f "$DESTDIR$path"
    else
      dirs+=("$DESTDIR$path")
    fi
  done < "$list"
  rm -f "$list"
  # The folders the install created, deepest first, each only when nothing else is left in it.
  local i
  for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
    rmdir "${dirs[$i]}" 2>/dev/null || true
  done
  echo "$me: removed kdsl from $root" >&2
}

install_all() {
  # Everything is checked before anything is written.
  local s missing=()
  for s in $STAGES; do
    [ -x "$BIN/$s" ] || missing+=("$BIN/$s (swift build -c release)")
    [ -f "$MAN/$s.1" ] || missing+=("$MAN/$s.1 (make man)")
    [ -f "$COMPLETIONS/bash/$s" ] && [ -f "$COMPLETIONS/zsh/_$s" ] && [ -f "$COMPLETIONS/fish/$s.fish" ] \
      || missing+=("$COMPLETIONS/{bash,zsh,fish}/ for $s (make completions)")
  done
  [ -e "$DEPS/openvino/lib/libopenvino_c.so" ] || missing+=("$DEPS/openvino/lib/libopenvino_c.so (make deps)")
  ls "$DEPS"/ppocr/*.onnx >/dev/null 2>&1 || missing+=("$DEPS/ppocr/*.onnx (make deps)")
  if [ ${#missing[@]} -gt 0 ]; then
    echo "$me: cannot install, missing:" >&2
    printf '  %s\n' "${missing[@]}" >&2
    return 2
  fi
  if [ -f "$DESTDIR$manifest" ]; then uninstall; fi
  if [ -n "$DESTDIR" ]; then mkdir -p "$DESTDIR"; fi

  local entries=() dirs_made=()
  # mkdir -p, recording each folder it creates (outermost first).
  make_dir() {
    local d=$1 chain=()
    while [ ! -d "$DESTDIR$d" ]; do chain=("$d" "${chain[@]}"); d=${d%/*}; [ -n "$d" ] || break; done
    for d in "${chain[@]}"; do
      mkdir "$DESTDIR$d"
      entries+=("d $d")
    done
  }
  # put MODE SOURCE DEST: one file (a symbolic link is copied as the link it is).
  put() {
    local mode=$1 src=$2 dest=$3
    make_dir "${dest%/*}"
    if [ -L "$src" ]; then
      rm -f "$DESTDIR$dest"; cp -P "$src" "$DESTDIR$dest"
    else
      install -m "$mode" "$src" "$DESTDIR$dest"
    fi
    entries+=("f $dest")
  }
  make_dir "$PREFIX"
  local f
  for f in "$DEPS"/openvino/lib/*; do put 755 "$f" "$share/openvino/lib/${f##*/}"; done
  for f in "$DEPS"/ppocr/*; do put 644 "$f" "$share/ppocr/${f##*/}"; done
  if [ -f "$DEPS/e5/e5-small-q4.bin" ]; then put 644 "$DEPS/e5/e5-small-q4.bin" "$share/e5/e5-small-q4.bin"; fi
  for s in $STAGES; do
    put 644 "$MAN/$s.1" "$PREFIX/share/man/man1/$s.1"
    put 644 "$COMPLETIONS/bash/$s" "$PREFIX/share/bash-completion/completions/$s"
    put 644 "$COMPLETIONS/zsh/_$s" "$PREFIX/share/zsh/site-functions/_$s"
    put 644 "$COMPLETIONS/fish/$s.fish" "$PREFIX/share/fish/vendor_completions.d/$s.fish"
  done
  # The binaries last: a stage is never installed without its data.
  for s in $STAGES; do put 755 "$BIN/$s" "$PREFIX/bin/$s"; done
  entries+=("f $manifest")
  printf '%s\n' "${entries[@]}" > "$DESTDIR$manifest"
  echo "$me: installed $(wc -w <<< "$STAGES") stages and their data under $root (manifest: $manifest)" >&2
}

case "${1:-}" in
  install) install_all ;;
  uninstall) uninstall ;;
  *) echo "usage: $me install|uninstall   (PREFIX=$PREFIX DESTDIR=$DESTDIR)" >&2; exit 2 ;;
esac
