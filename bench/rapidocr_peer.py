"""RapidOCR, the peer kdsl-ocr's PP-OCR engine is checked and measured against, and the agreement
between two OCR outputs. Used by Tests/crosscheck/ppocr.sh, bench/ppocr.bench.sh and
bench/ppocr_cer.py.

  python bench/rapidocr_peer.py run LIST OUT.jsonl
      RapidOCR (rapidocr_onnxruntime, its PP-OCRv4 det + mobile cls + PP-OCRv4 rec ONNX models,
      default settings: det+cls+rec, text_score 0.5) over the image paths in LIST (one a line), in
      this one process, with onnxruntime and OpenCV held to 1 thread. Writes one JSON object per
      image, in LIST's order: {"path", "text", "lines": [{"text", "box", "confidence"}]}; "text" is
      the lines' texts in RapidOCR's reading order joined with "\n" ("" when it finds nothing).
      The model load is part of the run, as it is of a kdsl-ocr run. RAPIDOCR_USE_CLS=0 turns
      RapidOCR's text-direction classifier off (as kdsl-ocr --no-cls), RAPIDOCR_MAX_SIDE=N sets
      its max_side_len (as kdsl-ocr --max-side N).

  python bench/rapidocr_peer.py agree KDSL.jsonl PEER.jsonl [--min M] [--worst K] [--label NAME]
      KDSL.jsonl: kdsl-ocr output, one record per image ({"images": [path]} in); PEER.jsonl: the
      `run` output for the same images in the same order (several files may be given joined by
      commas: the halves of a two-process run). Per image, the character agreement of the whole
      texts, 1 - levenshtein(a, b) / max(len a, len b) (1 when both are empty). Prints the mean,
      the minimum, the share of empty texts on each side and the K worst images with a line diff;
      exits 1 when the mean is below M (default 0: report only).
"""
import difflib
import json
import os
import sys


def rapidocr_engine():
    """A RapidOCR engine with default settings on one intra-op (and inter-op) thread.
    RAPIDOCR_USE_CLS=0 turns its text-direction classifier off (kdsl-ocr --no-cls), for diagnosis;
    RAPIDOCR_MAX_SIDE=N sets its max_side_len (kdsl-ocr --max-side N)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import cv2
    cv2.setNumThreads(1)
    from rapidocr_onnxruntime import RapidOCR
    kw = {} if os.environ.get("RAPIDOCR_USE_CLS", "1") != "0" else {"use_cls": False}
    if os.environ.get("RAPIDOCR_MAX_SIDE"):
        kw["max_side_len"] = int(os.environ["RAPIDOCR_MAX_SIDE"])
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, **kw)


def rapidocr_result(engine, path):
    """{"path", "text", "lines"} for one image; lines in RapidOCR's own (reading) order."""
    result, _ = engine(path)
    lines = []
    for box, text, score in result or []:
        lines.append({"text": text, "box": [[round(float(x), 1), round(float(y), 1)] for x, y in box],
                      "confidence": round(float(score), 4)})
    return {"path": path, "text": "\n".join(l["text"] for l in lines), "lines": lines}


def run(list_path, out_path):
    with open(list_path, encoding="utf-8") as f:
        paths = [l.rstrip("\n") for l in f if l.strip()]
    engine = rapidocr_engine()
    with open(out_path, "w", encoding="utf-8") as out:
        for p in paths:
            out.write(json.dumps(rapidocr_result(engine, p), ensure_ascii=False) + "\n")


def levenshtein(a, b):
    try:
        from rapidfuzz.distance import Levenshtein
        return Levenshtein.distance(a, b)
    except ImportError:  # a small pure-Python fallback (two rows)
        if len(a) < len(b):
            a, b = b, a
        prev = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            cur = [i]
            for j, cb in enumerate(b, 1):
                cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
            prev = cur
        return prev[-1]


def agreement(a, b):
    """1 - levenshtein(a, b) / max(len a, len b); 1 when both are empty."""
    n = max(len(a), len(b))
    return 1.0 if n == 0 else 1.0 - levenshtein(a, b) / n


