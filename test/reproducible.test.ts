// Same input, same seed, same adapter -> same bytes: k-means with every float sum in a fixed order, at a size where
// thread timing used to change the sums' order (smaller cases, also run in the browser: test/kernel-kmeans.test.ts),
// and whole IvfPqIndex train + add runs (k-means, OPQ, encoding) compared byte for byte.
import t from 'tap';
import { getEngine, rng, freshSeed, blobs } from './helpers.js';
import { IvfPqIndex, trainKMeans } from '../src/api.js';

t.test('trainKMeans: PQ-sized runs (20000 rows, 8 groups x 256) give the same centroid bits five times', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const n = 20000, groups = 8, k = 256, dsub = 4;
  const xb = engine.upload(blobs(rng(seed), n, 100, groups * dsub));
  const runs: Uint32Array[] = [];
  for (let run = 0; run < 5; run++) {
    const cb = await trainKMeans(engine, xb, { n, groups, k, dsub, metric: 'l2', iters: 1, seed: 3 });
    runs.push((await engine.read(cb, Uint32Array)).slice(0, groups * k * dsub));
    cb.dispose();
  }
  xb.dispose();
  for (let run = 1; run < 5; run++) {
    const diff = runs[run]!.reduce((s, v, i) => s + (v === runs[0]![i] ? 0 : 1), 0);
    t.equal(diff, 0, `seed ${seed}: run ${run + 1} has the centroid bits of run 1 (${diff} of ${runs[0]!.length} words differ)`);
  }
});

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
