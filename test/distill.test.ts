// Distill-VQ end to end on real data (800 sentence embeddings of the shipped demo set, base documents as
// pseudo-queries): the loss goes down, Recall@10 against exact search does not, GPU memory stays flat, and
// cancelling leaves the index as it was.
import t from 'tap';
import { getEngine } from './helpers.js';
import { demoRows } from './fixtures/demo-rows.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { exactSearchRef } from './reference/ivfpq.js';
import { recallAtK as recallAt } from '../src/index/metrics.js';

const demo = await demoRows(800);
const M = 16; // 32-dimensional sub-spaces
const settings = { pseudoQueries: 320, topK: 20, batchSize: 16, epochs: 3, validationQueries: 40, validationNprobe: 2, seed: 5 };

t.test('distillation lowers the loss and keeps recall@10 against exact search', async (t) => {
  const engine = await getEngine();
  const { base: data, n, dim } = demo;
  const index = new IvfPqIndex(engine, { dim, nlist: 8, m: M, bits: 8 });
  await index.train(data, { seed: 7 });
  await index.add(data);
  const truth = exactSearchRef(data, n, data, n, dim, 10, 'ip');
  const before = recallAt((await index.search(data, { k: 10, nprobe: 2 })).ids, 10, truth, 10, n, 10);
  const startNearest = meanNearestRef(index.toData(), data, n);
  const live = engine.liveBuffers, bytes = engine.liveBytes;
  const phases = new Set<string>();
  const report = await index.distill({ base: data, ...settings, onProgress: (p) => { phases.add(p.phase); } });
  const after = recallAt((await index.search(data, { k: 10, nprobe: 2 })).ids, 10, truth, 10, n, 10);
  t.comment(`loss per epoch ${report.epochLoss.map((x) => x.toFixed(4)).join(' ')}; validation recall ${report.validationRecall.join(' ')}; recall@10 ${before} -> ${after}`);
  t.ok(report.epochLoss[report.epochLoss.length - 1]! < report.epochLoss[0]!, 'the training loss goes down');
  t.ok(after >= before - 0.005, `recall@10 against exact search does not go down (${before.toFixed(4)} -> ${after.toFixed(4)})`);
  t.equal(index.ntotal, n, 'the index holds the documents again, re-encoded');
  t.ok(phases.has('distill') && phases.has('distill epoch'), 'progress is reported per step and per epoch');
  // 'auto' soft-assignment temperature: 0.05 x the start's mean squared distance from a residual sub-vector to
  // its nearest codeword (float64 reference over the same 256 documents).
  t.ok(Math.abs(report.assignTemperature - 0.05 * startNearest) <= 1e-6 * startNearest, `auto assignment temperature ${report.assignTemperature} = 0.05 x ${startNearest}`);
  t.equal(engine.liveBuffers, live, 'GPU buffers after training = before (nothing leaked)');
  t.equal(engine.liveBytes, bytes, 'GPU bytes after training = before');
  index.dispose();
});

t.test('cancelling distillation leaves the index as it was', async (t) => {
  const { base: data, dim } = demo;
  const index = await demoIndex(8, 9);
  const q = data.subarray(0, 30 * dim);
  const before = await index.search(q, { k: 10, nprobe: 3 });
  const ac = new AbortController();
  const p = index.distill({ base: data, ...settings, epochs: 2, signal: ac.signal, onProgress: (pr) => { if (pr.phase === 'distill' && pr.done >= 3) ac.abort(); } });
  await t.rejects(p, { name: 'AbortError' }, 'throws an AbortError');
  const after = await index.search(q, { k: 10, nprobe: 3 });
  t.same(Array.from(after.ids), Array.from(before.ids), 'same results as before the cancelled run');
  await t.rejects(index.distill({ base: data.subarray(0, 10 * dim + 1) }), /not a whole number/, 'bad base is refused');
  await t.rejects(index.distill({ base: data, loss: 'hinge' as 'kl' }), /unknown loss 'hinge'/);
  index.dispose();
});

