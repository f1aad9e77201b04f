"""Character error rate against exact transcriptions of kdsl-ocr's PP-OCR engine, next to its
Tesseract engine and to RapidOCR (the same PP-OCRv4 models on onnxruntime).

Usage: python bench/ppocr_cer.py KDSL_OCR DATA_DIR OUT_DIR [RECEIPTS]

Sets, as bench/ocr_cer.py has them: the tesseract-test pages (4 pages, exact transcriptions,
Apache-2.0) and the first RECEIPTS (default all 80) SROIE receipts whole, whose reference is their
line transcriptions in file order (top to bottom) joined with "\n" (CC-BY-4.0). Every engine reads
the whole image and gives its text in its reading order. Engines: kdsl-ocr --engine ppocr;
kdsl-ocr --engine tesseract --lang eng (both sets are English; psm 3, its default);
RapidOCR with default settings (two processes of one thread, bench/rapidocr_peer.py).
CER = total Levenshtein edits / total reference characters after collapsing whitespace runs to one
space (ocr_cer.py's method: layout spaces are not what the rules and models read); CER^ also folds
case (SROIE transcribes everything in capitals); "CER^ no spaces" also drops all whitespace (a
recogniser that merges or splits words then pays nothing for it); "order-free^" is a lower bound of
the latter that ignores the order of the characters (max of the characters missing and the
characters extra, as multisets): PP-OCR orders lines top to bottom across columns, so on the
two-column tesseract-test pages its CER in reading order measures the layout more than the
recognition, and this column separates the two. Prints a markdown table; writes the texts and the
figures under OUT_DIR.
"""
import json
import os
import re
import subprocess
import sys
from collections import Counter

from rapidfuzz.distance import Levenshtein

import ocr_truth  # bench/ocr_truth.py, beside this script

here = os.path.dirname(os.path.abspath(__file__))
kdsl, data, out = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3]
receipts = int(sys.argv[4]) if len(sys.argv) > 4 else 80
os.makedirs(out, exist_ok=True)


def kdsl_texts(paths, *flags):
    records = "".join(json.dumps({"images": [p]}) + "\n" for p in paths)
    r = subprocess.run([kdsl, *flags, "--jobs", "2", "--quiet"], input=records.encode(), capture_output=True,
                       env=dict(os.environ, OMP_THREAD_LIMIT="1"))
    if r.returncode not in (0, 1):
        sys.exit(f"ppocr_cer: {kdsl} {' '.join(flags)} exited {r.returncode}: {r.stderr.decode()[-500:]}")
    texts = [json.loads(l)["ocr"]["images"][0].get("text", "") for l in r.stdout.decode().splitlines()]
    assert len(texts) == len(paths), (len(texts), len(paths))
    return texts


def rapidocr_texts(paths, tag):
    half = (len(paths) + 1) // 2
    procs, outs = [], []
    for i, part in enumerate((paths[:half], paths[half:])):
        lst, res = os.path.join(out, f"{tag}.rapidocr.{i}.txt"), os.path.join(out, f"{tag}.rapidocr.{i}.jsonl")
        with open(lst, "w", encoding="utf-8") as f:
            f.write("".join(p + "\n" for p in part))
        procs.append(subprocess.Popen([sys.executable, os.path.join(here, "rapidocr_peer.py"), "run", lst, res]))
        outs.append(res)
    for p in procs:
        if p.wait() != 0:
            sys.exit("ppocr_cer: RapidOCR failed")
    texts = []
    for res in outs:
        with open(res, encoding="utf-8") as f:
            texts += [json.loads(l)["text"] for l in f]
    return texts


def norm(s):
    return re.sub(r"\s+", " ", s).strip()


def bag_distance(h, r):
    """max(characters of r missing from h, characters of h not in r), as multisets: a lower bound
    of levenshtein(h, r) that does not depend on the order of the lines."""
    a, b = Counter(h), Counter(r)
    return max(sum((b - a).values()), sum((a - b).values()))


def nospace_upper(s):
    return re.sub(r"\s+", "", s).upper()


# name: (text transform, distance)
MEASURES = {"CER": (norm, Levenshtein.distance), "CER^": (lambda s: norm(s).upper(), Levenshtein.distance),
            "CER^ no spaces": (nospace_upper, Levenshtein.distance), "order-free^": (nospace_upper, bag_distance)}


def cer(hyps, refs, measure):
    f, dist = MEASURES[measure]
    edits = sum(dist(f(h), f(r)) for h, r in zip(hyps, refs))
    return edits / max(1, sum(len(f(r)) for r in refs))


engines = [("kdsl-ocr ppocr", lambda paths, tag: kdsl_texts(paths, "--engine", "ppocr")),
           ("RapidOCR", rapidocr_texts),
           ("kdsl-ocr tesseract eng", lambda paths, tag: kdsl_texts(paths, "--engine", "tesseract", "--lang", "eng"))]
sets = [("tesseract-test pages", "pages", list(ocr_truth.pages(data))), (f"SROIE receipts, whole", "sroie", list(ocr_truth.receipts(data, receipts)))]
print("| set | images | engine | CER | CER^ | CER^ no spaces | order-free^ | empty texts |")
print("|---|---|---|---|---|---|---|---|")
results = {}
for set_name, tag, items in sets:
    paths, refs = [p for p, _ in items], [r for _, r in items]
    for engine, texts_of in engines:
        hyps = texts_of(paths, tag)
        with open(os.path.join(out, f"{tag}.{engine.replace(' ', '-')}.texts.json"), "w", encoding="utf-8") as f:
            json.dump([{"path": p, "text": h} for p, h in zip(paths, hyps)], f, ensure_ascii=False, indent=0)
        row = {k: cer(hyps, refs, k) for k in MEASURES}
        row["empty"] = sum(1 for h in hyps if not h.strip())
        print(f"| {set_name} | {len(paths)} | {engine} | " + " | ".join(f"{row[k]:.4f}" for k in MEASURES)
              + f" | {row['empty']} |", flush=True)
        results[f"{set_name}/{engine}"] = row
with open(os.path.join(out, "cer.json"), "w") as f:
    json.dump(results, f, indent=1, sort_keys=True)
