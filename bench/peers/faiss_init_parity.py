#!/usr/bin/python3
"""Faiss IVFPQ on the first N rows of a .fbin base, k-means started two ways, over several seeds: from Faiss's own
random rows (rand_perm), and from the rows our trainKMeans starts from (sampleDistinct(n, k, mulberry32(seed + 1)),
src/util/random.ts, reproduced below). Everything else is Faiss's code, so a difference between the two columns is
the start's alone. Ground truth: exact search on the N rows. bench/results/scale-parity.md.

Usage: faiss_init_parity.py --base B.fbin --queries Q.fbin [--n 50000] [--nlist 256] [--m 32] [--nprobe 64]
                            [--seeds 1,2,3,4,5] [--threads 2]
Prints one JSON line per (start, seed): recall@10, recall@100, the k-means objective per row.
"""
import argparse, json
import numpy as np
import faiss


def read_fbin(path, rows=None):
    n, d = np.fromfile(path, dtype=np.int32, count=2)
    x = np.memmap(path, dtype=np.float32, mode='r', offset=8, shape=(int(n), int(d)))
    return np.ascontiguousarray(x[:rows] if rows else x)


def mulberry32(seed):
    a = [seed & 0xffffffff]
    def imul(p, q): return (p * q) & 0xffffffff
    def rand():
        a[0] = (a[0] + 0x6d2b79f5) & 0xffffffff
        t = imul(a[0] ^ (a[0] >> 15), a[0] | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xffffffff
        return ((t ^ (t >> 14)) & 0xffffffff) / 4294967296
    return rand


def sample_distinct(n, m, rand):
    swapped, out = {}, []
    for i in range(m):
        j = i + int(rand() * (n - i))
        out.append(swapped.get(j, j))
        swapped[j] = swapped.get(i, i)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--base', required=True); ap.add_argument('--queries', required=True)
    ap.add_argument('--n', type=int, default=50000); ap.add_argument('--nlist', type=int, default=256)
    ap.add_argument('--m', type=int, default=32); ap.add_argument('--nprobe', type=int, default=64)
    ap.add_argument('--seeds', default='1,2,3,4,5'); ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    faiss.omp_set_num_threads(a.threads)
    xb, xq = read_fbin(a.base, a.n), read_fbin(a.queries)
    d = xb.shape[1]
    flat = faiss.IndexFlatL2(d); flat.add(xb); _, gt = flat.search(xq, 100)
    def recall(I, k):
        return sum(len(set(r[:k].tolist()) & set(t[:k].tolist())) for r, t in zip(I, gt)) / (k * len(I))
    for start in ['faiss', 'ours']:
        for s in [int(v) for v in a.seeds.split(',')]:
            cl = faiss.Clustering(d, a.nlist); cl.niter = 10; cl.seed = s
            if start == 'ours':
                faiss.copy_array_to_vector(xb[sample_distinct(a.n, a.nlist, mulberry32(s + 1))].ravel(), cl.centroids)
            q = faiss.IndexFlatL2(d); cl.train(xb, q)
            ix = faiss.IndexIVFPQ(q, d, a.nlist, a.m, 8); ix.do_polysemous_training = False; ix.pq.cp.seed = s
            ix.train(xb)  # the quantizer is trained: only the PQ, on the residuals
            ix.add(xb); ix.nprobe = a.nprobe; _, I = ix.search(xq, 100)
            dist, _ = q.search(xb, 1)
            print(json.dumps(dict(start=start, seed=s, r10=recall(I, 10), r100=recall(I, 100),
                                  kobj=float(dist.astype(np.float64).sum() / a.n))), flush=True)


if __name__ == '__main__':
    main()
