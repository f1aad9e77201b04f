#!/usr/bin/env python3
"""Seeded mutational fuzzing of kdsl's readers, through the real executables.

Targets (each reads what a user or an upstream stage could hand it):
  records  kdsl-merge on record lines (the line reader, the JSON scanner and its jansson fallback)
  apply    kdsl-rules apply on record lines (the text views' byte fast path, the matcher)
  rules    kdsl-rules check on a rule file (the rule-file parser)
  model    kdsl-model predict --model on a model file (the model-file loader)
  sealed   the same, with the payload alone mutated and the header's length and checksum written
           again, so that every case passes the checksum and reaches the size and value checks
           (plain mutations almost never do: one flipped bit fails the checksum)
  counts   kdsl-score --merge-counts on counts lines (the counts reader)
  ppocr    kdsl-ocr --cls-model on a PP-OCR model file (OpenVINO's ONNX reader, the role check);
           slow (a second a run), so not in the default list: `make fuzz` adds it
  train    kdsl-model train on records that carry kdsl-embed's vectors (the embedding reader, the
           mix choice, the label names embedded by the encoder: mutated labels reach it); needs
           the e5 weights (`make deps`), about two runs a second
  e5       kdsl-embed --encoder-model on the e5 weight file: its header, tokenizer, normalisation
           map and tensor directory (the first 4.6 MB) mutated, the tensors' bytes kept; slow (72 MB
           written and read a run), so not in the default list: `make fuzz` adds it

Seeds are made at start from the project's own sample (examples/sample/records.jsonl): a few
records, a rule file mined from them, a model trained on them, their counts. Each execution takes
a seed, applies 1-4 mutations (bit flips, interesting bytes, inserted/deleted/duplicated ranges,
splices with another seed, numbers replaced by extreme ones, truncation) drawn from a seeded
random generator, and runs the target. A finding is an exit by a signal (a crash or a trap), a
run over --timeout seconds (a hang), or an exit status other than 0, 1 or 2; its input is saved
under --out. The run is deterministic for a --seed except for how many executions fit in the time.

Usage: fuzz.py [--seconds S per target] [--seed N] [--targets a,b] [--bin DIR] [--out DIR]
Exits 1 when anything was found, 0 otherwise; prints executions and findings per target.
"""
import argparse, os, random, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INTERESTING_BYTES = [0x00, 0x01, 0x0A, 0x0D, 0x20, 0x22, 0x2C, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F, 0x80, 0xBF, 0xC0,
                     0xE4, 0xF0, 0xF8, 0xFF]
INTERESTING_NUMBERS = [b"0", b"-1", b"-0", b"1e308", b"-1e309", b"4611686018427387904", b"9223372036854775807",
                       b"9223372036854775808", b"18446744073709551616", b"1.5", b"NaN", b"99999999999999999999999",
                       b"2147483648", b"4294967295", b"65536"]


