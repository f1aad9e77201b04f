"""The scikit-learn peer of kdsl on the WWW2025 challenge data: per task, a character 1-3-gram
TF-IDF (sublinear tf) + LogisticRegression (C=10), trained and scored on the records' own `fold`
field (the folds examples/www2025 makes), so that its figures stand beside kdsl's on the same
splits. Its text: for scene records the OCR text; for intent records the user's turns (`用户:`
lines of the dialogue). On the Tesseract folds the user turns alone scored intent 0.567 where the
whole dialogue scored 0.432 and dialogue + OCR text 0.398 (the agent's boilerplate and the noisy
OCR text drown the user's words in a bag of character n-grams), so the peer gets its best view.

When the records carry sentence vectors (kdsl-embed's `embedding`), two more lines: the vectors
alone (`last` for intent, else `user`; `ocr` for scene; a null view read as zeros) and the TF-IDF columns with
the vectors beside them in one LogisticRegression (C=10), the peer of kdsl-model's embedding head.

Usage: sklearn_peer.py RECORDS.jsonl   (records with `task`, `label`, `fold`, `ocr.text`)
Prints DIS (intent), ISS (scene) and OSS (pooled) class-weighted F1 of the out-of-fold predictions,
as kdsl-score computes them."""
import json, sys
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

records = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]

def text(r):
    if r["task"] == "intent":
        dialogue = r.get("dialogue") or ""
        return "\n".join(l for l in dialogue.split("\n") if l.startswith("用户"))
    return (r.get("ocr") or {}).get("text") or ""

def vectors(rs, task):
    # The views kdsl-model's embedding head reads: the user's last turn that says something
    # (`last`, kdsl-embed's default; `user` in records embedded before it), the OCR text.
    def view(e):
        return (e.get("last", e.get("user")) if task == "intent" else e.get("ocr"))
    rows = [view(r.get("embedding") or {}) for r in rs]
    d = next((len(v) for v in rows if v), 0)
    return np.array([v if v else [0.0] * d for v in rows], dtype=np.float32)

def run(features):
    gold, pred, task_of = [], [], []
    for task in sorted({r["task"] for r in records}):
        rs = [r for r in records if r["task"] == task]
        for fold in sorted({r["fold"] for r in rs}):
            train = [r for r in rs if r["fold"] != fold]
            test = [r for r in rs if r["fold"] == fold]
            vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
            Xtr = vec.fit_transform([text(r) for r in train]); Xte = vec.transform([text(r) for r in test])
            if features == "e5":
                Xtr, Xte = vectors(train, task), vectors(test, task)
            elif features == "tfidf+e5":
                Xtr = hstack([Xtr, csr_matrix(vectors(train, task))]).tocsr()
                Xte = hstack([Xte, csr_matrix(vectors(test, task))]).tocsr()
            clf = LogisticRegression(C=10, max_iter=2000)
            clf.fit(Xtr, [r["label"] for r in train])
            out = clf.predict(Xte)
            gold += [r["label"] for r in test]; pred += list(out); task_of += [task] * len(test)

    def f1(t=None):
        idx = [i for i in range(len(gold)) if t is None or task_of[i] == t]
        return f1_score([gold[i] for i in idx], [pred[i] for i in idx], average="weighted", zero_division=0)

    name = {"tfidf": "", "e5": " (e5 vectors alone)", "tfidf+e5": " (TF-IDF + e5 vectors)"}[features]
    print(f"DIS {f1('intent'):.4f}  ISS {f1('scene'):.4f}  OSS {f1():.4f}{name}")

run("tfidf")
if any(r.get("embedding") for r in records):
    run("e5")
    run("tfidf+e5")
