import t from 'tap';
import { rng, randn, freshSeed } from './helpers.js';
import {
  identity, transpose, matmul, matmulTN, matmulNT, orthogonalityError, symEig, svd, procrustes, procrustesFromData,
  randomOrthogonal,
} from '../src/quantizers/linalg.js';

const SIZES = [1, 2, 3, 17, 65, 130];

function gauss(r: () => number, len: number): Float64Array {
  const a = new Float64Array(len);
  for (let i = 0; i < len; i++) a[i] = randn(r);
  return a;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) { const e = Math.abs(a[i]! - b[i]!); if (!(e <= w)) w = Number.isNaN(e) ? Infinity : e; }
  return w;
}

function maxAbs(a: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]!));
  return w;
}

/** naive triple loop, the reference for the matmul helpers */
function naive(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number, ta: boolean, tb: boolean): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (ta ? a[p * n + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * m + j]!);
    c[i * m + j] = s;
  }
  return c;
}

/** U diag(s) V^T */
function recompose(u: Float64Array, s: Float64Array, v: Float64Array, n: number): Float64Array {
  const us = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) us[i * n + j] = u[i * n + j]! * s[j]!;
  return matmulNT(us, v, n, n, n);
}

t.test('matmul helpers match a naive triple loop (awkward sizes)', async (t) => {
  const seed = freshSeed(); const r = rng(seed);
  for (const [n, k, m] of [[1, 1, 1], [3, 5, 2], [17, 1, 9], [33, 65, 7]] as const) {
    const a = gauss(r, n * k), b = gauss(r, k * m), at = transpose(a, n, k), bt = transpose(b, k, m);
    t.ok(maxAbsDiff(matmul(a, b, n, k, m), naive(a, b, n, k, m, false, false)) < 1e-12, `seed ${seed} matmul ${n}x${k}x${m}`);
    t.ok(maxAbsDiff(matmulTN(at, b, k, n, m), naive(at, b, n, k, m, true, false)) < 1e-12, `seed ${seed} matmulTN ${n}x${k}x${m}`);
    t.ok(maxAbsDiff(matmulNT(a, bt, n, k, m), naive(a, bt, n, k, m, false, true)) < 1e-12, `seed ${seed} matmulNT ${n}x${k}x${m}`);
    t.same(Array.from(transpose(at, k, n)), Array.from(a), 'transpose twice is the identity');
    // float32 inputs work too
    t.ok(maxAbsDiff(matmul(Float32Array.from(a), Float32Array.from(b), n, k, m), naive(Float32Array.from(a), Float32Array.from(b), n, k, m, false, false)) < 1e-10, 'float32 input');
  }
  t.throws(() => matmul(new Float64Array(5), new Float64Array(6), 2, 3, 2), /matmul A: expected at least 6 values, got 5/);
  t.throws(() => identity(-1), /non-negative integer/);
});

t.test('symEig: A V = V diag(w), V orthogonal, w descending, trace kept (random symmetric matrices)', async (t) => {
  const seed = freshSeed(); const r = rng(seed);
  for (const n of SIZES) {
    const b = gauss(r, n * n);
    // indefinite symmetric (B + B^T) and positive semi-definite (B^T B) inputs
    const sym = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sym[i * n + j] = b[i * n + j]! + b[j * n + i]!;
    for (const [name, a] of [['B+B^T', sym], ['B^T B', matmulTN(b, b, n, n, n)]] as const) {
      const { values, vectors } = symEig(a, n);
      const scale = Math.max(1, maxAbs(values));
      t.ok(orthogonalityError(vectors, n) < 1e-12 * n, `seed ${seed} n=${n} ${name}: V orthogonal (${orthogonalityError(vectors, n)})`);
      const av = matmul(a, vectors, n, n, n);
      const vw = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vw[i * n + j] = vectors[i * n + j]! * values[j]!;
      t.ok(maxAbsDiff(av, vw) < 1e-11 * scale * n, `seed ${seed} n=${n} ${name}: A V = V diag(w) (${maxAbsDiff(av, vw)})`);
      let sorted = true;
      for (let j = 1; j < n; j++) if (values[j]! > values[j - 1]!) sorted = false;
      t.ok(sorted, `n=${n} ${name}: eigenvalues descending`);
      let tr = 0, sw = 0;
      for (let i = 0; i < n; i++) { tr += a[i * n + i]!; sw += values[i]!; }
      t.ok(Math.abs(tr - sw) < 1e-10 * scale * n, `n=${n} ${name}: trace = sum of eigenvalues`);
    }
  }
});

