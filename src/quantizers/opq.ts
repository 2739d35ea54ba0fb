// OPQ: a learned orthogonal rotation A applied before IVF/PQ (y = A x), as in Faiss `OPQ{M},IVF{L},PQ{M}`
// (Ge, He, Ke, Sun: "Optimized Product Quantization", CVPR 2013 / TPAMI 2014).
//
// How the rotation is learned (all on a centered sample of at most `maxTrain` training vectors X, n x d):
//
// 1. Parametric initialisation (the paper's closed-form solution for Gaussian data). PQ's distortion on
//    Gaussian data is lowest when the sub-spaces are independent (PCA basis) and the product of the
//    eigenvalues (the determinant of the sub-space covariance) is the same in every sub-space. We take the
//    eigenvectors of the covariance X^T X / n and deal the eigenvalues, largest first, to the m sub-spaces
//    in rounds of m: in each round every sub-space receives one eigenvalue, the largest of the round going to
//    the sub-space whose log-product is smallest so far ("eigenvalue allocation"). Rows m*dsub..(m+1)*dsub-1
//    of A are the eigenvectors of sub-space m. (Dealing in rounds keeps the greedy independent of the data's
//    scale, which the paper's one-at-a-time greedy is not when eigenvalues are below 1, as for unit vectors.)
//
// 2. Non-parametric refinement (the paper's alternation, as Faiss OPQMatrix::train does it), `iters` times:
//      a. rotate: Xr = X A^T on the GPU (the `scores` kernel);
//      b. PQ codebooks on Xr: the first iteration trains them with the GPU k-means (`trainKMeans`,
//         `firstKmeansIters` Lloyd iterations); later ones hot-start from the previous codebooks and run
//         `kmeansIters` Lloyd iterations (GPU nearest-codeword assignment `assignNearest`, host centroid update);
//      c. encode Xr with the codebooks (nearest codeword per sub-space) -> reconstruction Y (n x d, rotated
//         space); report the PQ reconstruction error ||Xr - Y||^2 / n;
//      d. rotation update (orthogonal Procrustes): R = argmin_R ||X R - Y|| over orthogonal R is U V^T with
//         X^T Y = U S V^T; then A = R^T. X^T Y is formed from per-codeword sums of the X rows that use each
//         code (n*d*m additions instead of an n x d x d product).
//    Each step of the alternation lowers (or keeps) the same objective ||X A^T - Y||^2, so the error falls.
//
// Faiss starts from a random rotation and uses niter = 50, niter_pq = 4 (40 the first time) on up to 65,536
// points. The parametric start already gives most of the reduction in PQ error, so the defaults here run a few
// refinement iterations only (OPQ_DEFAULTS).
import { mulberry32, sampleDistinct } from '../util/random.js';
import { throwIfAborted } from '../util/abort.js';
import { checkInt } from '../util/check.js';
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import { now, ProgressMeter, type LongWorkOptions } from '../util/progress.js';
import { assignNearest } from '../kernels/kmeans.js';
import { trainKMeans } from './clustering.js';
import { symEig, procrustes, randomOrthogonal } from './linalg.js';
import { rotateRows } from './rotation.js';

export interface OpqOptions extends LongWorkOptions {
  /** refinement iterations (Procrustes updates) after the parametric start; 0 = parametric solution only */
  iters?: number;
  /** Lloyd iterations of the hot-started PQ k-means in each refinement iteration after the first */
  kmeansIters?: number;
  /** Lloyd iterations of the PQ k-means in the first refinement iteration (from random codewords) */
  firstKmeansIters?: number;
  /** at most this many training vectors are used (a seeded random sample) */
  maxTrain?: number;
  /** PQ bits per code (8: 256 codewords per sub-space, or 4) */
  bits?: 8 | 4;
  /** start from the parametric solution (default) or from a random rotation, as Faiss does */
  init?: 'parametric' | 'random';
  seed?: number;
}

/** Defaults of trainOpq: the parametric start plus a few hot-started refinement iterations. */
export const OPQ_DEFAULTS = { iters: 5, kmeansIters: 3, firstKmeansIters: 10, maxTrain: 20000, bits: 8 } as const;

/** Column means of x (n x d). */
export function columnMeans(x: ArrayLike<number>, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / Math.max(1, n);
  return mean;
}

