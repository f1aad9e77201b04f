#!/usr/bin/env bash
# Judges the exit statuses of a pipeline of kdsl stages, as the example Makefiles need it:
#   a | b | c > $@.tmp; bash stages-ok.sh "${PIPESTATUS[@]}" && mv $@.tmp $@
# (examples/stages.mk spells that `$(stages_ok)`). Exits 2 naming the stage when any stage exited
# 2 or more (usage, setup or write failure; 128+N: killed by signal N, SIGPIPE included): its
# output is missing or cut short, so the recipe must fail. 1 passes: a kdsl stage exits 1 when it
# met bad records, which it reported on stderr and forwarded with an `error` field, and the run
# is complete (an unreadable image, a record without a gold label). Under --strict a stage stops
# at the first bad record with 1; the examples do not pass --strict.
# bash's `set -o pipefail` is not enough: it keeps the rightmost non-zero status, so
# `a (exit 2) | b (exit 1)` would pass as 1.
set -u
n=$#
i=0
bad=0
for s in "$@"; do
  i=$((i + 1))
  if ! [[ "$s" =~ ^[0-9]+$ ]]; then
    echo "stages-ok.sh: '$s' is not an exit status" >&2; exit 2
  fi
  if [ "$s" -ge 2 ]; then
    why="exited $s"
    [ "$s" -gt 128 ] && why="was killed by SIG$(kill -l $((s - 128)) 2>/dev/null || echo $((s - 128)))"
    if [ "$n" -gt 1 ]; then echo "stage $i of $n in the pipeline $why" >&2; else echo "the stage $why" >&2; fi
    bad=1
  fi
done
[ "$i" -gt 0 ] || { echo "stages-ok.sh: no exit status given (pass \"\${PIPESTATUS[@]}\")" >&2; exit 2; }
[ "$bad" = 0 ] || exit 2
