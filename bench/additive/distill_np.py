#!/usr/bin/python3
"""Step 2 of the 16-byte study: distillation of additive (RQ/LSQ) codebooks against the dense teacher, numpy.
Codes fixed (JPQ-style), the 16x256 full-dimensional codewords learned by a ListNet loss: target = the teacher's
softmax(<q,x>/tau) kept on its top-K and renormalised, student = softmax(<q, c_list(x) + sum_m C_m[code_m(x)]>/tau)
over the whole base; Adam on the codewords; coarse centroids frozen. Optional pseudo-queries (base vectors, their own
row excluded from the target) and re-encoding (greedy or beam residual encode) between epochs.
Usage: distill_np.py rq1-50000 [key=value ...]   keys: epochs lr tau k batch pseudo reencode beam seed lsq save wls eta
(eta=E: first re-encode all rows greedily (beam) with the anisotropic error of weight E along x;
(lsq=1: least-squares refit of the codewords to the fixed codes first, wls=A: rows weighted 1 + A * their count in train queries' exact top-wk (wk=10), wpseudo=N: plus N base rows as pseudo-queries; waug=N aug_s=S: plus N noisy train queries;
alt=N: then N rounds of an ICM sweep and the refit (icm_eta=E: anisotropic ICM cost); save=NAME: the start codebooks to $ADDITIVE_CACHE)
Prints a JSON line per epoch (train and held-out recall@10 at nprobe 32)."""
import json, os, sys, time
import numpy as np
from common import split, coarse, ivf_recall, CACHE


def rq_encode(resid, cb, beam=1, chunk=2000, x=None, eta=1.0):
    """Residual encoding with a beam: per stage keep the `beam` partial codes of lowest error. The error is the
    squared norm ||e||^2, or with x (unit rows) and eta the anisotropic ||e||^2 + (eta - 1) <x, e>^2 (ScaNN: the
    error along x is what moves inner products with queries close to x)."""
    M, K, d = cb.shape
    out = np.zeros((len(resid), M), dtype=np.int64)
    cbn = (cb ** 2).sum(2)  # M x K
    for s in range(0, len(resid), chunk):
        r = resid[s:s + chunk]
        n = len(r)
        R = r[:, None, :].copy()  # n x B x d residuals of the beam
        err = np.zeros((n, 1), dtype=np.float32)
        codes = np.zeros((n, 1, 0), dtype=np.int64)
        for m in range(M):
            B = R.shape[1]
            RC = (R.reshape(n * B, d) @ cb[m].T).reshape(n, B, K)  # one 2-D product (a 3-D matmul is not one BLAS call)
            # ||R - c||^2 = ||R||^2 - 2 R.c + ||c||^2; err holds ||R||^2
            dist = (err[:, :, None] - 2 * RC + cbn[m][None, None, :]).reshape(n, B * K)
            if m == 0:
                err0 = (R ** 2).sum(2)
                dist = (err0[:, :, None] - 2 * RC + cbn[m][None, None, :]).reshape(n, B * K)
            if x is not None:
                xs = x[s:s + n]
                par = (R * xs[:, None, :]).sum(2)[:, :, None] - (xs @ cb[m].T)[:, None, :]  # <x, e> after this stage
                dist = dist + (eta - 1) * (par ** 2).reshape(n, B * K)
            nb = min(beam, B * K)
            top = np.argpartition(dist, nb - 1, axis=1)[:, :nb] if nb < B * K else np.tile(np.arange(B * K), (n, 1))
            src, j = top // K, top % K
            R = np.take_along_axis(R, src[:, :, None], 1) - cb[m][j]
            err = (R ** 2).sum(2) if x is not None else np.take_along_axis(dist, top, 1)
            score = np.take_along_axis(dist, top, 1)
            codes = np.concatenate([np.take_along_axis(codes, src[:, :, None], 1), j[:, :, None]], 2)
        best = np.argmin(score, 1)
        out[s:s + n] = codes[np.arange(n), best]
    return out


