"""Writes N short records made from banking77's train_10 and valid texts by repeating them and
perturbing each copy (one word dropped or two swapped, seeded): a large set of realistic short
records for throughput and large-scale training. Usage: scaled.py DIR N > scaled.jsonl
Training rows come first (the bench trains on a prefix): copies of train_10 only."""
import json, random, sys
d, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
train = [json.loads(l) for l in open(f"{d}/train_10.jsonl")]
out = sys.stdout
for i in range(n):
    r = train[i % len(train)]
    w = r["text"].split()
    if len(w) > 3:
        j = rng.randrange(len(w))
        if rng.random() < 0.5: w = w[:j] + w[j + 1:]
        else:
            k = rng.randrange(len(w)); w[j], w[k] = w[k], w[j]
    out.write(json.dumps({"id": f"s{i}", "text": " ".join(w), "label": r["label"]}) + "\n")