def kdsl_texts(path):
    """(image path, text) per record of a kdsl-ocr output; an image with an error has text None."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            img = (rec.get("ocr") or {}).get("images") or [{}]
            img = img[0]
            out.append((img.get("path"), None if "error" in img else img.get("text", "")))
    return out


def peer_texts(paths):
    out = []
    for p in paths.split(","):
        with open(p, encoding="utf-8") as f:
            out.extend((r["path"], r["text"]) for r in map(json.loads, f))
    return out


def short(s, width=60):
    s = s.replace("\t", " ")
    return s if len(s) <= width else s[:width - 1] + "…"


def diff_view(peer, kdsl, limit=10):
    """The differing lines of the two texts, `- peer` / `+ kdsl`, at most `limit` of them."""
    a, b = peer.split("\n") if peer else [], kdsl.split("\n") if kdsl else []
    ops = [o for o in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if o[0] != "equal"]
    gone = [x for _, i1, i2, _, _ in ops for x in a[i1:i2]]
    came = [x for _, _, _, j1, j2 in ops for x in b[j1:j2]]
    # A line removed in one place and added in another is the same line read in another order.
    moved = set(gone) & set(came)
    rows = []
    for op, i1, i2, j1, j2 in ops:
        rows += [f"      - {short(x)}" for x in a[i1:i2] if x not in moved]
        rows += [f"      + {short(x)}" for x in b[j1:j2] if x not in moved]
        rows += [f"      ~ {short(x)}   (same line, other place in the order)" for x in b[j1:j2] if x in moved]
    more = len(rows) - limit
    return rows[:limit] + ([f"      ... {more} more differing lines"] if more > 0 else [])


def agree(kdsl_path, peer_paths, minimum=0.0, worst=3, label="kdsl-ocr"):
    k, p = kdsl_texts(kdsl_path), peer_texts(peer_paths)
    if len(k) != len(p):
        print(f"agree: {len(k)} kdsl-ocr records but {len(p)} RapidOCR results", file=sys.stderr)
        return 2
    rows = []
    for (kp, kt), (pp, pt) in zip(k, p):
        if kp is not None and os.path.abspath(kp) != os.path.abspath(pp):
            print(f"agree: image order differs: {kp} vs {pp}", file=sys.stderr)
            return 2
        rows.append((agreement(pt, kt or ""), pp, pt, kt))
    scores = [r[0] for r in rows]
    mean = sum(scores) / len(scores)
    errors = sum(1 for r in rows if r[3] is None)
    empty_k = sum(1 for r in rows if not r[3])
    empty_p = sum(1 for r in rows if not r[2])
    print(f"character agreement {label} vs RapidOCR over {len(rows)} images: mean {mean:.4f}, min {min(scores):.4f}; "
          f"images at 1.0: {sum(1 for s in scores if s == 1.0)}; empty text: {label} {empty_k}, RapidOCR {empty_p}"
          + (f"; {label} errors: {errors}" if errors else ""))
    for s, path, pt, kt in sorted(rows, key=lambda r: (r[0], -max(len(r[2]), len(r[3] or "")), r[1]))[:worst]:
        kt = kt or ""
        print(f"  {s:.4f} {os.path.basename(path)}: RapidOCR {len(pt.splitlines())} lines / {len(pt)} chars, "
              f"{label} {len(kt.splitlines())} lines / {len(kt)} chars")
        print("\n".join(diff_view(pt, kt)))
    return 0 if mean >= minimum else 1


def main(argv):
    if len(argv) >= 3 and argv[0] == "run":
        run(argv[1], argv[2])
        return 0
    if len(argv) >= 3 and argv[0] == "agree":
        opts = dict(zip(argv[3::2], argv[4::2]))
        return agree(argv[1], argv[2], float(opts.get("--min", 0)), int(opts.get("--worst", 3)),
                     opts.get("--label", "kdsl-ocr"))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