def mutate(rng, data, seeds):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        n = len(data)
        if op == 0 and n:  # flip a bit
            i = rng.randrange(n); data[i] ^= 1 << rng.randrange(8)
        elif op == 1 and n:  # set an interesting byte
            data[rng.randrange(n)] = rng.choice(INTERESTING_BYTES)
        elif op == 2:  # insert random or interesting bytes
            i = rng.randrange(n + 1)
            chunk = bytes(rng.choice(INTERESTING_BYTES) if rng.random() < 0.5 else rng.randrange(256) for _ in range(rng.randint(1, 8)))
            data[i:i] = chunk
        elif op == 3 and n:  # delete a range
            i = rng.randrange(n); del data[i:i + rng.randint(1, 32)]
        elif op == 4 and n:  # duplicate a range
            i = rng.randrange(n); j = min(n, i + rng.randint(1, 64)); data[j:j] = data[i:j]
        elif op == 5:  # splice with another seed
            other = rng.choice(seeds)
            if other:
                i = rng.randrange(len(data) + 1); j = rng.randrange(len(other) + 1)
                data = data[:i] + bytearray(other[j:])
        elif op == 6:  # replace a number by an extreme one
            digits = [k for k in range(n) if 0x30 <= data[k] <= 0x39]
            if digits:
                i = rng.choice(digits); j = i
                while j < n and (0x30 <= data[j] <= 0x39 or data[j] in (0x2E, 0x65, 0x2D)): j += 1
                data[i:j] = rng.choice(INTERESTING_NUMBERS)
        elif op == 7 and n:  # truncate
            del data[rng.randrange(n):]
        elif op == 8 and n > 8:  # overwrite 4 bytes with a little-endian extreme (binary files)
            i = rng.randrange(n - 4)
            data[i:i + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x80", b"\xff\xff\xff\x7f", b"\x00\x00\xc0\x7f", b"\x00\x00\x80\x7f"])
    return bytes(data)


# A crash's message without the runtime's backtrace (faster, and the first line is what matters).
ENV = dict(os.environ, SWIFT_BACKTRACE="enable=no")


MODEL_HEADER = 32
EXTREME_WORDS = [b"\xff\xff\xff\xff", b"\x00\x00\x00\x80", b"\xff\xff\xff\x7f", b"\x00\x00\x01\x00", b"\x00\x00\x00\x00"]


def overwrite_size(rng, data):
    """One 4-byte word overwritten by an extreme, at a position drawn log-uniformly:
    the model file's sizes and settings (feature configuration, head headers) sit near the start
    of the payload and of each head, where uniform positions in a file of floats rarely land."""
    if len(data) < 8:
        return data
    data = bytearray(data)
    # Word-aligned: the numbers are, wherever the strings before them have lengths of 4k.
    i = min(4 * (int((len(data) // 4) ** rng.random()) - 1), len(data) - 4)
    data[i:i + 4] = rng.choice(EXTREME_WORDS)
    return bytes(data)


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def sealed(model_header, payload):
    """A model file with `payload` under the seed's header, its length and checksum written again."""
    return model_header[:16] + len(payload).to_bytes(8, "little") + fnv1a64(payload).to_bytes(8, "little") + payload


# What a run may hold (address space); a loader that believes a size in a damaged file and asks for
# gigabytes fails its allocation and traps, which counts as a finding.
MEMORY_LIMIT = 2 << 30


def limit_memory():
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(cmd, stdin_bytes, timeout, cwd, limit=False):
    try:
        p = subprocess.run(cmd, input=stdin_bytes, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout, cwd=cwd, env=ENV,
                           preexec_fn=limit_memory if limit else None)
    except subprocess.TimeoutExpired:
        return "hang", None
    if p.returncode < 0:
        return f"signal {-p.returncode}", p.stderr
    if p.returncode not in (0, 1, 2):
        return f"exit {p.returncode}", p.stderr
    return None, None


def make_seeds(bin_dir, work):
    k = lambda name: os.path.join(bin_dir, name)
    lines = open(os.path.join(ROOT, "examples/sample/records.jsonl"), "rb").read().splitlines()
    # A few of each task, labelled, plus a record with every text shape.
    picked = [l for l in lines if b'"task":"intent"' in l][:24] + [l for l in lines if b'"task":"scene"' in l][:8]
    records = b"\n".join(picked) + b"\n"
    extra = (b'{"id":"x","task":"scene","dialogue":[{"role":"user","text":"\\u9000\\u6b3e"}],"ocr":{"text":"a\\nb",'
             b'"images":[{"path":"p.jpg","width":100,"height":200,"lines":[{"text":"t","box":[1,2,3,4],"confidence":9}]}]},'
             b'"rules":{"label":"a","id":"r","reward":0.9},"model":{"label":"b","p":0.5},"label":"a"}\n')
    records += extra
    open(os.path.join(work, "records.jsonl"), "wb").write(records)
    subprocess.run([k("kdsl-rules"), "mine", "--quiet", "--iterations", "100", "--out", os.path.join(work, "rules.jsonl"),
                    os.path.join(work, "records.jsonl")], check=True, stderr=subprocess.DEVNULL)
    subprocess.run([k("kdsl-model"), "train", "--no-images", "--epochs", "5", "--views", "user,ocr", "--word-ngrams", "2",
                    "--char-ngrams", "3-4", "--bits", "12", "--out", os.path.join(work, "model.kdsl"),
                    os.path.join(work, "records.jsonl")], check=True, stderr=subprocess.DEVNULL)
    counts = subprocess.run([k("kdsl-score"), "--emit-counts", "--group-field", "task", "--pred-field", "model.label", os.path.join(work, "records.jsonl")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    rules = open(os.path.join(work, "rules.jsonl"), "rb").read()
    model = open(os.path.join(work, "model.kdsl"), "rb").read()
    deps = os.environ.get("KDSL_DEPS", os.path.join(ROOT, ".deps"))
    cls = os.path.join(deps, "ppocr", "ch_ppocr_mobile_v2.0_cls_infer.onnx")
    open(os.path.join(work, "image.jsonl"), "w").write('{"images":["%s"]}\n' % os.path.join(ROOT, "Tests/OCRTests/Fixtures/zh-line.png"))
    e5 = os.environ.get("KDSL_E5_MODEL", os.path.join(deps, "e5", "e5-small-q4.bin"))
    head = e5_head(e5) if os.path.exists(e5) else b""
    # The records with their vectors (and so the labels' names embedded when training on them).
    embedded = subprocess.run([k("kdsl-embed"), "--quiet", "--jobs", "1", "--encoder-model", e5, os.path.join(work, "records.jsonl")],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout if head else b""
    return {
        "train": [embedded, b"\n".join(embedded.splitlines()[:6]) + b"\n"] if embedded else [],
        "e5": [head] if head else [],
        "ppocr": [open(cls, "rb").read()] if os.path.exists(cls) else [],
        "records": [records, extra, picked[0] + b"\n"],
        "apply": [records, extra],
        "rules": [rules, rules.split(b"\n")[0] + b"\n"] if rules else [b'{"id":"r1","label":"a","when":[{"field":"user","contains":"x"}]}\n'],
        "model": [model],
        "sealed": [model[MODEL_HEADER:]],
        "counts": [counts],
    }


def e5_head(path):
    """The e5 weight file up to its first tensor's bytes; its rest is kept in E5_TAIL."""
    import struct
    global E5_TAIL
    data = open(path, "rb").read()
    p = 44
    n = struct.unpack_from("<i", data, p)[0]; p += 20
    blob = struct.unpack_from("<Q", data, p)[0]; p += 8
    p += 4 * (n + 1) + 4 * n + blob
    norm_bytes = struct.unpack_from("<I", data, p + 4)[0]; p += 8 + norm_bytes
    count = struct.unpack_from("<i", data, p)[0]; p += 4
    for _ in range(count):
        p += 2 + struct.unpack_from("<H", data, p)[0] + 1 + 4 + 16
    E5_TAIL = data[p:]
    return data[:p]


E5_TAIL = b""


def command(target, bin_dir, work, case_path, records):
    k = lambda name: os.path.join(bin_dir, name)
    if target == "records":
        return [k("kdsl-merge")], None
    if target == "apply":
        return [k("kdsl-rules"), "apply", "--jobs", "1", "--rules", os.path.join(work, "rules.jsonl")], None
    if target == "rules":
        return [k("kdsl-rules"), "check", case_path], b""
    if target in ("model", "sealed"):
        return [k("kdsl-model"), "predict", "--model", case_path, "--jobs", "1"], records
    if target == "counts":
        return [k("kdsl-score"), "--merge-counts"], None
    if target == "train":
        e5 = os.environ.get("KDSL_E5_MODEL", os.path.join(os.environ.get("KDSL_DEPS", os.path.join(ROOT, ".deps")), "e5", "e5-small-q4.bin"))
        return [k("kdsl-model"), "train", "--quiet", "--no-images", "--epochs", "3", "--bits", "12", "--encoder-model", e5,
                "--out", case_path + ".kdsl"], None
    if target == "e5":
        return [k("kdsl-embed"), "--encoder-model", case_path, "--quiet", "--jobs", "1"], b'{"text":"where is my card?"}\n'
    if target == "ppocr":
        return [k("kdsl-ocr"), "--cls-model", case_path, "--quiet", os.path.join(work, "image.jsonl")], b""
    raise ValueError(target)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60, help="time per target")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--targets", default="records,apply,rules,model,sealed,counts,train")
    ap.add_argument("--bin", default=os.environ.get("KDSL_BIN", os.path.join(ROOT, ".build/release")))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench/out/fuzz"), help="where findings are saved")
    ap.add_argument("--timeout", type=float, default=10, help="seconds after which a run counts as a hang")
    ap.add_argument("--check-harness", action="store_true", help="check that a crash, a hang and a bad exit are caught, then stop")
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)
    if a.check_harness:
        cases = [(["bash", "-c", "kill -ILL $$"], "signal 4"), (["bash", "-c", "sleep 5"], "hang"), (["bash", "-c", "exit 3"], "exit 3"),
                 (["bash", "-c", "exit 2"], None), (["bash", "-c", "cat > /dev/null; exit 1"], None)]
        bad = [(c, want, got) for c, want in cases for got in [run(c, b"x", 1, ROOT)[0]] if got != want]
        for c, want, got in bad: print(f"fuzz harness: {c[-1]!r} gave {got}, expected {want}")
        print("fuzz harness: crash, hang and exit status are told apart" if not bad else "fuzz harness: broken")
        return 1 if bad else 0
    work = tempfile.mkdtemp(prefix="kdsl-fuzz-")
    try:
        seeds = make_seeds(a.bin, work)
        total_found = 0
        print(f"fuzz: seed {a.seed}, {a.seconds:g} s per target, binaries in {a.bin}")
        for target in a.targets.split(","):
            rng = random.Random(f"{a.seed}-{target}")
            pool = seeds[target]
            if not pool:
                print(f"  {target:8s} skipped: no seed (run make deps for the PP-OCR models and the e5 weights)")
                continue
            execs, found = 0, []
            case_path = os.path.join(work, f"case-{target}")
            records = open(os.path.join(work, "records.jsonl"), "rb").read()
            end = time.monotonic() + a.seconds
            while time.monotonic() < end:
                if target == "sealed":
                    # Half the cases change one word of an intact payload, so that the rest still
                    # parses and the file reaches prediction; the others are mutated as usual.
                    seed = rng.choice(pool)
                    data = sealed(seeds["model"][0], overwrite_size(rng, seed) if rng.random() < 0.5 else mutate(rng, seed, pool))
                else:
                    data = mutate(rng, rng.choice(pool), pool)
                cmd, stdin_bytes = command(target, a.bin, work, case_path, records)
                if stdin_bytes is None:
                    stdin_bytes = data
                else:
                    open(case_path, "wb").write(data + (E5_TAIL if target == "e5" else b""))
                problem, err = run(cmd, stdin_bytes, a.timeout, work, limit=target in ("model", "sealed", "train"))
                execs += 1
                if problem:
                    os.makedirs(a.out, exist_ok=True)
                    saved = os.path.join(a.out, f"{target}-{len(found)}.bin")
                    open(saved, "wb").write(data)
                    text = (err or b"").decode("utf-8", "replace").splitlines()
                    why = next((l for l in text if "Fatal error" in l or "Crash" in l), text[-1] if text else "")
                    found.append((problem, saved, why[:300]))
            total_found += len(found)
            print(f"  {target:8s} {execs:6d} executions, {len(found)} findings")
            for problem, saved, err in found[:5]:
                print(f"    {problem}: {saved}\n      {err.strip()}")
        return 1 if total_found else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
