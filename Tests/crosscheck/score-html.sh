#!/usr/bin/env bash
# Cross-check: kdsl-score's HTML report as a real browser renders it (Debian's chromium, headless).
#  - Records: the bundled sample (examples/sample) with its labels renamed to Chinese ones (one
#    holding `&` and `<b>`, which must show as text), through the real stages: kdsl-rules mine and
#    kdsl-model train on its train split, apply and predict on its test split (no OCR, to stay
#    quick: the report needs real predictions, not good ones), kdsl-merge with the model alone and
#    with the rules' override: two prediction files, compared with `--format html --compare`.
#  - The page is the same bytes on a second run.
#  - The DOM chromium builds (--dump-dom) holds what kdsl-score's JSON report says: one ablation
#    row per file with its weighted F1, each scope's class rows with their F1, and per group a
#    heatmap whose cells are the confusion matrix, count by count, with its row and column labels.
#  - The screenshot is a PNG of the window's size that is not blank: many colours, text, and the
#    heatmap's blues; and CJK text renders as glyphs, not as missing-glyph boxes.
#  - Each check is shown to fail on a page that lacks what it looks for (a blank page, a DOM with a
#    heatmap cell removed, characters no font has).
# Installs chromium and fonts-noto-cjk when missing. Binaries: $KDSL_BIN, default .build/debug.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=$(cd "${KDSL_BIN:-.build/debug}" && pwd)
for s in rules model merge score; do
  [ -x "$bin/kdsl-$s" ] || { echo "score-html.sh: $bin/kdsl-$s missing (swift build first)" >&2; exit 2; }
done
export PATH="$bin:$PATH" OMP_THREAD_LIMIT=1
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "score-html.sh: installing ${missing[*]}" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# 1. Real predictions with Chinese labels.
jq -c --argjson zh '{"Refund_not_showing_up": "退款未到账", "card_arrival": "卡片何时寄到",
  "cash_withdrawal_charge": "取现手续费", "exchange_rate": "汇率 & <b>换算</b>",
  "lost_or_stolen_card": "卡片丢失或被盗", "pin_blocked": "密码被锁", "top_up_failed": "充值失败",
  "transfer_timing": "转账到账时间", "document": "文档页面", "receipt": "收据/小票"}' \
  '.label = ($zh[.label] // error("no Chinese name for \(.label)"))' "$root/examples/sample/records.jsonl" > records.jsonl
jq -c 'select(.split == "train")' records.jsonl > train.jsonl
jq -c 'select(.split == "test")' records.jsonl > test.jsonl
kdsl-rules mine --seed 1 --quiet train.jsonl > rules.jsonl
kdsl-model train --seed 1 --image-root "$root/examples/sample" --out model.kdsl train.jsonl 2> train.log \
  || { cat train.log >&2; exit 1; }
kdsl-rules apply --rules rules.jsonl test.jsonl | kdsl-model predict --model model.kdsl --image-root "$root/examples/sample" > verdicts.jsonl
kdsl-merge --policy model < verdicts.jsonl > model.jsonl
kdsl-merge --policy override < verdicts.jsonl > kdsl.jsonl
for f in model kdsl; do kdsl-score --format json --confusion --group-field task "$f.jsonl" > "$f.json"; done

# 2. The page, twice.
kdsl-score --format html --compare --group-field task model.jsonl kdsl.jsonl > report.html
kdsl-score --format html --compare --group-field task model.jsonl kdsl.jsonl | cmp -s - report.html \
  || { echo "score-html.sh: FAIL: a second run wrote other bytes" >&2; exit 1; }

# 3. The browser: the DOM and a screenshot of the page; pages for the glyph check and a blank one.
W=1280 H=2400
chrome() {
  timeout -s KILL 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --force-device-scale-factor=1 --user-data-dir="$work/profile" "$@" 2>> chromium.log \
    || { echo "score-html.sh: chromium failed ($*):" >&2; tail -20 chromium.log >&2; exit 1; }
}
chrome --dump-dom "file://$work/report.html" > dom.html
chrome --screenshot="$work/report.png" --window-size=$W,$H "file://$work/report.html"
printf '<!DOCTYPE html>\n<meta charset="utf-8"><title>blank</title>\n' > blank.html
chrome --screenshot="$work/blank.png" --window-size=$W,$H "file://$work/blank.html"
# Glyphs: two Chinese strings in the report's font list must draw differently; two strings of
# private-use characters (no font has them) draw the same missing-glyph boxes.
font=$(sed -n 's/^body { font-family: \(.*\); margin.*/\1/p' report.html)
[ -n "$font" ] || { echo "score-html.sh: FAIL: no body font-family in the page" >&2; exit 1; }
for t in 退款未到账:zh1 收据小票页:zh2 $'\uE000\uE001\uE002\uE003\uE004':pua1 $'\uE005\uE006\uE007\uE008\uE009':pua2; do
  printf '<!DOCTYPE html>\n<meta charset="utf-8"><style>body { margin: 0; font-family: %s; font-size: 64px; }</style>\n<body>%s</body>\n' "$font" "${t%%:*}" > "${t##*:}.html"
  # (headless chromium draws nothing in a window much smaller than this)
  chrome --screenshot="$work/${t##*:}.png" --window-size=800,200 "file://$work/${t##*:}.html"
done
# A DOM with one heatmap cell taken out, for the DOM check to reject.
python3 - dom.html dom-broken.html <<'PYEOF'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
start = text.index('<rect class="cell')
end = text.index("</rect>", start) + len("</rect>")
open(sys.argv[2], "w", encoding="utf-8").write(text[:start] + text[end:])
PYEOF

python3 - "$W" "$H" <<'PYEOF'
import json, struct, sys, zlib
from html.parser import HTMLParser

W, H = int(sys.argv[1]), int(sys.argv[2])
runs = ["model.jsonl", "kdsl.jsonl"]
reports = [json.load(open(r.replace(".jsonl", ".json"), encoding="utf-8")) for r in runs]

class Page(HTMLParser):
    """The elements the checks need, with their text (a <title> child's text kept apart)."""
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.found, self.tags = [], [], set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        node = {"tag": tag, "class": a.get("class", "").split(), "text": "", "title": "", "parent": self.stack[-1] if self.stack else None, "children": []}
        if node["parent"] is not None:
            node["parent"]["children"].append(node)
        self.tags.add(tag)
        self.found.append(node)
        if tag not in ("meta", "br", "link", "img", "input", "hr"):
            self.stack.append(node)
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1]["tag"] == tag:
            self.stack.pop()
    def handle_endtag(self, tag):
        if any(n["tag"] == tag for n in self.stack):
            while self.stack.pop()["tag"] != tag:
                pass
    def handle_data(self, data):
        for node in reversed(self.stack):
            if node["tag"] == "title" and node["parent"] is not None:
                node["parent"]["title"] += data
                return
        for node in self.stack:
            node["text"] += data

