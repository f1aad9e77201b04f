"""Runs a kdsl stage over a sharded input with Apache Spark's rdd.pipe (local mode) and scores it
map-reduce style: `kdsl-score --emit-counts` on every shard, `kdsl-score --merge-counts` on the lot.

Each kdsl stage is a line filter, so a partition piped through it gives exactly the lines the whole
file would: the sharded result equals the single-process one (Tests/crosscheck/spark.sh checks it).
One difference: a bad record's `error.line` counts lines within its partition, not the whole input.
A stage that batches records by input order (kdsl-embed --batch N; its vectors' last bits depend on
which records share a batch) needs the partitions cut at multiples of N lines: --align N does that,
and the sharded output is again the single-process output byte for byte.

--stage may be a pipe of stages ("kdsl-embed --jobs 1 | kdsl-model predict --model m.kdsl"); it runs
under bash with pipefail, so the status judged is the last non-zero one in the pipe.

Exit status of a stage, as in a shell pipeline of kdsl stages (examples/stages.mk): 0 and 1 (bad
records, reported on stderr and forwarded with an `error` field; the partition is complete) are
accepted; 2 or more (usage, setup or write failure) or a signal fails the Spark job, and this
script exits 1 without writing OUTDIR. Spark's own check (checkCode=True) fails on any non-zero
status, so each stage runs under a small bash wrapper that maps 1 to 0.

Usage:
  python pipe.py INPUT.jsonl OUTDIR [--partitions N] [--align N] [--stage "kdsl-merge --policy guarded"]
Needs pyspark (PyPI) and Java 17; the kdsl binaries must be on PATH.
Writes OUTDIR/records.jsonl (the stage's output, partitions in order) and OUTDIR/score.json
(the merged report), and prints the report's table.
"""
import argparse
import os
import shlex
import subprocess
import sys

from pyspark import SparkConf, SparkContext


def accepting_exit_1(command):
    """The command for rdd.pipe (which shlex-splits it and runs it without a shell): COMMAND under
    bash with pipefail (a pipe of stages reports its last non-zero status), with exit 1 (bad
    records, reported and forwarded; the output is complete) turned into 0, so that
    checkCode=True fails the job only on 2 or more or a signal (bash reports 128+N)."""
    script = command + '; s=$?; [ "$s" -eq 1 ] && exit 0; exit "$s"'
    return "bash -o pipefail -c " + shlex.quote(script)


def aligned(lines, partitions, align):
    """LINES in about PARTITIONS partitions, each cut at a multiple of ALIGN lines and in input
    order, so a stage that batches ALIGN records by input order sees the batches one process
    would. Spark's textFile cuts partitions by bytes, anywhere between two lines."""
    indexed = lines.zipWithIndex().cache()
    n = indexed.count()
    chunk = -(-max(1, -(-n // partitions)) // align) * align
    parts = max(1, -(-n // chunk))
    return (indexed
            .map(lambda li: (li[1] // chunk, li))
            .partitionBy(parts, lambda k: k)
            .mapPartitions(lambda kv: (line for _, (line, _) in sorted(kv, key=lambda x: x[1][1])),
                           preservesPartitioning=True))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("outdir")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--align", type=int, default=1,
                    help="cut partitions at multiples of this many lines (a batching stage's --batch, e.g. 16 for kdsl-embed)")
    ap.add_argument("--stage", default="kdsl-merge", help="the kdsl command (or pipe of commands) each partition is piped through")
    ap.add_argument("--by", default="task", help="kdsl-score --group-field field")
    args = ap.parse_args()
    if args.partitions < 1 or args.align < 1:
        ap.error("--partitions and --align must be at least 1")

    conf = SparkConf().setMaster("local[2]").setAppName("kdsl-pipe").set("spark.ui.enabled", "false")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    # The stages' own variables (KDSL_E5_MODEL, KDSL_PPOCR_MODELS, ...) pass through, and
    # OpenBLAS's (OPENBLAS_CORETYPE picks the kernels, which decide a vector's last bits).
    env = {"PATH": os.environ["PATH"], "OMP_THREAD_LIMIT": "1"}
    env.update({k: v for k, v in os.environ.items() if k.startswith(("KDSL_", "OPENBLAS_"))})
    try:
        lines = sc.textFile(os.path.abspath(args.input), minPartitions=args.partitions)
        if args.align > 1:
            lines = aligned(lines, args.partitions, args.align)
        staged = lines.pipe(accepting_exit_1(args.stage), env=env, checkCode=True).cache()
        counts = staged.pipe(accepting_exit_1(f"kdsl-score --emit-counts --group-field {shlex.quote(args.by)}"),
                             env=env, checkCode=True)
        records = staged.collect()
        shard_counts = counts.collect()
        partitions = staged.getNumPartitions()
    except Exception as e:  # a Py4JJavaError holding the Python worker's traceback
        text = str(e).splitlines() or [type(e).__name__]
        why = next((l.strip() for l in text if "exited with error code" in l), text[0].strip())
        print(f"pipe.py: the Spark job failed: {why}", file=sys.stderr)
        print(f"pipe.py: nothing written to {args.outdir} (the stage's own message is above)", file=sys.stderr)
        sys.exit(1)
    finally:
        sc.stop()

    os.makedirs(args.outdir, exist_ok=True)
    with open(os.path.join(args.outdir, "records.jsonl"), "w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in records)
    counts_text = "".join(line + "\n" for line in shard_counts)
    report = subprocess.run(["kdsl-score", "--merge-counts", "--format", "json"], input=counts_text,
                            capture_output=True, text=True, check=True).stdout
    with open(os.path.join(args.outdir, "score.json"), "w", encoding="utf-8") as f:
        f.write(report)
    table = subprocess.run(["kdsl-score", "--merge-counts"], input=counts_text,
                           capture_output=True, text=True, check=True).stdout
    print(f"{len(records)} records in {partitions} partitions through `{args.stage}`")
    sys.stdout.write(table)


if __name__ == "__main__":
    main()
