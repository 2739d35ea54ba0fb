#!/usr/bin/python3
"""Step 1 of the 16-byte study: Faiss additive quantizers of the IVF residuals at 16 bytes (RQ16x8 at several
beams, LSQ16x8), all on one IVF256 coarse quantizer, recall@10 at nprobe 32 on held-out queries 2000-2999.
Usage: OMP_NUM_THREADS=2 nice /usr/bin/python3 bench/additive/faiss_additive.py rq1 rq8 lsq:20000 pq opq
Each config prints one JSON line; codes and codebooks are saved in $ADDITIVE_CACHE for the distillation step."""
import json, os, sys
import numpy as np
import faiss
from common import split, coarse, ivf_recall, Timer, CACHE


def main():
    faiss.omp_set_num_threads(int(os.environ.get('OMP_NUM_THREADS', '2')))
    base, qt, gtt, qh, gth = split()
    cents = coarse(base)
    assign = probes1 = np.argmax(base @ cents.T, axis=1)  # IP assignment, as IndexIVF with IndexFlatIP
    resid = base - cents[assign]
    for cfg in sys.argv[1:]:
        out = {'config': cfg}
        name, _, arg = cfg.partition(':')
        if name in ('pq', 'opq'):
            fac = ('OPQ16,' if name == 'opq' else '') + 'IVF256,PQ16'
            idx = faiss.index_factory(512, fac, faiss.METRIC_INNER_PRODUCT)
            with Timer() as t:
                idx.train(base)
            idx.add(base)
            faiss.extract_index_ivf(idx).nprobe = 32
            _, I = idx.search(qh, 10)
            hits = sum(len(set(a.tolist()) & set(b.tolist())) for a, b in zip(I, gth[:, :10]))
            out.update(factory=fac, train_s=t.s, recall10_heldout=hits / 10000)
            print(json.dumps(out), flush=True)
            continue
        if name.startswith('enc'):
            # re-encode with a beam, codebooks from an earlier run (arg = its cache name): encoding only
            beam = int(name[3:])
            cb0 = np.load(os.path.join(CACHE, arg + '.npz'))['codebooks'].astype(np.float32)
            aq = faiss.ResidualQuantizer(512, 16, 8)
            faiss.copy_array_to_vector(cb0.ravel(), aq.codebooks)
            aq.is_trained = True
            aq.max_beam_size = beam
            aq.use_beam_LUT = 1
            aq.compute_codebook_tables()
            ntrain, name = 0, f'{name}-{arg}'
            t = Timer(); t.s = 0.0
        elif name.startswith('rq'):
            beam = int(name[2:])
            aq = faiss.ResidualQuantizer(512, 16, 8)
            aq.max_beam_size = beam
            aq.use_beam_LUT = 1
        elif name == 'lsq':
            aq = faiss.LocalSearchQuantizer(512, 16, 8)
        else:
            raise SystemExit(cfg)
        if not name.startswith('enc'):
            ntrain = int(arg) if arg else len(resid)
            rows = np.sort(np.random.default_rng(1).choice(len(resid), ntrain, replace=False)) if ntrain < len(resid) else slice(None)
            with Timer() as t:
                aq.train(np.ascontiguousarray(resid[rows]))
        with Timer() as te:
            codes = aq.compute_codes(np.ascontiguousarray(resid))
        cb = faiss.vector_to_array(aq.codebooks).reshape(16, 256, 512)
        unpacked = np.zeros((len(resid), 16), dtype=np.int64)
        xhat = aq.decode(codes)
        # unpack the 8-bit codes (nbits 8: one byte per codebook, LSB first)
        unpacked = codes.reshape(len(resid), -1)[:, :16].astype(np.int64)
        chk = cb[np.arange(16)[None, :], unpacked].sum(1)
        assert np.abs(chk - xhat).max() < 1e-4, 'code layout'
        mse = float(((resid - xhat) ** 2).sum(1).mean())
        r = ivf_recall(qh, gth, cents, assign, cents[assign] + xhat)
        rt = ivf_recall(qt, gtt, cents, assign, cents[assign] + xhat)
        np.savez(os.path.join(CACHE, name + (f'-{ntrain}' if ntrain else '') + '.npz'), codebooks=cb, codes=unpacked.astype(np.uint8), assign=assign)
        out.update(train_rows=ntrain, train_s=t.s, encode_s=te.s, mse=mse, recall10_heldout=r, recall10_train=rt)
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()
