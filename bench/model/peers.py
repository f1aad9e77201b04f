"""Peers for kdsl-model on the English few-shot intent sets: fastText (fasttext-wheel) and
scikit-learn (TF-IDF + LogisticRegression). Usage: peers.py TRAIN.jsonl VALID.jsonl
Prints one line per peer: name, weighted F1 on VALID, train seconds, predict seconds
(in-process, data already in memory; fastText trains from a file in its own format)."""
import json, sys, time, tempfile, os, re
import numpy as np
from sklearn.metrics import f1_score

scaled = sys.argv[1] == "--scaled"
if scaled: sys.argv.pop(1)
train = [json.loads(l) for l in open(sys.argv[1])]
valid = [json.loads(l) for l in open(sys.argv[2])]
Xtr = [r["text"] for r in train]; ytr = [r["label"] for r in train]
Xva = [r["text"] for r in valid]; yva = [r["label"] for r in valid]

def report(name, pred, t_train, t_pred):
    print(f"{name}\t{f1_score(yva, pred, average='weighted', zero_division=0):.4f}\t{t_train:.3f}\t{t_pred:.3f}")

if scaled:
    # Large-scale mode: train on the scaled set (5 epochs), F1 on valid, time predicting sys.argv[3].
    big = [json.loads(l)["text"] for l in open(sys.argv[3])]
    import fasttext
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        for x, y in zip(Xtr, ytr): f.write("__label__" + y + " " + " ".join(x.lower().split()) + "\n")
        path = f.name
    for name, kw in [("fasttext epoch=5 wordNgrams=2 minn=3 maxn=5", dict(epoch=5, wordNgrams=2, minn=3, maxn=5)),
                     ("fasttext epoch=5 (words only)", dict(epoch=5))]:
        t = time.perf_counter(); m = fasttext.train_supervised(path, thread=1, seed=1, verbose=0, **kw); t_train = time.perf_counter() - t
        labels, _ = m.predict([x.lower() for x in Xva])
        f1 = f1_score(yva, [l[0][9:] for l in labels], average="weighted", zero_division=0)
        t = time.perf_counter(); m.predict([x.lower() for x in big]); t_pred = time.perf_counter() - t
        print(f"{name}\t{f1:.4f}\t{t_train:.2f}\t{t_pred:.2f}")
    os.unlink(path)
    if os.environ.get("KDSL_SCALED_SKLEARN", "1") == "0": sys.exit(0)  # ~10 minutes of lbfgs
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    clf = make_pipeline(HashingVectorizer(ngram_range=(1, 2), n_features=2**18, alternate_sign=False), TfidfTransformer(sublinear_tf=True),
                        LogisticRegression(C=10, max_iter=100))
    t = time.perf_counter(); clf.fit(Xtr, ytr); t_train = time.perf_counter() - t
    f1 = f1_score(yva, clf.predict(Xva), average="weighted", zero_division=0)
    t = time.perf_counter(); clf.predict(big); t_pred = time.perf_counter() - t
    print(f"sklearn hashing word1-2 + LogisticRegression\t{f1:.4f}\t{t_train:.2f}\t{t_pred:.2f}")
    sys.exit(0)

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

# With sentence vectors (kdsl-embed's `embedding.user`): the vectors alone, and beside the TF-IDF
# columns of word 1-2 + char_wb 2-5 in one LogisticRegression (the peer of the embedding head).
if all((r.get("embedding") or {}).get("user") for r in train + valid):
    from scipy.sparse import csr_matrix, hstack
    Etr = np.array([r["embedding"]["user"] for r in train], dtype=np.float32)
    Eva = np.array([r["embedding"]["user"] for r in valid], dtype=np.float32)
    t = time.perf_counter(); clf = LogisticRegression(C=10, max_iter=2000).fit(Etr, ytr); t_train = time.perf_counter() - t
    t = time.perf_counter(); pred = clf.predict(Eva); t_pred = time.perf_counter() - t
    report("sklearn-e5", pred, t_train, t_pred)
    vec = make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                     TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True))
    t = time.perf_counter()
    clf = LogisticRegression(C=10, max_iter=2000).fit(hstack([vec.fit_transform(Xtr), csr_matrix(Etr)]).tocsr(), ytr)
    t_train = time.perf_counter() - t
    t = time.perf_counter(); pred = clf.predict(hstack([vec.transform(Xva), csr_matrix(Eva)]).tocsr()); t_pred = time.perf_counter() - t
    report("sklearn-tfidf-word12+char_wb2-5+e5", pred, t_train, t_pred)
