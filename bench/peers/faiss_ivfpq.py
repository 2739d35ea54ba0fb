#!/usr/bin/python3
"""Faiss peer for the search benchmark: trains, fills and searches an index_factory index on the same data.

Usage: faiss_ivfpq.py --data DIR --factory "IVF256,PQ32np" --nprobe 8,32,128 [--threads 2] [--cache DIR]
       (--cache: the trained, filled index is kept in DIR and reused; train/add seconds are then the first run's)
       faiss_ivfpq.py --base B.fbin --queries Q.fbin --gt GT.ivecs --metric ip|l2 --factory "IVF1024,PQ32x8"
                      [--train-rows N --train-seed S] [--add-chunk ROWS] [--save FILE] ...   (bench/scale.mjs)
Prints one JSON object on stdout: train/add seconds, per nprobe: search seconds for all queries, recall@1/10/100.
With --base the base is memory-mapped (not read whole), trained on --train-rows rows drawn uniformly without
replacement (numpy default_rng(--train-seed)), added --add-chunk rows at a time; with --save the index is written,
timed, and read back (timed); peak RSS (getrusage) is reported after each phase.
"""
import argparse, json, os, resource, sys, time
import numpy as np
import faiss


def read_vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = raw[0]
    rows = raw.reshape(-1, dim + 1)
    return rows[:, 1:].copy().view(dtype) if dtype == np.float32 else rows[:, 1:].copy()


def read_bvecs(path):
    """A .bvecs file (per vector: int32 dim, then dim uint8) as float32."""
    raw = np.fromfile(path, dtype=np.uint8)
    dim = int(raw[:4].view(np.int32)[0])
    return raw.reshape(-1, dim + 4)[:, 4:].astype(np.float32)


def read_float_vecs(path):
    if path.endswith('.bvecs'):
        return read_bvecs(path)
    if path.endswith('.fvecs'):
        return read_vecs(path, np.float32)
    raise SystemExit(f'{path}: only .fvecs and .bvecs are read here')


DEFAULT_DATASET = 'wordnet-use-lite-512-ip'


def load_meta(data_dir):
    """The dataset.json of a folder, its base files, query file, ground-truth file and metric ('l2' or 'ip'): the
    keys base_files, query_file, groundtruth_file when present, otherwise its `files` entries named base*,
    query*, groundtruth*.ivecs (the same rule as bench/distill-data.mjs)."""
    meta = json.load(open(os.path.join(data_dir, 'dataset.json')))
    listed = sorted(meta.get('files', {}))
    vec = ('.fvecs', '.bvecs')
    pick = lambda prefix, ext: [f for f in listed if f.startswith(prefix) and f.endswith(ext)]
    base_files = [p['file'] for p in meta['base_files']] if 'base_files' in meta else pick('base', vec)
    query_file = meta.get('query_file') or pick('query', vec)[0]
    gt_file = meta.get('groundtruth_file') or pick('groundtruth', '.ivecs')[0]
    m = str(meta.get('metric', '')).lower()
    metric = 'l2' if m.startswith('l2') or m.startswith('euclid') else 'ip'
    return meta, base_files, query_file, gt_file, metric


def load(data_dir):
    """Base, queries, ground truth, metric and name of a dataset folder (load_meta)."""
    meta, base_files, query_file, gt_file, metric = load_meta(data_dir)
    base = np.concatenate([read_float_vecs(os.path.join(data_dir, f)) for f in base_files])
    q = read_float_vecs(os.path.join(data_dir, query_file))
    gt = read_vecs(os.path.join(data_dir, gt_file), np.int32)
    return base, q, gt, metric, meta.get('name', '')


def read_fbin(path):
    """A .fbin file (int32 n, int32 dim, then n x dim float32) as a read-only memory map."""
    n, d = np.fromfile(path, dtype=np.int32, count=2)
    return np.memmap(path, dtype=np.float32, mode='r', offset=8, shape=(int(n), int(d)))


def peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def recall(I, gt, k):
    hits = 0
    for row, t in zip(I[:, :k], gt[:, :k]):
        hits += len(set(row.tolist()) & set(t.tolist()))
    return hits / (k * len(I))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='')  # a dataset folder (dataset.json), or --base/--queries/--gt files
    ap.add_argument('--factory', required=True)
    ap.add_argument('--nprobe', default='8,32,128')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--train-rows', default='')  # with --base: the training sample's size (all rows if empty)
    ap.add_argument('--query-rows', default='')  # e.g. "2000:3000"
    ap.add_argument('--cache', default='')
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--base', default='')
    ap.add_argument('--queries', default='')
    ap.add_argument('--gt', default='')
    ap.add_argument('--metric', default='ip', choices=['ip', 'l2'])
    ap.add_argument('--train-seed', type=int, default=1234)
    ap.add_argument('--add-chunk', type=int, default=0)
    ap.add_argument('--save', default='')
    a = ap.parse_args()
    faiss.omp_set_num_threads(a.threads)
    if a.base:
        return run_files(a)
    if not a.data:
        ap.error('give --data DIR, or --base, --queries and --gt')
    base, q, gt, metric, name = load(a.data)
    if a.query_rows:
        s, e = map(int, a.query_rows.split(':'))
        q, gt = q[s:e], gt[s:e]
    index = None
    cached = False
    cache_path = ''
    if a.cache:
        os.makedirs(a.cache, exist_ok=True)
        prefix = '' if name == DEFAULT_DATASET else name + '-'  # the default dataset keeps its older cache names
        cache_path = os.path.join(a.cache, prefix + a.factory.replace(',', '_') + '.faissindex')
        if os.path.exists(cache_path):
            index = faiss.read_index(cache_path)
            cached = True
    t0 = time.perf_counter()
    if index is None:
        index = faiss.index_factory(base.shape[1], a.factory, faiss.METRIC_L2 if metric == 'l2' else faiss.METRIC_INNER_PRODUCT)
        index.train(base)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    if index.ntotal == 0:
        index.add(base)
    add_s = time.perf_counter() - t0
    if cache_path and not cached:
        faiss.write_index(index, cache_path)
        with open(cache_path + '.json', 'w') as f:  # the timings of the run that trained it, reported when reused
            json.dump({'train_seconds': train_s, 'add_seconds': add_s}, f)
    elif cached and os.path.exists(cache_path + '.json'):
        with open(cache_path + '.json') as f:
            first = json.load(f)
        train_s, add_s = first['train_seconds'], first['add_seconds']
    out = {'factory': a.factory, 'metric': metric, 'threads': a.threads, 'faiss': faiss.__version__, 'train_seconds': train_s,
           'add_seconds': add_s, 'cached_training': cached, 'nq': int(len(q)), 'runs': []}
    search_runs(index, q, gt, a, out)
    json.dump(out, sys.stdout)
    print()


def run_files(a):
    """The scale benchmark's run: files on disk, a training sample, chunked add, save and load."""
    base = read_fbin(a.base)
    q = np.ascontiguousarray(read_fbin(a.queries))
    gt = read_vecs(a.gt, np.int32)
    n, d = base.shape
    metric = faiss.METRIC_INNER_PRODUCT if a.metric == 'ip' else faiss.METRIC_L2
    out = {'factory': a.factory, 'threads': a.threads, 'faiss': faiss.__version__, 'n': int(n), 'dim': int(d),
           'metric': a.metric, 'nq': int(len(q)), 'runs': [], 'peakRssBytes': {}}
    t0 = time.perf_counter()
    if a.train_rows and int(a.train_rows) < n:
        rows = np.sort(np.random.default_rng(a.train_seed).choice(n, size=int(a.train_rows), replace=False))
        xt = np.ascontiguousarray(base[rows])
    else:
        xt = np.ascontiguousarray(base)
    out['sample_seconds'] = time.perf_counter() - t0
    out['train_rows'] = int(len(xt))
    index = faiss.index_factory(int(d), a.factory, metric)
    t0 = time.perf_counter()
    index.train(xt)
    out['train_seconds'] = time.perf_counter() - t0
    del xt
    out['peakRssBytes']['train'] = peak_rss()
    chunk = a.add_chunk or n
    t0 = time.perf_counter()
    for s in range(0, n, chunk):
        index.add(np.ascontiguousarray(base[s:s + chunk]))
    out['add_seconds'] = time.perf_counter() - t0
    out['peakRssBytes']['add'] = peak_rss()
    search_runs(index, q, gt, a, out)
    out['peakRssBytes']['search'] = peak_rss()
    if a.save:
        t0 = time.perf_counter()
        faiss.write_index(index, a.save)
        out['save_seconds'] = time.perf_counter() - t0
        out['file_bytes'] = os.path.getsize(a.save)
        del index
        t0 = time.perf_counter()
        index = faiss.read_index(a.save)
        out['load_seconds'] = time.perf_counter() - t0
        os.unlink(a.save)
    out['peakRssBytes']['end'] = peak_rss()
    json.dump(out, sys.stdout)
    print()


def search_runs(index, q, gt, a, out):
    ivf = faiss.extract_index_ivf(index)
    index.search(q[:16], 100)  # warm-up
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


if __name__ == '__main__':
    main()
