// Same input, same seed, same adapter -> same bytes: whole IvfPqIndex train + add runs (k-means with every float sum
// in a fixed order, OPQ, encoding) compared byte for byte. trainKMeans alone: test/kernel-kmeans.test.ts.
import t from 'tap';
import { getEngine, rng, freshSeed, blobs } from './helpers.js';
import { IvfPqIndex } from '../src/api.js';

t.test('IvfPqIndex: train + add with the same seed twice gives the same file bytes', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const n = 3000, dim = 32;
  const x = blobs(r, n, 40, dim, 0.6);
  const build = async (metric: 'ip' | 'l2', opq: boolean, trainSeed: number) => {
    const index = new IvfPqIndex(engine, { dim, nlist: 16, m: 8, bits: 8, metric });
    try {
      await index.train(x, { seed: trainSeed, ...(opq ? { opq: { iters: 2 } } : {}) });
      await index.add(x);
      return index.toBytes();
    } finally { index.dispose(); }
  };
  for (const [metric, opq] of [['ip', false], ['l2', false], ['ip', true]] as const) {
    const a = await build(metric, opq, 5), b = await build(metric, opq, 5);
    const tag = `seed ${seed} metric=${metric} opq=${opq}`;
    t.equal(Buffer.compare(a, b), 0, `${tag}: identical bytes (${a.length})`);
    if (metric === 'ip' && !opq) t.not(Buffer.compare(a, await build(metric, opq, 6)), 0, `${tag}: another seed gives another file (the check can fail)`);
  }
});
