#!/usr/bin/python3
"""Faiss peer for the search benchmark: trains, fills and searches an index_factory index on the same data.

Usage: faiss_ivfpq.py --data DIR --factory "IVF256,PQ32np" --nprobe 8,32,128 [--threads 2] [--cache DIR]
Prints one JSON object on stdout: train/add seconds, per nprobe: search seconds for all queries, recall@1/10/100.
"""
import argparse, json, os, sys, time
import numpy as np
import faiss


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    rows = raw.reshape(-1, dim + 1)
    return rows[:, 1:].copy().view(dtype) if dtype == np.float32 else rows[:, 1:].copy()


def load(data_dir):
    meta = json.load(open(os.path.join(data_dir, 'dataset.json')))
    base = np.concatenate([read_vecs(os.path.join(data_dir, p['file']), np.float32) for p in meta['base_files']])
    q = read_vecs(os.path.join(data_dir, meta['query_file']), np.float32)
    gt = read_vecs(os.path.join(data_dir, meta['groundtruth_file']), np.int32)
    return base, q, gt


def recall(I, gt, k):
    hits = 0
    for row, t in zip(I[:, :k], gt[:, :k]):
        hits += len(set(row.tolist()) & set(t.tolist()))
    return hits / (k * len(I))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--factory', required=True)
    ap.add_argument('--nprobe', default='8,32,128')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--train-rows', default='')  # e.g. "0:50000"
    ap.add_argument('--query-rows', default='')  # e.g. "2000:3000"
    ap.add_argument('--cache', default='')
    ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    faiss.omp_set_num_threads(a.threads)
    base, q, gt = load(a.data)
    if a.query_rows:
        s, e = map(int, a.query_rows.split(':'))
        q, gt = q[s:e], gt[s:e]
    index = None
    cached = False
    cache_path = ''
    if a.cache:
        os.makedirs(a.cache, exist_ok=True)
        cache_path = os.path.join(a.cache, a.factory.replace(',', '_') + '.faissindex')
        if os.path.exists(cache_path):
            index = faiss.read_index(cache_path)
            cached = True
    t0 = time.perf_counter()
    if index is None:
        index = faiss.index_factory(base.shape[1], a.factory, faiss.METRIC_INNER_PRODUCT)
        index.train(base)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    if index.ntotal == 0:
        index.add(base)
    add_s = time.perf_counter() - t0
    if cache_path and not cached:
        faiss.write_index(index, cache_path)
    out = {'factory': a.factory, 'threads': a.threads, 'faiss': faiss.__version__, 'train_seconds': train_s,
           'add_seconds': add_s, 'cached_training': cached, 'nq': int(len(q)), 'runs': []}
    ivf = faiss.extract_index_ivf(index)
    for p in [int(x) for x in a.nprobe.split(',')]:
        ivf.nprobe = p
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            D, I = index.search(q, 100)
            times.append(time.perf_counter() - t0)
        times.sort()
        med = times[len(times) // 2]
        out['runs'].append({'nprobe': p, 'search_seconds': med, 'qps': len(q) / med,
                            'recall@1': recall(I, gt, 1), 'recall@10': recall(I, gt, 10), 'recall@100': recall(I, gt, 100)})
    json.dump(out, sys.stdout)
    print()


if __name__ == '__main__':
    main()
