"""Peers for kdsl-model on the English few-shot intent sets: fastText (fasttext-wheel) and
scikit-learn (TF-IDF + LogisticRegression). Usage: peers.py TRAIN.jsonl VALID.jsonl
Prints one line per peer: name, weighted F1 on VALID, train seconds, predict seconds
(in-process, data already in memory; fastText trains from a file in its own format)."""
import json, sys, time, tempfile, os, re
import numpy as np
from sklearn.metrics import f1_score

train = [json.loads(l) for l in open(sys.argv[1])]
valid = [json.loads(l) for l in open(sys.argv[2])]
Xtr = [r["text"] for r in train]; ytr = [r["label"] for r in train]
Xva = [r["text"] for r in valid]; yva = [r["label"] for r in valid]

def report(name, pred, t_train, t_pred):
    print(f"{name}\t{f1_score(yva, pred, average='weighted', zero_division=0):.4f}\t{t_train:.3f}\t{t_pred:.3f}")

# fastText: supervised, its defaults, and a few-shot setting (more epochs, bigrams, subwords).
import fasttext
fasttext.FastText.eprint = lambda *a, **k: None
def ft_line(text): return re.sub(r"\s+", " ", text.lower()).strip()
with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    for x, y in zip(Xtr, ytr): f.write(f"__label__{y.replace(' ', '_')} {ft_line(x)}\n")
    path = f.name
for name, kw in [("fasttext-default", {}),
                 ("fasttext-tuned", dict(epoch=100, lr=1.0, wordNgrams=2, minn=3, maxn=5, dim=100))]:
    t = time.perf_counter(); m = fasttext.train_supervised(path, thread=1, seed=1, verbose=0, **kw); t_train = time.perf_counter() - t
    t = time.perf_counter(); labels, _ = m.predict([ft_line(x) for x in Xva]); t_pred = time.perf_counter() - t
    label_map = {y.replace(' ', '_'): y for y in ytr}
    report(name, [label_map[l[0][len("__label__"):]] for l in labels], t_train, t_pred)
os.unlink(path)

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union
for name, vec in [("sklearn-tfidf-word12", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                  ("sklearn-tfidf-word12+char_wb2-5", make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                      TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)))]:
    clf = make_pipeline(vec, LogisticRegression(C=10, max_iter=2000))
    t = time.perf_counter(); clf.fit(Xtr, ytr); t_train = time.perf_counter() - t
    t = time.perf_counter(); pred = clf.predict(Xva); t_pred = time.perf_counter() - t
    report(name, pred, t_train, t_pred)
