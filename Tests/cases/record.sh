#!/bin/bash
# Records the expected output of CLI cases: runs each case named (every one when none is) as
# CaseTests does, in a copy of its folder with the built stages on PATH ($KDSL_BIN, else
# .build/debug), and writes its stdout, its stderr (unless the case has none, so does not compare
# it) and its status into the folder. A recorded output is right only once someone has read it:
# check `git diff Tests/cases` afterwards.
set -u
cases=$(cd "$(dirname "$0")" && pwd)
bin=${KDSL_BIN:-$cases/../../.build/debug}
[ -x "$bin/kdsl-score" ] || { echo "record.sh: no stages in $bin: run swift build first" >&2; exit 2; }
[ $# -gt 0 ] || set -- $(cd "$cases" && for d in */; do [ -e "$d/cmd" ] && echo "${d%/}"; done)
for name in "$@"; do
    name=${name%/}; name=${name##*/}
    source="$cases/$name"
    [ -e "$source/cmd" ] || { echo "record.sh: $source/cmd: no such case" >&2; exit 2; }
    input=/dev/null; [ -e "$source/stdin" ] && input="$source/stdin"
    work=$(mktemp -d)
    cp -R "$source/." "$work"
    (cd "$work" && PATH="$bin:$PATH" bash -c "$(cat cmd)" < "$input" > "$work/.stdout" 2> "$work/.stderr"; echo $? > "$work/.status")
    # A case without stderr does not compare it: leave it so, unless the case is new.
    if [ -e "$source/stderr" ] || [ ! -e "$source/stdout" ]; then cp "$work/.stderr" "$source/stderr"; fi
    cp "$work/.stdout" "$source/stdout"; cp "$work/.status" "$source/status"
    rm -rf "$work"
    echo "$name: status $(cat "$source/status")"
done
