"""Shared helpers of the 16-byte additive-quantizer experiments (bench/additive): the wordnet split, the IVF256
coarse quantizer shared by every configuration, and the IVF recall of an additive code (decoded scan, exact)."""
import os, sys, time
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'peers'))
from faiss_ivfpq import load  # noqa: E402

DATA = os.environ.get('DATA', '/work/shared/data/wordnet-use-lite-512-ip')
CACHE = os.environ.get('ADDITIVE_CACHE', '/tmp/additive16b')


def split():
    """base (50000x512), train queries 0-1999, held-out queries 2000-2999, ground truth (top-100) of each.
    With SPLIT=swap in the environment: train queries 1000-2999, held out 0-999 (a second split for checks)."""
    base, q, gt, metric, _ = load(DATA)
    assert metric == 'ip'
    if os.environ.get('SPLIT') == 'swap':
        return base, q[1000:], gt[1000:], q[:1000], gt[:1000]
    return base, q[:2000], gt[:2000], q[2000:3000], gt[2000:3000]


def coarse(base, nlist=256, seed=1234):
    """IVF centroids (nlist x d) as Faiss 'IVFnlist,Flat' with inner product trains them; cached in CACHE."""
    import faiss
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, f'coarse{nlist}.npy')
    if os.path.exists(path):
        return np.load(path)
    km = faiss.Kmeans(base.shape[1], nlist, niter=20, seed=seed)  # what IndexIVF.train runs (L2 k-means)
    km.train(base)
    np.save(path, km.centroids)
    return km.centroids


def probes(queries, cents, nprobe):
    """Per query, the nprobe lists of highest inner product."""
    s = queries @ cents.T
    return np.argsort(-s, axis=1)[:, :nprobe]


def ivf_recall(queries, gt, cents, assign, xhat, nprobe=32, k=10):
    """Recall@k of an IVF search that scores every vector of the probed lists by <q, xhat> (xhat = decoded
    vector, coarse centroid included): what an additive 8-bit ADC scan returns, up to float rounding."""
    pr = probes(queries, cents, nprobe)
    s = queries @ xhat.T
    mask = np.zeros((len(queries), len(cents)), dtype=bool)
    np.put_along_axis(mask, pr, True, axis=1)
    s[~mask[:, assign]] = -np.inf
    top = np.argpartition(-s, k, axis=1)[:, :k]
    hits = sum(len(set(a.tolist()) & set(b.tolist())) for a, b in zip(top, gt[:, :k]))
    return hits / (k * len(queries))


class Timer:
    def __enter__(self):
        self.t = time.perf_counter()
        return self

    def __exit__(self, *a):
        self.s = time.perf_counter() - self.t
