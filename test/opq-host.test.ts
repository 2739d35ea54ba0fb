// Host parts of OPQ (no GPU): eigenvalue allocation, parametric solution, X^T Y from codes.
import t from 'tap';
import { rng, randn, freshSeed } from './helpers.js';
import { matmulTN, orthogonalityError } from '../src/quantizers/linalg.js';
import {
  allocateEigenvalues, parametricOpq, crossWithReconstruction, reconstructionError, covariance, columnMeans,
} from '../src/quantizers/opq.js';
import { pqDecodeRef, pqEncodeRef, rotateRef, subspaceLogDets, pqErrorWithRotation, anisotropic } from './reference/opq.js';

const spread = (v: number[]): number => Math.max(...v) - Math.min(...v);

t.test('allocateEigenvalues deals every index once and balances log-products', async (t) => {
  const seed = freshSeed(); const r = rng(seed);
  for (const [d, m] of [[8, 1], [12, 3], [64, 8], [96, 32], [10, 10]] as const) {
    const values = Array.from({ length: d }, () => Math.exp(-6 * r()) * (r() < 0.1 ? 1e-9 : 1)).sort((a, b) => b - a);
    const alloc = allocateEigenvalues(values, m);
    t.equal(alloc.length, m, `seed ${seed} d=${d} m=${m}: m buckets`);
    t.ok(alloc.every((b) => b.length === d / m), 'every bucket holds d/m values');
    t.same([...alloc.flat()].sort((a, b) => a - b), Array.from({ length: d }, (_, i) => i), 'each index used once');
    const dsub = d / m;
    const lp = (b: number[]): number => b.reduce((s, i) => s + Math.log(Math.max(values[i]!, values[0]! * 1e-12)), 0);
    const balanced = spread(alloc.map(lp));
    const natural = spread(Array.from({ length: m }, (_, j) => lp(Array.from({ length: dsub }, (_, k) => j * dsub + k))));
    if (m > 1 && dsub > 1) t.ok(balanced < natural, `d=${d} m=${m}: spread of log-products ${balanced.toFixed(3)} < contiguous PCA blocks ${natural.toFixed(3)}`);
    // scale invariance: the same allocation for the values times any constant
    t.same(allocateEigenvalues(values.map((v) => v * 1e-3), m), alloc, 'independent of the scale');
  }
  t.throws(() => allocateEigenvalues([3, 2, 1], 2), /3 dimensions cannot be split into 2 sub-spaces/);
});

t.test('parametric OPQ: orthogonal, PCA basis, balanced sub-space determinants, lower PQ error', async (t) => {
  const seed = freshSeed(); const r = rng(seed);
  const n = 2000, d = 64, m = 8;
  const x = anisotropic(r, n, d, 12);
  const p = parametricOpq(x, n, d, m);
  t.ok(orthogonalityError(p.rotation, d) < 1e-10, `seed ${seed}: A A^T = I (${orthogonalityError(p.rotation, d)})`);
  const y = rotateRef(x, p.rotation, n, d);
  // rotated covariance is diagonal with the allocated eigenvalues
  const cy = covariance(y, n, d, columnMeans(y, n, d));
  let off = 0, diagErr = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    if (i !== j) off = Math.max(off, Math.abs(cy[i * d + j]!));
    else diagErr = Math.max(diagErr, Math.abs(cy[i * d + i]! - p.eigenvalues[p.allocation[Math.floor(i / (d / m))]![i % (d / m)]!]!));
  }
  t.ok(off < 1e-9 && diagErr < 1e-9, `rotated covariance is diag(allocated eigenvalues) (off ${off}, diag ${diagErr})`);
  const balanced = spread(subspaceLogDets(y, n, d, m));
  const plain = spread(subspaceLogDets(x, n, d, m));
  t.ok(balanced < 0.25 * plain, `sub-space log-determinants: spread ${balanced.toFixed(3)} with the rotation, ${plain.toFixed(3)} without`);
  const ksub = 16;
  const errPlain = pqErrorWithRotation(x, null, n, d, m, ksub, 8, rng(seed + 1));
  const errParam = pqErrorWithRotation(x, p.rotation, n, d, m, ksub, 8, rng(seed + 1));
  t.ok(errParam < errPlain, `PQ(m=${m}, ksub=${ksub}) training MSE ${errParam.toFixed(4)} with the parametric rotation < ${errPlain.toFixed(4)} without`);
});

t.test('crossWithReconstruction equals X^T decode(codes); reconstructionError matches the reference', async (t) => {
  const seed = freshSeed(); const r = rng(seed);
  for (const [n, d, m, ksub] of [[1, 4, 1, 1], [37, 12, 3, 5], [300, 64, 8, 256]] as const) {
    const x = Float64Array.from({ length: n * d }, () => randn(r));
    const cb = Float64Array.from({ length: m * ksub * (d / m) }, () => randn(r));
    const codes = pqEncodeRef(x, cb, n, d, m, ksub);
    const { xty, counts } = crossWithReconstruction(x, codes, cb, n, d, m, ksub);
    const y = pqDecodeRef(codes, cb, n, d, m, ksub);
    const want = matmulTN(x, y, n, d, d);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(xty[i]! - want[i]!));
    t.ok(worst < 1e-9 * n, `seed ${seed} n=${n} d=${d} m=${m} ksub=${ksub}: max diff ${worst}`);
    t.equal(counts.reduce((s, v) => s + v, 0), n * m, 'counts sum to n*m');
    let e = 0;
    for (let i = 0; i < n * d; i++) e += (x[i]! - y[i]!) ** 2;
    t.ok(Math.abs(reconstructionError(x, codes, cb, n, d, m, ksub) - e) < 1e-9 * e, 'reconstruction error');
  }
  t.throws(() => crossWithReconstruction(new Float64Array(4), new Uint32Array([7]), new Float64Array(4), 1, 4, 1, 1), /code 7 of row 0, sub-space 0 is not below ksub = 1/);
});
