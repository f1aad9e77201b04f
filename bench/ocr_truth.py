"""The OCR ground truth the CER benchmarks score against (bench/ocr_cer.py, bench/ppocr_cer.py), read
from DATA (../shared/data): the tesseract-test pages with their exact transcriptions, and SROIE
receipts whole, their reference text being the line transcriptions in file order."""
import os


def pages(data):
    """(image path, text) of each tesseract-test page."""
    d = os.path.join(data, "ocr/tesseract-test")
    for name in sorted(os.listdir(d)):
        if name.endswith(".tif"):
            with open(os.path.join(d, name[:-4] + ".txt"), encoding="utf-8") as f:
                yield os.path.join(d, name), f.read()


def receipts(data, count):
    """(image path, text) of the first `count` SROIE receipts (box/NNN.csv: 8 coordinates, then the text)."""
    box_dir = os.path.join(data, "ocr/sroie/box")
    for name in sorted(os.listdir(box_dir))[:count]:
        with open(os.path.join(box_dir, name), encoding="utf-8", errors="replace") as f:
            text = "\n".join(row.rstrip("\n").split(",", 8)[8] for row in f if row.count(",") >= 8)
        yield os.path.join(data, "ocr/sroie/img", name[:-4] + ".jpg"), text
