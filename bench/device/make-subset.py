#!/usr/bin/python3
"""Writes a subset of an fvecs dataset (the first --base base vectors and --queries queries) with its own exact
ground truth: the top-100 base rows per query by inner product, computed in float64, ties broken by the lower
index (as the full dataset's). Used by bench/device/prepare.sh, since the full dataset does not fit what can be
carried to the GPU machine.

Usage: make-subset.py --data DIR --out DIR [--base 8000] [--queries 1000]
"""
import argparse, json, os
import numpy as np


def read_fvecs(path, rows=None):
    raw = np.fromfile(path, dtype=np.int32)
    dim = int(raw[0])
    m = raw.reshape(-1, dim + 1)
    if rows is not None:
        m = m[:rows]
    if not (m[:, 0] == dim).all():
        raise SystemExit(f'{path}: not an fvecs file of dimension {dim}')
    return m[:, 1:].copy().view(np.float32)


def write_vecs(path, a):
    n, dim = a.shape
    out = np.empty((n, dim + 1), dtype=np.int32)
    out[:, 0] = dim
    out[:, 1:] = a.view(np.int32)
    tmp = path + '.tmp'
    out.tofile(tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--base', type=int, default=8000)
    ap.add_argument('--queries', type=int, default=1000)
    a = ap.parse_args()
    meta = json.load(open(os.path.join(a.data, 'dataset.json')))
    parts, need = [], a.base
    for f in meta['base_files']:
        if need <= 0:
            break
        p = read_fvecs(os.path.join(a.data, f['file']), need)
        parts.append(p)
        need -= len(p)
    base = np.concatenate(parts)
    if len(base) < a.base:
        raise SystemExit(f'the dataset has {len(base)} base vectors, fewer than --base {a.base}')
    q = read_fvecs(os.path.join(a.data, meta['query_file']), a.queries)
    if len(q) < a.queries:
        raise SystemExit(f'the dataset has {len(q)} queries, fewer than --queries {a.queries}')
    s = q.astype(np.float64) @ base.astype(np.float64).T
    k = min(100, len(base))
    gt = np.argsort(-s, axis=1, kind='stable')[:, :k].astype(np.int32)
    os.makedirs(a.out, exist_ok=True)
    write_vecs(os.path.join(a.out, 'base.part0.fvecs'), base)
    write_vecs(os.path.join(a.out, 'query.fvecs'), q)
    write_vecs(os.path.join(a.out, 'groundtruth.ip.top100.ivecs'), gt)
    sub = dict(meta)
    sub.update({
        'name': f"{meta['name']}-first{a.base}",
        'n_base': int(len(base)), 'n_query': int(len(q)),
        'base_files': [{'file': 'base.part0.fvecs', 'rows': [0, int(len(base))]}],
        'query_file': 'query.fvecs', 'groundtruth_file': 'groundtruth.ip.top100.ivecs',
        'groundtruth': f'exact top-{k} of the first {len(base)} base rows per query by inner product, float64, ties by lower index',
        'subset_of': meta['name'],
    })
    with open(os.path.join(a.out, 'dataset.json'), 'w') as f:
        json.dump(sub, f, indent=1)
    print(f'{a.out}: {len(base)} base, {len(q)} queries, dim {base.shape[1]}')


main()
