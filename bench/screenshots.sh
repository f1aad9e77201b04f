#!/usr/bin/env bash
# The WWW2025 screenshot sample of the PP-OCR cross-check and benchmark: every k-th image of the
# sorted list (k = images / N), at most N, deterministic. Writes OUTDIR/shots.txt (absolute paths)
# and its two halves OUTDIR/shots.a.txt and OUTDIR/shots.b.txt (for a peer run as two processes).
# Usage: bench/screenshots.sh DATA N OUTDIR   (DATA: the folder holding www2025/images/)
set -euo pipefail
data=$(cd "$1" && pwd); n_shots=$2; out=$3
all=$(ls "$data"/www2025/images/*.jpg | wc -l)
step=$(( all / n_shots )); [ "$step" -ge 1 ] || step=1
ls "$data"/www2025/images/*.jpg | LC_ALL=C sort | awk -v s="$step" 'NR % s == 1' | head -n "$n_shots" > "$out/shots.txt"
n=$(wc -l < "$out/shots.txt"); half=$(( (n + 1) / 2 ))
head -n "$half" "$out/shots.txt" > "$out/shots.a.txt"; tail -n +"$((half + 1))" "$out/shots.txt" > "$out/shots.b.txt"
