#!/usr/bin/env bash
# Installs, from Debian (apt), the tools a benchmark runs that are missing, as `make deps` does for
# the build: only in the benchmark path, so `make test` never needs them.
# Usage: bash bench/need.sh COMMAND[:PACKAGE]...   e.g. bash bench/need.sh hyperfine bc:bc
set -euo pipefail
missing=()
for want in "$@"; do
  cmd=${want%%:*}; pkg=${want#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "bench: installing ${missing[*]} (Debian)" >&2
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
for want in "$@"; do
  command -v "${want%%:*}" >/dev/null 2>&1 || { echo "bench: ${want%%:*} still missing after apt-get install" >&2; exit 2; }
done