t.test('symEig: repeated, zero and known eigenvalues', async (t) => {
  const seed = freshSeed(); const r = rng(seed);
  const n = 23;
  // Q diag(w) Q^T with known w, including a repeated value and zeros
  const q = randomOrthogonal(n, r);
  const w = Array.from({ length: n }, (_, i) => (i < 5 ? 3 : i < 8 ? 0 : i - 10));
  const qw = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) qw[i * n + j] = q[i * n + j]! * w[j]!;
  const a = matmulNT(qw, q, n, n, n);
  const { values, vectors } = symEig(a, n);
  const want = [...w].sort((x, y) => y - x);
  t.ok(maxAbsDiff(values, want) < 1e-12 * n * 20, `seed ${seed}: known spectrum recovered (${maxAbsDiff(values, want)})`);
  t.ok(orthogonalityError(vectors, n) < 1e-12 * n, 'orthogonal eigenvectors for a degenerate spectrum');
  const z = symEig(new Float64Array(n * n), n);
  t.same(Array.from(z.values), new Array(n).fill(0), 'zero matrix: zero eigenvalues');
  t.ok(orthogonalityError(z.vectors, n) < 1e-15, 'zero matrix: orthogonal vectors');
  t.equal(symEig(new Float64Array(0), 0).values.length, 0, 'empty matrix');
  t.throws(() => symEig(new Float64Array([1, NaN, NaN, 1]), 2), /non-finite entry/);
});

t.test('svd: U, V orthogonal, A = U S V^T, s sorted non-negative; rank-deficient inputs', async (t) => {
  const seed = freshSeed(); const r = rng(seed);
  for (const n of SIZES) {
    for (const rank of [n, Math.max(1, n >> 2), 0]) {
      // A = B C with B n x rank, C rank x n
      const a = rank === 0 ? new Float64Array(n * n) : matmul(gauss(r, n * rank), gauss(r, rank * n), n, rank, n);
      const { u, s, v } = svd(a, n);
      const scale = Math.max(1, maxAbs(s));
      t.ok(orthogonalityError(u, n) < 1e-10, `seed ${seed} n=${n} rank=${rank}: U orthogonal (${orthogonalityError(u, n)})`);
      t.ok(orthogonalityError(v, n) < 1e-10, `seed ${seed} n=${n} rank=${rank}: V orthogonal`);
      const err = maxAbsDiff(recompose(u, s, v, n), a);
      t.ok(err < 1e-9 * scale, `seed ${seed} n=${n} rank=${rank}: A = U S V^T (${err})`);
      let ok = true;
      for (let j = 0; j < n; j++) if (s[j]! < 0 || (j > 0 && s[j]! > s[j - 1]! * (1 + 1e-9) + 1e-12)) ok = false;
      t.ok(ok, `n=${n} rank=${rank}: singular values descending and non-negative`);
      if (rank < n) t.ok(s[n - 1]! < 1e-6 * scale, `n=${n} rank=${rank}: trailing singular value is ~0 (${s[n - 1]})`);
    }
  }
});

t.test('procrustes recovers a known rotation and is optimal', async (t) => {
  const seed = freshSeed(); const r = rng(seed);
  for (const [n, d] of [[5, 3], [200, 17], [301, 64]] as const) {
    const x = gauss(r, n * d);
    const r0 = randomOrthogonal(d, r);
    const y = matmul(x, r0, n, d, d);
    const rr = procrustesFromData(x, y, n, d);
    t.ok(maxAbsDiff(rr, r0) < 1e-8, `seed ${seed} n=${n} d=${d}: exact recovery (${maxAbsDiff(rr, r0)})`);
    // noisy target: the solution is orthogonal and beats nearby orthogonal matrices
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + 0.5 * randn(r);
    const rn = procrustes(matmulTN(x, y, n, d, d), d);
    t.ok(orthogonalityError(rn, d) < 1e-10, `n=${n} d=${d}: orthogonal`);
    const obj = (rot: Float64Array): number => {
      const xr = matmul(x, rot, n, d, d);
      let e = 0;
      for (let i = 0; i < xr.length; i++) e += (xr[i]! - y[i]!) ** 2;
      return e;
    };
    const best = obj(rn);
    let beaten = false;
    for (let trial = 0; trial < 5; trial++) {
      // small random rotation: Cayley transform of a skew matrix
      const s = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) { const v = 0.02 * randn(r); s[i * d + j] = v; s[j * d + i] = -v; }
      const pert = procrustes(matmul(identity(d).map((v, i) => v + s[i]!), identity(d), d, d, d), d);
      if (obj(matmul(rn, pert, d, d, d)) < best - 1e-9 * best) beaten = true;
      if (obj(r0) < best - 1e-9 * best) beaten = true;
    }
    t.notOk(beaten, `n=${n} d=${d}: no nearby orthogonal matrix (nor the generating one) does better than ${best.toFixed(3)}`);
  }
});

t.test('randomOrthogonal is orthogonal and seeded', async (t) => {
  const seed = freshSeed();
  for (const n of SIZES) {
    const q = randomOrthogonal(n, rng(seed));
    t.ok(orthogonalityError(q, n) < 1e-12 * n, `seed ${seed} n=${n}`);
    t.same(Array.from(randomOrthogonal(n, rng(seed))), Array.from(q), 'same seed, same matrix');
  }
});
