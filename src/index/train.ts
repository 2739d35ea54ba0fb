// Training of an IVFPQ index (Faiss IndexIVFPQ::train, behind an optional OPQ transform): on a sample of at
// most 256 points per centroid (and one binding of rows), learn the rotation (OPQ, or take the given one),
// rotate, train the coarse centroids, assign every point to its list, and train the PQ codebooks on the
// residuals x - o_list. Nothing is kept when it fails or is cancelled.
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import { residuals } from '../kernels/residuals.js';
import type { CoarseQuantizer } from '../quantizers/coarse.js';
import type { ProductQuantizer } from '../quantizers/product.js';
import { rotateRows, checkRotation } from '../quantizers/rotation.js';
import { mulberry32, sampleDistinct } from '../util/random.js';
import type { LongWorkOptions } from '../util/progress.js';
import { throwIfAborted } from '../util/abort.js';
import { InputError } from '../util/errors.js';
import { GpuTables, type HostTables } from './tables.js';
import { checkRotationValues } from '../io/ivfpq-data.js';

export interface TrainOptions extends LongWorkOptions {
  /** k-means iterations for the IVF centroids (Faiss IndexIVF: 10) */
  ivfIters?: number;
  /** k-means iterations for each PQ codebook (Faiss ProductQuantizer: 25) */
  pqIters?: number;
  seed?: number;
  /** learn an OPQ rotation first (as Faiss OPQ{m},IVF{nlist},PQ{m}) */
  opq?: boolean | { iters?: number };
  /** a rotation to use as is (dim x dim, y = A x) instead of learning one */
  rotation?: Float32Array;
}

export interface Trained {
  gpu: GpuTables;
  host: HostTables;
}

/**
 * The rows train() uses out of n: Faiss trains k-means on at most 256 points per centroid (the PQ sees the same
 * set), and the sample is at most one binding (`maxBinding` bytes) of float32 rows. With fewer rows it uses them
 * all, in order; else the rows sampleDistinct(n, size, mulberry32(seed)) draws, in the order drawn.
 */
export function trainSampleSize(n: number, nlist: number, ksub: number, dim: number, maxBinding: number): number {
  return Math.min(n, 256 * Math.max(nlist, ksub), Math.floor(maxBinding / (dim * 4)));
}

/** Trains the tables on the n rows of x (n x dim); the caller owns the returned GPU tables. */
export async function trainTables(engine: Engine, coarse: CoarseQuantizer, pq: ProductQuantizer, x0: Float32Array, n: number,
  opts: TrainOptions = {}): Promise<Trained> {
  const { nlist, dim } = coarse;
  if (n < nlist) throw new InputError(`train vectors: ${n} vectors cannot train ${nlist} IVF lists (need at least as many vectors as lists)`);
  if (n < pq.ksub) throw new InputError(`train vectors: ${n} vectors cannot train ${pq.ksub} PQ codewords per sub-space (need at least ${pq.ksub})`);
  const seed = opts.seed ?? 1234;
  const e = engine;
  const maxRows = trainSampleSize(n, nlist, pq.ksub, dim, e.maxBinding);
  const x = n > maxRows ? sampleRows(x0, n, dim, maxRows, seed) : x0;
  const nt = Math.min(n, maxRows);
  const long = { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) };
  const temps: GpuBuffer[] = [];
  const keep: GpuBuffer[] = [];
  try {
    let rotation: Float32Array | null = null;
    if (opts.rotation) {
      checkRotation(opts.rotation, dim);
      checkRotationValues(opts.rotation, dim, 'train: rotation');
      rotation = opts.rotation;
    } else if (opts.opq) {
      const { trainOpq } = await import('../quantizers/opq.js');
      const iters = typeof opts.opq === 'object' ? opts.opq.iters : undefined;
      rotation = await trainOpq(e, x, nt, dim, pq.m, { ...(iters !== undefined ? { iters } : {}), seed, bits: pq.bits, ...long });
    }
    throwIfAborted(opts.signal);
    const rotBuf = rotation ? e.upload(rotation, 'rotation') : null;
    if (rotBuf) keep.push(rotBuf);
    const xb = e.upload(x, 'train vectors');
    temps.push(xb);
    let xr = xb;
    if (rotBuf) { xr = e.buffer(nt * dim * 4, 'rotated'); temps.push(xr); rotateRows(e, xb, rotBuf, xr, nt, dim); }
    const centroids = await coarse.train(e, xr, nt, { iters: opts.ivfIters ?? 10, seed, ...long });
    keep.push(centroids);
    const assign = e.buffer(nt * 4, 'assign'), best = e.buffer(nt * 4, 'best');
    const res = e.buffer(nt * dim * 4, 'residuals');
    temps.push(assign, best, res);
    coarse.assign(e, xr, centroids, assign, best, nt);
    residuals(e, xr, centroids, assign, res, nt, dim);
    const codebooks = await pq.train(e, res, nt, { iters: opts.pqIters ?? 25, seed: seed + 1, ...long });
    keep.push(codebooks);
    const cHost = await e.read(centroids, Float32Array, 0, nlist * dim * 4);
    const bHost = await e.read(codebooks, Float32Array, 0, pq.m * pq.ksub * pq.dsub * 4);
    throwIfAborted(opts.signal);
    keep.length = 0;
    return {
      gpu: new GpuTables(centroids, codebooks, rotBuf),
      host: { rotation: rotation ? Float32Array.from(rotation) : null, centroids: cHost, codebooks: bHost },
    };
  } finally {
    for (const b of temps) b.dispose();
    for (const b of keep) b.dispose();
  }
}

function sampleRows(x: Float32Array, n: number, d: number, count: number, seed: number): Float32Array {
  const rows = sampleDistinct(n, count, mulberry32(seed));
  const out = new Float32Array(count * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, r * d + d), i * d));
  return out;
}