/** Covariance (X - mean)^T (X - mean) / n, d x d, float64 (rows processed 4 at a time). */
export function covariance(x: ArrayLike<number>, n: number, d: number, mean: ArrayLike<number>): Float64Array {
  const c = new Float64Array(d * d);
  const r = [new Float64Array(d), new Float64Array(d), new Float64Array(d), new Float64Array(d)] as const;
  for (let i0 = 0; i0 < n; i0 += 4) {
    const rows = Math.min(4, n - i0);
    for (let q = 0; q < 4; q++) {
      if (q < rows) for (let j = 0; j < d; j++) r[q][j] = x[(i0 + q) * d + j]! - mean[j]!;
      else r[q].fill(0);
    }
    const [a0, a1, a2, a3] = r;
    for (let p = 0; p < d; p++) {
      const v0 = a0[p]!, v1 = a1[p]!, v2 = a2[p]!, v3 = a3[p]!;
      const o = p * d;
      for (let j = p; j < d; j++) c[o + j] += v0 * a0[j]! + v1 * a1[j]! + v2 * a2[j]! + v3 * a3[j]!;
    }
  }
  for (let p = 0; p < d; p++) for (let j = p; j < d; j++) { const v = c[p * d + j]! / Math.max(1, n); c[p * d + j] = v; c[j * d + p] = v; }
  return c;
}

/**
 * Eigenvalue allocation: deals the eigenvalue indices (values sorted descending) to m sub-spaces of
 * d/m dims so that the products of the eigenvalues per sub-space are balanced. Returns, for each sub-space,
 * the indices of its eigenvalues (each index used once). Values below max * 1e-12 count as max * 1e-12.
 */
export function allocateEigenvalues(values: ArrayLike<number>, m: number): number[][] {
  const d = values.length;
  if (!Number.isInteger(m) || m < 1 || d % m !== 0) throw new Error(`allocateEigenvalues: ${d} dimensions cannot be split into ${m} sub-spaces`);
  const dsub = d / m;
  const floor = Math.max(Math.abs(values[0] ?? 0) * 1e-12, Number.MIN_VALUE);
  const logProd = new Float64Array(m);
  const buckets: number[][] = Array.from({ length: m }, () => []);
  const order = Array.from({ length: m }, (_, i) => i);
  for (let round = 0; round < dsub; round++) {
    // the sub-spaces by current log-product, smallest first (ties: lower index), get this round's values largest first
    order.sort((a, b) => logProd[a]! - logProd[b]! || a - b);
    for (let k = 0; k < m; k++) {
      const idx = round * m + k, b = order[k]!;
      buckets[b]!.push(idx);
      logProd[b] = logProd[b]! + Math.log(Math.max(values[idx]!, floor));
    }
  }
  return buckets;
}

export interface ParametricOpq {
  /** the rotation A, d x d row-major, y = A x */
  rotation: Float64Array;
  /** covariance eigenvalues, descending */
  eigenvalues: Float64Array;
  /** eigenvalue indices of each sub-space */
  allocation: number[][];
}

/** The parametric OPQ solution (PCA + eigenvalue allocation) from a covariance matrix (d x d). */
export function parametricFromCovariance(cov: ArrayLike<number>, d: number, m: number): ParametricOpq {
  const { values, vectors } = symEig(cov, d);
  const allocation = allocateEigenvalues(values, m);
  const dsub = d / m;
  const rotation = new Float64Array(d * d);
  for (let b = 0; b < m; b++) {
    for (let t = 0; t < dsub; t++) {
      const row = b * dsub + t, ev = allocation[b]![t]!;
      for (let k = 0; k < d; k++) rotation[row * d + k] = vectors[k * d + ev]!;
    }
  }
  return { rotation, eigenvalues: values, allocation };
}

/** The parametric OPQ solution from data x (n x d). */
export function parametricOpq(x: ArrayLike<number>, n: number, d: number, m: number): ParametricOpq {
  return parametricFromCovariance(covariance(x, n, d, columnMeans(x, n, d)), d, m);
}

/**
 * X^T Y where Y is the PQ reconstruction (n x d) of the codes (n x m, one u32 code per sub-space) with
 * codebooks m x ksub x dsub, formed from per-codeword sums of the rows of X (n x d): column block j of
 * X^T Y = sum_c (sum of x_i with code_ij = c) c_jc^T. Also returns how many rows use each code (m x ksub).
 */
