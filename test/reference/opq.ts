// Float64 CPU references for the OPQ tests: plain product quantization (Lloyd k-means per sub-space, encode,
// decode, reconstruction error), rotation of row vectors, and the log-determinant of each sub-space's
// covariance (what the eigenvalue allocation balances).
import { matmulNT, symEig, randomOrthogonal } from '../../src/quantizers/linalg.js';
import { randn } from '../helpers.js';

/** Y = X A^T (rows y_i = A x_i), x n x d, A d x d. */
export function rotateRef(x: ArrayLike<number>, a: ArrayLike<number>, n: number, d: number): Float64Array {
  return matmulNT(x, a, n, d, d);
}

/** Nearest codeword (squared L2, ties -> lowest) per sub-space; codes n x m. */
export function pqEncodeRef(x: ArrayLike<number>, codebooks: ArrayLike<number>, n: number, d: number, m: number, ksub: number): Uint32Array {
  const dsub = d / m;
  const codes = new Uint32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let best = Infinity, arg = 0;
      for (let c = 0; c < ksub; c++) {
        let s = 0;
        const co = (j * ksub + c) * dsub, xo = i * d + j * dsub;
        for (let t = 0; t < dsub; t++) s += (x[xo + t]! - codebooks[co + t]!) ** 2;
        if (s < best) { best = s; arg = c; }
      }
      codes[i * m + j] = arg;
    }
  }
  return codes;
}

/** Reconstruction (n x d) from codes (n x m). */
export function pqDecodeRef(codes: ArrayLike<number>, codebooks: ArrayLike<number>, n: number, d: number, m: number, ksub: number): Float64Array {
  const dsub = d / m;
  const y = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    const co = (j * ksub + codes[i * m + j]!) * dsub;
    for (let t = 0; t < dsub; t++) y[i * d + j * dsub + t] = codebooks[co + t]!;
  }
  return y;
}

/**
 * PQ codebooks (m x ksub x dsub) by Lloyd's k-means in each sub-space: initial codewords are ksub distinct
 * random rows (seeded), empty clusters keep their codeword.
 */
export function pqTrainRef(x: ArrayLike<number>, n: number, d: number, m: number, ksub: number, iters: number, rand: () => number): Float64Array {
  const dsub = d / m;
  const cb = new Float64Array(m * ksub * dsub);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < Math.min(n, ksub); i++) { const j = i + Math.floor(rand() * (n - i)); [perm[i], perm[j]] = [perm[j]!, perm[i]!]; }
  for (let j = 0; j < m; j++) for (let c = 0; c < ksub; c++) {
    const r = perm[c % n]!;
    for (let t = 0; t < dsub; t++) cb[(j * ksub + c) * dsub + t] = x[r * d + j * dsub + t]!;
  }
  for (let it = 0; it < iters; it++) {
    const codes = pqEncodeRef(x, cb, n, d, m, ksub);
    const sums = new Float64Array(cb.length), cnt = new Uint32Array(m * ksub);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
      const c = j * ksub + codes[i * m + j]!;
      cnt[c]++;
      for (let t = 0; t < dsub; t++) sums[c * dsub + t] += x[i * d + j * dsub + t]!;
    }
    for (let c = 0; c < m * ksub; c++) if (cnt[c]! > 0) for (let t = 0; t < dsub; t++) cb[c * dsub + t] = sums[c * dsub + t]! / cnt[c]!;
  }
  return cb;
}

/** Mean squared reconstruction error per vector of PQ-coding x with the codebooks. */
export function pqMseRef(x: ArrayLike<number>, codebooks: ArrayLike<number>, n: number, d: number, m: number, ksub: number): number {
  const y = pqDecodeRef(pqEncodeRef(x, codebooks, n, d, m, ksub), codebooks, n, d, m, ksub);
  let e = 0;
  for (let i = 0; i < n * d; i++) e += (x[i]! - y[i]!) ** 2;
  return e / n;
}

/** Train PQ on x (after the rotation a, if given) and return its training reconstruction MSE per vector. */
export function pqErrorWithRotation(x: ArrayLike<number>, a: ArrayLike<number> | null, n: number, d: number, m: number,
  ksub: number, iters: number, rand: () => number): number {
  const xr = a ? rotateRef(x, a, n, d) : Float64Array.from(x);
  return pqMseRef(xr, pqTrainRef(xr, n, d, m, ksub, iters, rand), n, d, m, ksub);
}

/** log det of the covariance of each sub-space block (d/m columns) of y (n x d), centered. */
export function subspaceLogDets(y: ArrayLike<number>, n: number, d: number, m: number): number[] {
  const dsub = d / m;
  const out: number[] = [];
  for (let j = 0; j < m; j++) {
    const mean = new Float64Array(dsub);
    for (let i = 0; i < n; i++) for (let t = 0; t < dsub; t++) mean[t] += y[i * d + j * dsub + t]! / n;
    const c = new Float64Array(dsub * dsub);
    for (let i = 0; i < n; i++) for (let p = 0; p < dsub; p++) {
      const vp = y[i * d + j * dsub + p]! - mean[p]!;
      for (let q = 0; q < dsub; q++) c[p * dsub + q] += (vp * (y[i * d + j * dsub + q]! - mean[q]!)) / n;
    }
    out.push(symEig(c, dsub).values.reduce((s, v) => s + Math.log(Math.max(v, 1e-300)), 0));
  }
  return out;
}

/** n x d anisotropic Gaussian data: std exp(-i / decay) along the axes of a random rotation, plus an offset. */
export function anisotropic(r: () => number, n: number, d: number, decay: number): Float32Array {
  const q = randomOrthogonal(d, r);
  const x = new Float32Array(n * d);
  const offset = Array.from({ length: d }, () => randn(r));
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) z[k] = randn(r) * Math.exp(-k / decay);
    for (let j = 0; j < d; j++) {
      let s = offset[j]!;
      for (let k = 0; k < d; k++) s += q[j * d + k]! * z[k]!;
      x[i * d + j] = s;
    }
  }
  return x;
}