def cells(row):
    return [c["text"] for c in row["children"] if c["tag"] in ("td", "th")]

def close(shown, value):
    return abs(float(shown) - value) <= 0.00005 + 1e-12

def check_dom(path):
    """The problems found in the DOM at `path` (empty: it shows what the JSON reports say)."""
    page = Page()
    page.feed(open(path, encoding="utf-8").read())
    bad = []
    nodes = page.found
    if "b" in page.tags:
        bad.append("a label's <b> became an element: not escaped")
    ablation = [n for n in nodes if n["tag"] == "tr" and "run" in n["class"]]
    if [cells(r)[0] for r in ablation] != runs:
        bad.append(f"ablation rows {[cells(r)[0] for r in ablation]} != {runs}")
    else:
        for row, rep in zip(ablation, reports):
            c = cells(row)
            if c[1] != str(rep["overall"]["support"]) or not close(c[-2], rep["challenge_score"]):
                bad.append(f"ablation row {c} does not say support {rep['overall']['support']}, weighted F1 {rep['challenge_score']}")
    # The score tables in page order: per run, all records then each group.
    tables = [n for n in nodes if n["tag"] == "table" and "scores" in n["class"]]
    scopes = [s for rep in reports for s in [rep["overall"]] + [rep["groups"][g] for g in sorted(rep["groups"], key=lambda g: g.encode())]]
    if len(tables) != len(scopes):
        bad.append(f"{len(tables)} score tables, expected {len(scopes)}")
    for t, s in zip(tables, scopes):
        rows = [n for n in nodes if n["tag"] == "tr" and "class" in n["class"] and n["parent"]["parent"] is t]
        want = sorted(s["classes"], key=lambda l: l.encode())
        got = [cells(r)[0] for r in rows]
        if got != want:
            bad.append(f"class rows {got} != {want}")
            continue
        for r, label in zip(rows, want):
            if not close(cells(r)[3], s["classes"][label]["f1"]):
                bad.append(f"{label}: f1 {cells(r)[3]} != {s['classes'][label]['f1']}")
    # The heatmaps: one per group (every record has a task), cell by cell.
    svgs = [n for n in nodes if n["tag"] == "svg" and "heatmap" in n["class"]]
    groups = [rep["groups"][g] for rep in reports for g in sorted(rep["groups"], key=lambda g: g.encode())]
    if len(svgs) != len(groups):
        bad.append(f"{len(svgs)} heatmaps, expected {len(groups)}")
    for svg, g in zip(svgs, groups):
        m = g["confusion"]
        kids = svg["children"]
        rects = [k for k in kids if k["tag"] == "rect" and "cell" in k["class"]]
        counts = [k["text"] for k in kids if k["tag"] == "text" and "count" in k["class"]]
        want = [str(v) for i, row in enumerate(m["matrix"]) for v in row + [m["no_prediction"][i]]]
        if len(rects) != len(want) or counts != want:
            bad.append(f"heatmap of {m['labels']}: {len(rects)} cells, counts {counts} != {want}")
        rowl = [k["text"] for k in kids if k["tag"] == "text" and "row" in k["class"]]
        coll = [k["text"] for k in kids if k["tag"] == "text" and "col" in k["class"]]
        if rowl != m["labels"] or coll != m["labels"] + ["(none)"]:
            bad.append(f"heatmap labels {rowl} / {coll} != {m['labels']}")
    return bad

