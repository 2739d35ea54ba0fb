#!/usr/bin/python3
"""Writes a smaller copy of a dataset folder for bench:distill: the first --base base vectors and the first
--queries queries, with their own exact top-100 over that base (float64; L2 or inner product as the dataset's
metric; ties broken by the lower index, as the full datasets'). The files keep their format (.bvecs / .fvecs) and
the dataset.json names them with the same keys as the original (a `files` map, or base_files/query_file/
groundtruth_file). For runs that the full base does not fit in the time at hand; their recall is not comparable
with the full base's.

Usage: distill-subset.py --data DIR --out DIR [--base 10000] [--queries 5000]
"""
import argparse, json, os, sys
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'peers'))
from faiss_ivfpq import read_float_vecs  # noqa: E402  (the peer's readers: .fvecs, .bvecs)


def first_rows_bytes(path, rows):
    """The first `rows` records of a .bvecs / .fvecs file, as bytes (the format is kept)."""
    head = np.fromfile(path, dtype=np.int32, count=1)
    dim = int(head[0])
    rec = 4 + dim * (1 if path.endswith('.bvecs') else 4)
    with open(path, 'rb') as f:
        b = f.read(rec * rows)
    if len(b) < rec * rows:
        raise SystemExit(f'{path}: fewer than {rows} vectors')
    return b


def write_atomic(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def exact_top(q, base, metric, k):
    qd, bd = q.astype(np.float64), base.astype(np.float64)
    out = np.empty((len(q), k), dtype=np.int32)
    for s in range(0, len(q), 500):
        sc = qd[s:s + 500] @ bd.T
        if metric == 'l2':  # ascending ||q - x||^2 = ||q||^2 - 2 <q, x> + ||x||^2; ||q||^2 is constant per row
            sc = (bd * bd).sum(1)[None, :] - 2 * sc
        else:
            sc = -sc
        out[s:s + 500] = np.argsort(sc, axis=1, kind='stable')[:, :k]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--base', type=int, default=10000)
    ap.add_argument('--queries', type=int, default=5000)
    a = ap.parse_args()
    from faiss_ivfpq import load_meta
    meta, base_files, query_file, gt_file, metric = load_meta(a.data)
    if len(base_files) != 1:
        raise SystemExit('only datasets with one base file are subset here')
    os.makedirs(a.out, exist_ok=True)
    bname, qname = os.path.basename(base_files[0]), os.path.basename(query_file)
    write_atomic(os.path.join(a.out, bname), first_rows_bytes(os.path.join(a.data, base_files[0]), a.base))
    write_atomic(os.path.join(a.out, qname), first_rows_bytes(os.path.join(a.data, query_file), a.queries))
    base = read_float_vecs(os.path.join(a.out, bname))
    q = read_float_vecs(os.path.join(a.out, qname))
    k = min(100, len(base))
    gt = exact_top(q, base, metric, k)
    rows = np.empty((len(gt), k + 1), dtype=np.int32)
    rows[:, 0] = k
    rows[:, 1:] = gt
    write_atomic(os.path.join(a.out, os.path.basename(gt_file)), rows.tobytes())
    sub = dict(meta)
    sub.update({'name': f"{meta['name']}-first{a.base}", 'n_base': a.base, 'n_query': a.queries, 'subset_of': meta['name'],
                'groundtruth': f'exact top-{k} of the first {a.base} base rows per query ({metric}, float64, ties by lower index)'})
    with open(os.path.join(a.out, 'dataset.json'), 'w') as f:
        json.dump(sub, f, indent=1)
    print(f'{a.out}: {a.base} base, {a.queries} queries, dim {base.shape[1]}, metric {metric}')


main()
