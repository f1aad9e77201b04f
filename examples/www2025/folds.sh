#!/usr/bin/env bash
# Adds a `fold` field (0..K-1) to every record: stratified by (task, label), deterministic.
# Within each (task, label) group, records sorted by id are dealt round-robin, starting at a
# fold that rotates from group to group so no fold is systematically larger.
# Usage: folds.sh [K] < records.jsonl > records-with-folds.jsonl
set -euo pipefail
k="${1:-5}"
jq -s -c --argjson k "$k" '
  group_by([.task, .label])
  | to_entries
  | map(.key as $g | .value | sort_by(.id) | to_entries | map(.value + {fold: ((.key + $g) % $k)}))
  | flatten | sort_by(.id) | .[]'