def pixels(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]:
            raise ValueError(f"CRC mismatch in {kind}")
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, colour, _, _, interlace = ihdr
    if depth != 8 or colour not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth}, colour type {colour}, interlace {interlace}")
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[i:i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return w, h, rows

def check_png(path):
    """The problems found in the screenshot at `path` (empty: a rendered report)."""
    try:
        w, h, rows = pixels(path)
    except Exception as e:
        return [f"{path}: {e}"]
    if (w, h) != (W, H):
        return [f"{path}: {w}x{h}, expected {W}x{H}"]
    flat = [p for row in rows for p in row]
    colours = len(set(flat))
    ink = sum(1 for r, g, b in flat if r + g + b < 600)
    dark = sum(1 for r, g, b in flat if r + g + b < 200)
    blue = sum(1 for r, g, b in flat if b > 100 and b - r > 80)
    bad = []
    if colours < 50: bad.append(f"{path}: {colours} distinct colours: blank or flat")
    if not 0.01 < ink / len(flat) < 0.6: bad.append(f"{path}: {ink / len(flat):.4f} of the pixels are ink")
    if dark < 2000: bad.append(f"{path}: {dark} dark pixels: no text")
    if blue < 2000: bad.append(f"{path}: {blue} blue pixels: no heatmap")
    return bad

def glyphs_differ(a, b):
    """Whether two renders of text differ; each must have drawn something."""
    pa, pb = pixels(a)[2], pixels(b)[2]
    for path, rows in ((a, pa), (b, pb)):
        if sum(1 for row in rows for r, g, b in row if r + g + b < 300) < 200:
            raise ValueError(f"{path}: no text drawn")
    return pa != pb

failures = check_dom("dom.html") + check_png("report.png")
if not glyphs_differ("zh1.png", "zh2.png"):
    failures.append("two Chinese strings render the same pixels: missing-glyph boxes, no CJK font")
# The checks can fail: each must reject what lacks what it looks for.
if not check_dom("dom-broken.html"): failures.append("the DOM check accepts a heatmap with a cell missing")
if not check_png("blank.png"): failures.append("the screenshot check accepts a blank page")
if glyphs_differ("pua1.png", "pua2.png"): failures.append("the glyph check tells missing-glyph boxes apart")
if failures:
    print("score-html.sh: FAIL:", *failures, sep="\n  ", file=sys.stderr)
    sys.exit(1)
cells_total = sum(len(g["confusion"]["labels"]) * (len(g["confusion"]["labels"]) + 1) for rep in reports for g in rep["groups"].values())
print(f"score-html.sh: chromium renders the report of {len(runs)} runs: ablation rows, class rows and {cells_total} heatmap cells as the JSON report says, a {W}x{H} screenshot with text and heatmaps, CJK glyphs; the checks reject a blank page, a missing cell and missing glyphs")
PYEOF
