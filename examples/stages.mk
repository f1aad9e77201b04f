# Shared by the example Makefiles (include ../stages.mk): recipes run by bash, and $(stages_ok)
# placed right after a pipeline of kdsl stages (or a single stage) fails the recipe when any stage
# exited 2 or more or was killed, and lets exit 1 (bad records, reported and forwarded with an
# `error` field; the run is complete) through:
#   a | b | c > $@.tmp; $(stages_ok) && mv $@.tmp $@
# Without it a failed upstream stage (e.g. `kdsl-model predict --model` on a missing file) leaves
# an empty or partial file that `.SECONDARY` keeps and kdsl-score then scores as 0 records.
SHELL := bash
stages_dir := $(dir $(lastword $(MAKEFILE_LIST)))
stages_ok = bash $(stages_dir)stages-ok.sh "$${PIPESTATUS[@]}"
# A recipe that fails after writing its target (`> $@`, `--out $@`) leaves no stale target behind.
.DELETE_ON_ERROR:
