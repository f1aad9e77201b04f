#!/usr/bin/env bash
# Checks `make help` of the Makefiles that have one (the top level and examples/www2025): it lists
# every .PHONY target that has a recipe, each on one line taken from its `## target: description`
# comment, and names no target the Makefile lacks. Nothing is built: make only prints its rules.
set -euo pipefail
cd "$(dirname "$0")/../.."
fail=0
for dir in . examples/www2025; do
  makefile=$dir/Makefile
  bad=0
  help=$(make -s --no-print-directory -C "$dir" help)
  # make's rule database (-p), without running a recipe (-q): one paragraph per target.
  db=$(make --no-print-directory -C "$dir" -pq help 2>/dev/null || true)
  targets=$(awk 'BEGIN { RS = "" } /^[a-z][a-z-]*:/ { sub(/:.*/, ""); print }' <<< "$db")
  phony=$(awk 'BEGIN { RS = "" } /\n#  Phony target/ && /\n#  recipe to execute/ { sub(/:.*/, ""); print }' <<< "$db")
  [ -n "$phony" ] || { echo "FAIL: $makefile: no .PHONY target with a recipe found" >&2; bad=1; }
  for t in $phony; do
    n=$(grep -c "^  $t  *[^ ]" <<< "$help" || true)
    [ "$n" = 1 ] || { echo "FAIL: $makefile: make help has $n lines for $t (a '## $t: ...' comment gives one)" >&2; bad=1; }
  done
  while read -r t _; do
    grep -qx "$t" <<< "$targets" || { echo "FAIL: $makefile: make help lists $t, which is not a target" >&2; bad=1; }
  done <<< "$help"
  [ "$bad" = 1 ] && fail=1 || echo "ok: $makefile: make help lists its $(wc -w <<< "$phony") targets with a recipe"
done
exit "$fail"
