// Distill-VQ end to end on real data (778 MiniLM vectors, base documents as pseudo-queries): the loss goes
// down, Recall@10 against exact search does not, GPU memory stays flat, and cancelling leaves the index as it was.
import t from 'tap';
import { getEngine, readFvecsSync, FIORI, haveShared } from './helpers.js';
import { IvfPqIndex } from '../src/ivfpq/index.js';
import { exactSearchRef } from './reference/ivfpq.js';
import { recallAtK as recallAt } from '../src/ivfpq/metrics.js';

const fiori = haveShared(FIORI) ? readFvecsSync(FIORI) : null;
const settings = { pseudoQueries: 320, topK: 20, batchSize: 16, epochs: 3, lrCodebooks: 1e-3, lrCentroids: 1e-3, centroidOptimizer: 'adamw' as const, validationQueries: 40, validationNprobe: 2, seed: 5 };

t.test('distillation lowers the loss and keeps recall@10 against exact search', { skip: fiori ? false : 'shared data not present' }, async (t) => {
  const engine = await getEngine();
  const { data, n, dim } = fiori!;
  const index = new IvfPqIndex(engine, { dim, nlist: 8, m: 12, bits: 8 });
  await index.train(data, { seed: 7 });
  await index.add(data);
  const truth = exactSearchRef(data, n, data, n, dim, 10, 'ip');
  const before = recallAt((await index.search(data, { k: 10, nprobe: 2 })).ids, 10, truth, 10, n, 10);
  const live = engine.liveBuffers, bytes = engine.liveBytes;
  const phases = new Set<string>();
  const report = await index.distill({ base: data, ...settings, onProgress: (p) => { phases.add(p.phase); } });
  const after = recallAt((await index.search(data, { k: 10, nprobe: 2 })).ids, 10, truth, 10, n, 10);
  t.comment(`loss per epoch ${report.epochLoss.map((x) => x.toFixed(4)).join(' ')}; validation recall ${report.validationRecall.join(' ')}; recall@10 ${before} -> ${after}`);
  t.ok(report.epochLoss[report.epochLoss.length - 1]! < report.epochLoss[0]!, 'the training loss goes down');
  t.ok(after >= before - 0.005, `recall@10 against exact search does not go down (${before.toFixed(4)} -> ${after.toFixed(4)})`);
  t.equal(index.ntotal, n, 'the index holds the documents again, re-encoded');
  t.ok(phases.has('distill') && phases.has('distill epoch'), 'progress is reported per step and per epoch');
  t.equal(engine.liveBuffers, live, 'GPU buffers after training = before (nothing leaked)');
  t.equal(engine.liveBytes, bytes, 'GPU bytes after training = before');
  index.dispose();
});

t.test('cancelling distillation leaves the index as it was', { skip: fiori ? false : 'shared data not present' }, async (t) => {
  const engine = await getEngine();
  const { data, dim } = fiori!;
  const index = new IvfPqIndex(engine, { dim, nlist: 8, m: 12, bits: 8 });
  await index.train(data, { seed: 9 });
  await index.add(data);
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
