// trainOpq on the GPU engine: small synthetic anisotropic data (2,000 x 64, m = 8).
import t from 'tap';
import { getEngine, rng, freshSeed } from './helpers.js';
import { orthogonalityError } from '../src/quantizers/linalg.js';
import { trainOpq, covariance, columnMeans } from '../src/quantizers/opq.js';
import type { Progress } from '../src/util/progress.js';
import { pqErrorWithRotation, rotateRef, anisotropic } from './reference/opq.js';

const n = 2000, d = 64, m = 8;
const small = { kmeansIters: 2, firstKmeansIters: 8 };

t.test('trainOpq: orthogonal rotation, PQ error lower than without, monotone refinement, progress', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed(); const r = rng(seed);
  const x = anisotropic(r, n, d, 12);
  const live = engine.liveBuffers;
  const progress: Progress[] = [];
  const A = await trainOpq(engine, x, n, d, m, { iters: 5, ...small, seed, onProgress: (p) => progress.push(p) });
  t.equal(engine.liveBuffers, live, 'no GPU buffers left behind');
  t.equal(A.length, d * d, 'd x d');
  t.ok(orthogonalityError(A, d) < 1e-4, `seed ${seed}: A A^T = I within 1e-4 (${orthogonalityError(A, d)})`);
  // PQ trained (float64 reference k-means, 256 codewords) with and without the rotation
  const ksub = 256;
  const plain = pqErrorWithRotation(x, null, n, d, m, ksub, 4, rng(seed + 1));
  const rotated = pqErrorWithRotation(x, A, n, d, m, ksub, 4, rng(seed + 1));
  t.ok(rotated < plain, `seed ${seed}: PQ MSE ${rotated.toFixed(4)} with the learned rotation < ${plain.toFixed(4)} without`);
  // progress: the PCA phase, then one report per refinement iteration with a non-increasing error
  t.ok(progress.some((p) => p.phase === 'opq pca'), 'PCA phase reported');
  const it = progress.filter((p) => p.phase === 'opq');
  t.same(it.map((p) => p.done), [1, 2, 3, 4, 5], 'one report per iteration');
  t.ok(it.every((p) => p.total === 5 && p.rate > 0 && Number.isFinite(p.eta) && Number.isFinite(p.info?.mse)), 'rate, eta and mse reported');
  const mse = it.map((p) => p.info!.mse!);
  for (let i = 1; i < mse.length; i++) t.ok(mse[i]! <= mse[i - 1]! * (1 + 1e-4), `iteration ${i + 1}: mse ${mse[i]!.toFixed(5)} <= ${mse[i - 1]!.toFixed(5)}`);
});

t.test('trainOpq from a random rotation (as Faiss) lowers the error over the iterations', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed(); const r = rng(seed);
  const x = anisotropic(r, n, d, 12);
  const mse: number[] = [];
  const A = await trainOpq(engine, x, n, d, m, { iters: 4, ...small, init: 'random', seed, onProgress: (p) => { if (p.phase === 'opq') mse.push(p.info!.mse!); } });
  t.ok(orthogonalityError(A, d) < 1e-4, `seed ${seed}: orthogonal`);
  t.ok(mse[3]! < 0.95 * mse[0]!, `seed ${seed}: mse ${mse.map((v) => v.toFixed(4)).join(' -> ')}`);
});

t.test('trainOpq with iters = 0 is the parametric solution; 4 bits and subsampling work', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed(); const r = rng(seed);
  const x = anisotropic(r, n, d, 12);
  const A0 = await trainOpq(engine, x, n, d, m, { iters: 0 });
  t.ok(orthogonalityError(A0, d) < 1e-5, `seed ${seed}: orthogonal`);
  const y = rotateRef(x, A0, n, d);
  const c = covariance(y, n, d, columnMeans(y, n, d));
  let off = 0, diag = 0;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (i !== j) off = Math.max(off, Math.abs(c[i * d + j]!)); else diag = Math.max(diag, c[i * d + i]!);
  t.ok(off < 1e-5 * diag, `the parametric rotation decorrelates the data (largest off-diagonal ${off.toExponential(2)}, diagonal ${diag.toFixed(3)})`);
  const A4 = await trainOpq(engine, x, n, d, m, { iters: 2, ...small, bits: 4, maxTrain: 700, seed });
  t.ok(orthogonalityError(A4, d) < 1e-4, '4-bit PQ, 700 of 2,000 vectors: orthogonal');
});

t.test('trainOpq can be cancelled and frees its GPU memory', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed(); const r = rng(seed);
  const x = anisotropic(r, n, d, 12);
  const live = engine.liveBuffers;
  const ac = new AbortController();
  let reports = 0;
  await t.rejects(trainOpq(engine, x, n, d, m, {
    iters: 10, ...small, signal: ac.signal,
    onProgress: (p) => { if (p.phase === 'opq' && ++reports === 2) ac.abort(); },
  }), { name: 'AbortError' }, 'aborted during the refinement');
  t.equal(reports, 2, 'stopped right after the abort');
  t.equal(engine.liveBuffers, live, 'GPU buffers released');
  const pre = new AbortController(); pre.abort();
  await t.rejects(trainOpq(engine, x, n, d, m, { signal: pre.signal }), { name: 'AbortError' }, 'an aborted signal stops it at once');
});

t.test('trainOpq rejects bad input with a clear message', async (t) => {
  const engine = await getEngine();
  const x = new Float32Array(300 * 12);
  await t.rejects(trainOpq(engine, x, 300, 12, 5), /dimension 12 is not a multiple of m = 5/);
  await t.rejects(trainOpq(engine, x, 300, 12, 4, { maxTrain: 100 }), /100 training vectors cannot train 256 PQ codewords/);
  await t.rejects(trainOpq(engine, x, 301, 12, 4), /x holds 3600 floats, 301 x 12 = 3612 are needed/);
  await t.rejects(trainOpq(engine, x, 300, 12, 4, { bits: 6 as 8 }), /bits must be 8 or 4/);
  await t.rejects(trainOpq(engine, x, 300, 12, 4, { iters: -1 }), /iters must be an integer >= 0/);
  const bad = new Float32Array(300 * 12); bad[5 * 12 + 3] = NaN;
  await t.rejects(trainOpq(engine, bad, 300, 12, 4), /training vector 5 has a non-finite value/);
});
