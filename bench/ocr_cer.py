"""Character error rate of kdsl-ocr against the tesseract command line, same engine settings.

Usage: python bench/ocr_cer.py KDSL_OCR DATA_DIR OUT_DIR [RECEIPTS]

Sets: tesseract-test pages (4 pages, exact transcriptions, Apache-2.0); the first RECEIPTS SROIE
receipts whole (reference: their line transcriptions in file order, top to bottom), the nearest
thing to a full screenshot with a ground truth; and those receipts' lines cropped by their boxes
(SROIE is CC-BY-4.0). Each variant is a (psm,
prepare) pair; the CLI is run with the same --psm and language. CER = total Levenshtein edits /
total reference characters, after collapsing whitespace runs to one space (layout spaces are not
what the rules and models read). Prints a markdown table; writes raw outputs under OUT_DIR.
"""
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from PIL import Image
from rapidfuzz.distance import Levenshtein

import ocr_truth  # bench/ocr_truth.py, beside this script

kdsl, data, out = sys.argv[1], sys.argv[2], sys.argv[3]
receipts = int(sys.argv[4]) if len(sys.argv) > 4 else 8
os.makedirs(out, exist_ok=True)
env = dict(os.environ, OMP_THREAD_LIMIT="1")


def norm(s):
    return re.sub(r"\s+", " ", s).strip()


def lines():
    crops = os.path.join(out, "sroie-lines")
    os.makedirs(crops, exist_ok=True)
    box_dir = os.path.join(data, "ocr/sroie/box")
    for name in sorted(os.listdir(box_dir))[:receipts]:
        img = Image.open(os.path.join(data, "ocr/sroie/img", name[:-4] + ".jpg")).convert("RGB")
        with open(os.path.join(box_dir, name), encoding="utf-8", errors="replace") as f:
            for i, row in enumerate(f):
                parts = row.rstrip("\n").split(",", 8)
                if len(parts) < 9 or not parts[8].strip():
                    continue
                xs, ys = [int(v) for v in parts[0:8:2]], [int(v) for v in parts[1:8:2]]
                pad = 3
                box = (max(min(xs) - pad, 0), max(min(ys) - pad, 0), min(max(xs) + pad, img.width), min(max(ys) + pad, img.height))
                if box[2] - box[0] < 4 or box[3] - box[1] < 4:
                    continue
                path = os.path.join(crops, f"{name[:-4]}-{i:03d}.png")
                if not os.path.exists(path):
                    img.crop(box).save(path)
                yield path, parts[8]


def kdsl_texts(paths, lang, psm, prepare):
    records = "".join(json.dumps({"images": [p]}) + "\n" for p in paths)
    r = subprocess.run([kdsl, "--engine", "tesseract", "--lang", lang, "--psm", str(psm), "--prepare", prepare, "--jobs", "2"],
                       input=records.encode(), capture_output=True, env=env)
    return [json.loads(l)["ocr"]["images"][0]["text"] for l in r.stdout.decode().splitlines()]


def cli_texts(paths, lang, psm):
    def one(p):
        r = subprocess.run(["tesseract", p, "-", "-l", lang, "--psm", str(psm)], capture_output=True, env=env)
        return r.stdout.decode()
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, paths))


def cer(hyps, refs, fold=False):
    f = (lambda s: norm(s).upper()) if fold else norm
    edits = sum(Levenshtein.distance(f(h), f(r)) for h, r in zip(hyps, refs))
    return edits / max(1, sum(len(f(r)) for r in refs))


sets = {"tesseract-test pages": list(ocr_truth.pages(data)), f"SROIE receipts, whole": list(ocr_truth.receipts(data, receipts)),
        f"SROIE lines ({receipts} receipts)": list(lines())}
variants = [(3, "none"), (4, "none"), (6, "none"), (7, "none"), (3, "gray"), (3, "upscale"), (7, "upscale")]
# SROIE transcribes everything in capitals: its CER is also given case-folded (CER^).
print("| set | images | psm | prepare | CER kdsl-ocr | CER tesseract CLI | CER^ kdsl-ocr | CER^ CLI |")
print("|---|---|---|---|---|---|---|---|")
results = {}
for set_name, items in sets.items():
    paths, refs = [p for p, _ in items], [r for _, r in items]
    for psm, prepare in variants:
        if not set_name.startswith("SROIE lines") and psm == 7:
            continue  # psm 7 reads one line: meaningless on a page
        if set_name.startswith("SROIE lines") and psm == 4:
            continue  # psm 4 (one column) is a page mode
        k = kdsl_texts(paths, "eng", psm, prepare)
        c = cli_texts(paths, "eng", psm) if prepare == "none" else None
        fmt = lambda x: "(n/a)" if x is None else f"{x:.4f}"
        row = [cer(k, refs), cer(c, refs) if c else None, cer(k, refs, True), cer(c, refs, True) if c else None]
        print(f"| {set_name} | {len(paths)} | {psm} | {prepare} | " + " | ".join(map(fmt, row)) + " |", flush=True)
        results[f"{set_name}/psm{psm}/{prepare}"] = row
with open(os.path.join(out, "cer.json"), "w") as f:
    json.dump(results, f, indent=1, sort_keys=True)