export function crossWithReconstruction(x: ArrayLike<number>, codes: ArrayLike<number>, codebooks: ArrayLike<number>,
  n: number, d: number, m: number, ksub: number): { xty: Float64Array; counts: Uint32Array } {
  const dsub = d / m;
  const sums = new Float64Array(m * ksub * d);
  const counts = new Uint32Array(m * ksub);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) row[k] = x[i * d + k]!;
    for (let j = 0; j < m; j++) {
      const c = codes[i * m + j]!;
      if (c >= ksub) throw new Error(`crossWithReconstruction: code ${c} of row ${i}, sub-space ${j} is not below ksub = ${ksub}`);
      counts[j * ksub + c]++;
      const o = (j * ksub + c) * d;
      for (let k = 0; k < d; k++) sums[o + k] += row[k]!;
    }
  }
  const xty = new Float64Array(d * d);
  for (let j = 0; j < m; j++) {
    for (let c = 0; c < ksub; c++) {
      if (counts[j * ksub + c] === 0) continue;
      const so = (j * ksub + c) * d, co = (j * ksub + c) * dsub;
      for (let p = 0; p < d; p++) {
        const s = sums[so + p]!;
        if (s === 0) continue;
        const xo = p * d + j * dsub;
        for (let t = 0; t < dsub; t++) xty[xo + t] += s * codebooks[co + t]!;
      }
    }
  }
  return { xty, counts };
}

/** Squared error ||x - decode(codes)||^2 summed over rows, x n x d in the codebooks' space. */
export function reconstructionError(x: ArrayLike<number>, codes: ArrayLike<number>, codebooks: ArrayLike<number>,
  n: number, d: number, m: number, ksub: number): number {
  const dsub = d / m;
  let err = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const co = (j * ksub + codes[i * m + j]!) * dsub, xo = i * d + j * dsub;
      for (let t = 0; t < dsub; t++) err += (x[xo + t]! - codebooks[co + t]!) ** 2;
    }
  }
  return err;
}

/** One Lloyd update of PQ codebooks from rows x (n x d, rotated space) and their codes; empty codewords keep their value. */
function updateCodebooks(x: Float32Array, codes: Uint32Array, codebooks: Float32Array, n: number, d: number, m: number, ksub: number): void {
  const dsub = d / m;
  const sums = new Float64Array(m * ksub * dsub);
  const counts = new Uint32Array(m * ksub);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const c = j * ksub + codes[i * m + j]!;
      counts[c]++;
      const so = c * dsub, xo = i * d + j * dsub;
      for (let t = 0; t < dsub; t++) sums[so + t] += x[xo + t]!;
    }
  }
  for (let c = 0; c < m * ksub; c++) {
    const cnt = counts[c]!;
    if (cnt === 0) continue;
    for (let t = 0; t < dsub; t++) codebooks[c * dsub + t] = sums[c * dsub + t]! / cnt;
  }
}

/**
 * Learns an OPQ rotation for m PQ sub-spaces from the n x d row-major vectors x. Returns A (d x d row-major,
 * orthogonal): vectors are transformed as y = A x before IVF and PQ. See the top of this file for the method.
 * Progress is reported per refinement iteration with the PQ reconstruction error (info.mse, per vector);
 * `signal` cancels (AbortError) and frees the GPU memory it used.
 */