t.test('training queries plus pseudo-queries; validation is held out from the given queries', async (t) => {
  const { base: data, dim } = demo;
  const index = await demoIndex(4, 3);
  const queries = data.subarray(0, 60 * dim).map((v, i) => v + 0.01 * Math.sin(i)); // 60 queries near documents
  const report = await index.distill({ base: data, queries, pseudoQueries: 100, topK: 10, batchSize: 32, epochs: 1, validationQueries: 20, validationNprobe: 2, seed: 2 });
  t.equal(report.validationQueries, 20, '20 of the given queries are held out');
  t.equal(report.trainQueries, 40 + 100, 'the other 40 queries and the 100 pseudo-queries train');
  t.equal(report.steps, Math.ceil(140 / 32), 'one epoch covers them all');
  t.equal(report.validationRecall.length, 2);
  await t.rejects(index.distill({ base: data, assignTemperature: 0 }), /assignTemperature must be a finite number > 0/, 'a zero assignment temperature is refused');
  await t.rejects(index.distill({ base: data, pseudoQueries: -1 }), /pseudoQueries must be an integer/, 'a negative pseudo-query count is refused');
  await t.rejects(index.distill({ base: data, pseudoQueries: 0 }), /no training queries/, 'no queries at all is refused');
  await t.rejects(index.distill({ base: data, validationQueries: -5 }), /validationQueries must be an integer/, 'a negative validation count is refused');
  await t.rejects(index.distill({ base: data, warmup: 1.5 }), /warmup must be a fraction in \[0, 1\]/, 'every option is checked before any work');
  await t.rejects(index.distill({ base: data, lrCodebooks: Number.NaN }), /lrCodebooks must be a finite number >= 0/);
  await t.rejects(index.distill({ base: data, centroidOptimizer: 'adam' as 'sgd' }), /centroidOptimizer must be 'sgd' or 'adamw'/);
  await t.rejects(index.distill({ base: data, ivfWeight: -1 }), /ivfWeight must be a finite number >= 0/);
  await t.rejects(index.distill({ base: data, validationNprobe: 0 }), /validationNprobe must be an integer/);
  await t.rejects(index.distill({ base: data, temperature: 0 }), /temperature must be a finite number > 0/);
  index.dispose();
});

/** A k-means IVFPQ index (M sub-spaces, 8-bit) over the demo rows, holding all of them. */
t.test('with learning rates 0 the distilled index is its start re-encoded (the student\'s lists serve the first re-encoding)', async (t) => {
  const { base: data, dim } = demo;
  for (const opq of [false, true]) {
    const index = new IvfPqIndex(await getEngine(), { dim, nlist: 8, m: M, bits: 8 });
    await index.train(data, { seed: 4, ...(opq ? { opq: { iters: 2 } } : {}) });
    await index.add(data);
    const fresh = await IvfPqIndex.load(await getEngine(), index.toBytes());
    await fresh.reencode(data); // lists searched again
    await index.distill({ base: data, pseudoQueries: 64, topK: 10, batchSize: 32, epochs: 1, validationQueries: 16, validationNprobe: 2, seed: 3, lrCodebooks: 0, lrCentroids: 0 });
    t.same(index.toBytes(), fresh.toBytes(), `${opq ? 'OPQ' : 'plain'} start: the same bytes as the start re-encoded`);
    index.dispose();
    fresh.dispose();
  }
});

async function demoIndex(nlist: number, seed: number): Promise<IvfPqIndex> {
  const { base: data, dim } = demo;
  const index = new IvfPqIndex(await getEngine(), { dim, nlist, m: M, bits: 8 });
  await index.train(data, { seed });
  await index.add(data);
  return index;
}

/** Float64 reference of the 'auto' temperature's scale: over documents floor(s n / 256), s < 256, the mean over
 *  sub-spaces of the squared distance from the residual sub-vector (to the nearest centroid) to its nearest codeword. */
function meanNearestRef(d: { dim: number; m: number; bits: number; nlist: number; rotation: Float32Array | null; centroids: Float32Array; codebooks: Float32Array; metric: string }, x: Float32Array, n: number): number {
  if (d.rotation) throw new Error('meanNearestRef: the fixture index has no rotation');
  const D = d.dim, M = d.m, K = 1 << d.bits, ds = D / M, rows = Math.min(n, 256);
  let sum = 0;
  for (let s = 0; s < rows; s++) {
    const r = Math.floor((s * n) / rows);
    const v = Array.from(x.subarray(r * D, (r + 1) * D));
    let best = -Infinity, list = 0;
    for (let l = 0; l < d.nlist; l++) {
      let sc = 0;
      for (let j = 0; j < D; j++) sc += v[j]! * d.centroids[l * D + j]!;
      if (d.metric !== 'ip') { sc = 0; for (let j = 0; j < D; j++) sc -= (v[j]! - d.centroids[l * D + j]!) ** 2; }
      if (sc > best) { best = sc; list = l; }
    }
    for (let m = 0; m < M; m++) {
      let near = Infinity;
      for (let k = 0; k < K; k++) {
        let dist = 0;
        for (let j = 0; j < ds; j++) dist += (v[m * ds + j]! - d.centroids[list * D + m * ds + j]! - d.codebooks[(m * K + k) * ds + j]!) ** 2;
        near = Math.min(near, dist);
      }
      sum += near;
    }
  }
  return sum / (rows * M);
}
