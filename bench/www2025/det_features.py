"""The PP-OCRv4 detector's pooled image features per record, for measuring them in kdsl-model's
late fusion (docs/benchmarks.md, "The detector's image features"). Not part of the product.

Runs the det model kdsl-ocr runs (.deps/ppocr/ch_PP-OCRv4_det_infer.onnx) with onnxruntime, its
neck output (tensor p2o.Concat.1, 96 channels at a quarter of the input's size) added as a graph
output, on kdsl-ocr's input size (longer side at most 2000, shorter side at least 736, sides
multiples of 32, at most 736 x 2400 pixels). Per image: the neck's channel means and maxima, the
channel means over a 4 x 2 grid, and the text probability's mean over the same grid (968
numbers); a record's images averaged and the vector scaled to unit length. Written in
kdsl-embed's form under DETFIELD, so that `kdsl-model --embedding-field DETFIELD` reads it as
a head of its own.

Usage: PY=$(bash bench/venv.sh onnx onnxruntime numpy pillow)
       $PY bench/www2025/det_features.py RECORDS.jsonl IMAGE_ROOT [DETFIELD] > OUT.jsonl
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
model_path = os.environ.get("KDSL_PPOCR_MODELS", os.path.join(here, "..", "..", ".deps", "ppocr"))
records, root = sys.argv[1], sys.argv[2]
field = sys.argv[3] if len(sys.argv) > 3 else "detfeat"

model = onnx.load(os.path.join(model_path, "ch_PP-OCRv4_det_infer.onnx"))
model.graph.output.append(onnx.helper.make_tensor_value_info("p2o.Concat.1", onnx.TensorProto.FLOAT, None))
options = ort.SessionOptions()
options.intra_op_num_threads = 1
options.inter_op_num_threads = 1
detector = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
input_name = detector.get_inputs()[0].name


def multiple_of_32(n):
    return max(32, int(round(n / 32)) * 32)


def grid_means(a, rows, cols):
    """a: C x H x W; the channel means of each cell of a rows x cols grid, cell by cell."""
    _, h, w = a.shape
    cells = []
    for i in range(rows):
        for j in range(cols):
            y0, x0 = i * h // rows, j * w // cols
            y1, x1 = max((i + 1) * h // rows, y0 + 1), max((j + 1) * w // cols, x0 + 1)
            cells.append(a[:, y0:y1, x0:x1].mean(axis=(1, 2)))
    return np.concatenate(cells)


def features(path):
    image = Image.open(path).convert("RGB")
    w, h = image.size
    if max(w, h) > 2000:
        r = 2000 / max(w, h)
        w, h = int(w * r), int(h * r)
    r = 736 / min(w, h) if min(w, h) < 736 else 1.0
    W, H = multiple_of_32(w * r), multiple_of_32(h * r)
    if W * H > 736 * 2400:
        k = (736 * 2400 / (W * H)) ** 0.5
        W, H = multiple_of_32(W * k), multiple_of_32(H * k)
    x = np.asarray(image.resize((W, H), Image.BILINEAR), dtype=np.float32) / 127.5 - 1
    prob, neck = detector.run(["sigmoid_0.tmp_0", "p2o.Concat.1"], {input_name: x.transpose(2, 0, 1)[None]})
    n, p = neck[0], prob[0]
    return np.concatenate([n.mean(axis=(1, 2)), n.max(axis=(1, 2)), grid_means(n, 4, 2), grid_means(p, 4, 2)])


for line in open(records, encoding="utf-8"):
    record = json.loads(line)
    vectors = []
    for p in record.get("images") or []:
        try:
            vectors.append(features(os.path.join(root, p)))
        except Exception as e:  # an unreadable image: the record keeps no vector, as kdsl-model reads it
            print(f"det_features.py: {p}: {e}", file=sys.stderr)
    if vectors:
        v = np.mean(vectors, axis=0)
        v = v / (np.linalg.norm(v) + 1e-12)
        record[field] = {"encoder": "ppocr-det-neck", "ocr": [float(f"{t:.6g}") for t in v]}
    print(json.dumps(record, ensure_ascii=False))