export async function trainOpq(engine: Engine, x: Float32Array, n: number, d: number, m: number, opts: OpqOptions = {}): Promise<Float32Array> {
  const iters = opts.iters ?? OPQ_DEFAULTS.iters;
  const kmeansIters = opts.kmeansIters ?? OPQ_DEFAULTS.kmeansIters;
  const firstKmeansIters = opts.firstKmeansIters ?? OPQ_DEFAULTS.firstKmeansIters;
  const maxTrain = opts.maxTrain ?? OPQ_DEFAULTS.maxTrain;
  const bits = opts.bits ?? OPQ_DEFAULTS.bits;
  const seed = opts.seed ?? 1234;
  for (const [name, v, min] of [['n', n, 1], ['d', d, 1], ['m', m, 1], ['iters', iters, 0], ['kmeansIters', kmeansIters, 1],
    ['firstKmeansIters', firstKmeansIters, 1], ['maxTrain', maxTrain, 1]] as const) checkInt(v, `trainOpq: ${name}`, min);
  if (d % m !== 0) throw new Error(`trainOpq: the dimension ${d} is not a multiple of m = ${m}`);
  if (bits !== 8 && bits !== 4) throw new Error(`trainOpq: bits must be 8 or 4, got ${bits}`);
  if (x.length < n * d) throw new Error(`trainOpq: x holds ${x.length} floats, ${n} x ${d} = ${n * d} are needed`);
  const ksub = 1 << bits, dsub = d / m;
  const nt = Math.min(n, maxTrain);
  if (iters > 0 && nt < ksub) throw new Error(`trainOpq: ${nt} training vectors cannot train ${ksub} PQ codewords per sub-space (need at least ${ksub})`);
  const signal = opts.signal;
  throwIfAborted(signal);
  const rand = mulberry32(seed);

  // centered sample (float32, what the GPU sees), kept on the host too for the Procrustes step
  const pick = nt < n ? sampleDistinct(n, nt, rand).sort() : null;
  const xs = new Float32Array(nt * d);
  for (let i = 0; i < nt; i++) xs.set(x.subarray((pick ? pick[i]! : i) * d, (pick ? pick[i]! : i) * d + d), i * d);
  for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i]!)) throw new Error(`trainOpq: training vector ${Math.floor(i / d)} has a non-finite value`);
  const mean = columnMeans(xs, nt, d);
  for (let i = 0; i < nt; i++) for (let j = 0; j < d; j++) xs[i * d + j] = xs[i * d + j]! - mean[j]!;

  let A: Float64Array;
  if ((opts.init ?? 'parametric') === 'parametric') {
    const pca = new ProgressMeter('opq pca', 1, opts.onProgress);
    pca.report(0);
    A = parametricFromCovariance(covariance(xs, nt, d, new Float64Array(d)), d, m).rotation;
    pca.report(1);
  } else {
    A = randomOrthogonal(d, rand);
  }
  throwIfAborted(signal);
  if (iters === 0) return Float32Array.from(A);

  const temps: GpuBuffer[] = [];
  const gpu = (b: GpuBuffer): GpuBuffer => { temps.push(b); return b; };
  try {
    const xb = gpu(engine.upload(xs, 'opq train vectors'));
    const ab = gpu(engine.buffer(d * d * 4, 'opq rotation'));
    const xr = gpu(engine.buffer(nt * d * 4, 'opq rotated vectors'));
    const assign = gpu(engine.buffer(nt * m * 4, 'opq codes'));
    const score = gpu(engine.buffer(nt * m * 4, 'opq code distances'));
    const cb = gpu(engine.buffer(m * ksub * dsub * 4, 'opq codebooks'));
    let codebooks: Float32Array | null = null;
    const meter = new ProgressMeter('opq', iters, opts.onProgress);
    for (let it = 0; it < iters; it++) {
      const tIter = now();
      // a. rotate
      const a32 = Float32Array.from(A);
      engine.write(ab, a32);
      rotateRows(engine, xb, ab, xr, nt, d);
      const xrHost = await engine.read(xr, Float32Array, 0, nt * d * 4);
      throwIfAborted(signal);
      // b. codebooks
      let lloyd: number;
      if (!codebooks) {
        const trained = await trainKMeans(engine, xr, { n: nt, groups: m, dsub, k: ksub, metric: 'l2', iters: firstKmeansIters, seed: (seed + 1) >>> 0, ...(signal ? { signal } : {}) });
        try {
          codebooks = await engine.read(trained, Float32Array, 0, m * ksub * dsub * 4);
        } finally {
          trained.dispose();
        }
        lloyd = 0;
      } else {
        lloyd = kmeansIters;
      }
      engine.write(cb, codebooks);
      // hot-started Lloyd iterations (assign on the GPU, update on the host), then c. the final encoding
      let codes: Uint32Array;
      for (let l = 0; ; l++) {
        assignNearest(engine, xr, cb, assign, score, nt, m, ksub, dsub, 1);
        codes = await engine.read(assign, Uint32Array, 0, nt * m * 4);
        throwIfAborted(signal);
        if (l === lloyd) break;
        updateCodebooks(xrHost, codes, codebooks, nt, d, m, ksub);
        engine.write(cb, codebooks);
      }
      const mse = reconstructionError(xrHost, codes, codebooks, nt, d, m, ksub) / nt;
      // d. Procrustes: R = U V^T of X^T Y minimises ||X R - Y||; y = R^T x, so A = R^T
      const { xty } = crossWithReconstruction(xs, codes, codebooks, nt, d, m, ksub);
      const rot = procrustes(xty, d);
      const next = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) next[i * d + j] = rot[j * d + i]!;
      A = next;
      throwIfAborted(signal);
      meter.report(it + 1, { iter: it + 1, mse, kmeansIters: lloyd === 0 ? firstKmeansIters : lloyd, seconds: (now() - tIter) / 1000 });
    }
  } finally {
    engine.flush();
    for (const b of temps) b.dispose();
  }
  return Float32Array.from(A);
}