def main():
    src = sys.argv[1]
    o = dict(epochs=8, lr=2e-4, tau=0.05, k=100, batch=250, pseudo=0, reencode=0, beam=1, seed=1, lsq=0, save='', wls=0.0, eta=0.0, wk=10, wpseudo=0, alt=0, icm_eta=1.0, waug=0, aug_s=0.5)
    for kv in sys.argv[2:]:
        k, v = kv.split('=')
        o[k] = type(o[k])(float(v)) if not isinstance(o[k], str) else v
    rng = np.random.default_rng(o['seed'])
    base, qt, gtt, qh, gth = split()
    cents = coarse(base)
    z = np.load(os.path.join(CACHE, src + '.npz'))
    cb = z['codebooks'].astype(np.float32).copy()
    codes = z['codes'].astype(np.int64)
    assign = z['assign']
    M, K, d = cb.shape
    cpart = cents[assign]
    resid = base - cpart
    G = None
    class Onehot:
        """The n x (M*K) 0/1 matrix B of the codes (xhat - c_list = B @ cb.reshape(M*K, d)), as sort orders."""
        def __init__(self, codes):
            self.codes = codes
            self.order = [np.argsort(codes[:, m], kind='stable') for m in range(M)]
            self.counts = [np.bincount(codes[:, m], minlength=K) for m in range(M)]

        def decode(self, cb):
            x = cpart.copy()
            for m in range(M):
                x += cb[m][self.codes[:, m]]
            return x

        def scatter(self, Y):
            """B^T Y, as (M, K, cols)."""
            out = np.zeros((M, K, Y.shape[1]), dtype=np.float64)
            for m in range(M):
                c = self.counts[m]
                used = np.nonzero(c)[0]
                starts = np.concatenate([[0], np.cumsum(c)[:-1]])[used]
                out[m, used] = np.add.reduceat(Y[self.order[m]], starts, axis=0)
            return out

    Bm = Onehot(codes)

    def decode():
        return Bm.decode(cb)

    def lsq_refit(w=None):
        """Least-squares codewords for the fixed codes (min sum_i w_i ||resid_i - B_i C||^2, w = 1 by default), a
        small ridge for unused ones."""
        w = np.ones(len(resid)) if w is None else w
        BtB = np.zeros((M * K, M * K))
        for a in range(M):
            for b in range(M):
                BtB[a * K:(a + 1) * K, b * K:(b + 1) * K] = np.histogram2d(codes[:, a], codes[:, b], bins=K, range=[[0, K], [0, K]], weights=w)[0]
        BtX = Bm.scatter(w[:, None] * resid.astype(np.float64)).reshape(M * K, d)
        BtB[np.diag_indices_from(BtB)] += 1e-3
        return np.linalg.solve(BtB, BtX).astype(np.float32).reshape(M, K, d)

    if o['eta']:
        t0 = time.time()
        codes = rq_encode(resid, cb, int(o['beam']), x=base, eta=o['eta'])
        Bm = Onehot(codes)
        print(json.dumps({'aniso_encode_s': time.time() - t0}), flush=True)
    if o['lsq']:
        t0 = time.time()
        w = None
        if o['wls']:
            # weight 1 + wls * (how often the row is in a train query's exact top-wk): the rows queries retrieve
            wk = int(o['wk'])
            if wk <= gtt.shape[1]:
                top_t = gtt[:, :wk]
            else:  # deeper than the ground-truth file: exact top-wk by inner product
                top_t = np.concatenate([np.argpartition(-(qt[s0:s0 + 500] @ base.T), wk, 1)[:, :wk] for s0 in range(0, len(qt), 500)])
            hits = np.bincount(top_t.ravel(), minlength=len(base)).astype(np.float64)
            if o['wpseudo']:
                # plus base rows as pseudo-queries (own row excluded), their counts scaled to the train queries' total
                pick = rng.choice(len(base), int(o['wpseudo']), replace=False)
                ph = np.zeros(len(base))
                for s0 in range(0, len(pick), 1000):
                    T = base[pick[s0:s0 + 1000]] @ base.T
                    T[np.arange(len(T)), pick[s0:s0 + 1000]] = -np.inf
                    ph += np.bincount(np.argpartition(-T, int(o['wk']), 1)[:, :int(o['wk'])].ravel(), minlength=len(base))
                hits += ph * len(gtt) / len(pick)
            if o['waug']:
                # plus noisy train queries normalise(q + aug_s * u), u a random unit vector: counts of their exact
                # top-wk, scaled to the train queries' total
                qa = qt[rng.integers(0, len(qt), int(o['waug']))]
                u = rng.standard_normal(qa.shape).astype(np.float32)
                qa = qa + o['aug_s'] * u / np.linalg.norm(u, axis=1, keepdims=True)
                qa /= np.linalg.norm(qa, axis=1, keepdims=True)
                ah = np.zeros(len(base))
                for s0 in range(0, len(qa), 1000):
                    ah += np.bincount(np.argpartition(-(qa[s0:s0 + 1000] @ base.T), wk, 1)[:, :wk].ravel(), minlength=len(base))
                hits += ah * len(gtt) / len(qa)
            w = 1.0 + o['wls'] * hits
        cb[:] = lsq_refit(w)
        for it in range(int(o['alt'])):
            # one ICM sweep (per codebook, the best codeword with the others fixed: the error never grows), then
            # the (weighted) refit again: weighted LSQ by alternation
            xr = Bm.decode(cb) - cpart
            for m in range(M):
                e = resid - xr + cb[m][codes[:, m]]
                cost = -2 * (e @ cb[m].T) + (cb[m] ** 2).sum(1)[None, :]
                if o['icm_eta'] != 1.0:  # anisotropic: + (eta - 1) <x, e - c_j>^2
                    cost += (o['icm_eta'] - 1) * ((base * e).sum(1)[:, None] - base @ cb[m].T) ** 2
                j = np.argmin(cost, 1)
                xr += cb[m][j] - cb[m][codes[:, m]]
                codes[:, m] = j
            Bm = Onehot(codes)
            mse_icm = float(((resid - xr) ** 2).sum(1).mean())
            cb[:] = lsq_refit(w)
            xh = decode()
            print(json.dumps(dict(alt=it + 1, mse_icm=mse_icm, mse=float(((base - xh) ** 2).sum(1).mean()),
                                  train=ivf_recall(qt, gtt, cents, assign, xh), heldout=ivf_recall(qh, gth, cents, assign, xh))), flush=True)
        print(json.dumps({'lsq_refit_s': time.time() - t0}), flush=True)
    if o['save']:
        np.savez(os.path.join(CACHE, o['save'] + '.npz'), codebooks=cb, codes=codes.astype(np.uint8), assign=assign)
    xh = decode()
    log = dict(src=src, **o)
    print(json.dumps(dict(log, epoch=0, mse=float(((base - xh) ** 2).sum(1).mean()),
                          train=ivf_recall(qt, gtt, cents, assign, xh), heldout=ivf_recall(qh, gth, cents, assign, xh))), flush=True)
    # queries and their teacher scores over the base
    Q = qt
    if o['pseudo']:
        pick = rng.choice(len(base), int(o['pseudo']), replace=False)
        Q = np.concatenate([qt, base[pick]])
        self_row = np.concatenate([np.full(len(qt), -1), pick])
    else:
        self_row = np.full(len(qt), -1)
    mA, vA, step = np.zeros_like(cb), np.zeros_like(cb), 0
    tau, kk = o['tau'], int(o['k'])
    for ep in range(1, int(o['epochs']) + 1):
        t0 = time.time()
        order = rng.permutation(len(Q))
        loss_sum = 0.0
        for s in range(0, len(Q), int(o['batch'])):
            idx = order[s:s + int(o['batch'])]
            q = Q[idx]
            T = q @ base.T
            sr = self_row[idx]
            has = sr >= 0
            T[np.nonzero(has)[0], sr[has]] = -np.inf
            top = np.argpartition(-T, kk, 1)[:, :kk]
            tt = np.take_along_axis(T, top, 1) / tau
            p = np.exp(tt - tt.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
            xh = decode()
            S = q @ xh.T / tau
            S[np.nonzero(has)[0], sr[has]] = -np.inf
            S -= S.max(1, keepdims=True)
            e = np.exp(S); Z = e.sum(1, keepdims=True)
            logq = np.take_along_axis(S, top, 1) - np.log(Z)
            loss_sum += float(-(p * logq).sum())
            G = e / Z
            np.put_along_axis(G, top, np.take_along_axis(G, top, 1) - p, 1)
            G /= tau * len(idx)
            Gx = G.T @ q  # n x d: gradient wrt each decoded vector
            g = Bm.scatter(Gx).astype(np.float32)
            step += 1
            mA = 0.9 * mA + 0.1 * g
            vA = 0.999 * vA + 0.001 * g * g
            cb -= o['lr'] * (mA / (1 - 0.9 ** step)) / (np.sqrt(vA / (1 - 0.999 ** step)) + 1e-8)
        if o['reencode']:
            codes = rq_encode(resid, cb, int(o['beam']))
            Bm = Onehot(codes)
        xh = decode()
        print(json.dumps(dict(epoch=ep, loss=loss_sum / len(Q), s=round(time.time() - t0, 1),
                              mse=float(((base - xh) ** 2).sum(1).mean()),
                              train=ivf_recall(qt, gtt, cents, assign, xh), heldout=ivf_recall(qh, gth, cents, assign, xh))),
              flush=True)


if __name__ == '__main__':
    main()
