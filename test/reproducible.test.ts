// Same input, same seed, same adapter -> same bits: k-means (every float sum in a fixed order, src/kernels/kmeans.ts)
// and whole IvfPqIndex train + add runs, compared byte for byte. The fixed order keeps the k-means objective as
// close to a float64 Lloyd run from the same init as before.
import t from 'tap';
import { getEngine, rng, freshSeed, blobs, withMaxBinding } from './helpers.js';
import { trainKMeans, type TrainKMeansOptions } from '../src/quantizers/clustering.js';
import { IvfPqIndex } from '../src/api.js';
import type { Engine } from '../src/pipeline/engine.js';
import { mulberry32, sampleDistinct } from '../src/util/random.js';
import { lloydRef } from './reference/kmeans.js';

/** The centroids of one trainKMeans run and its last objective. */
async function kmeans(engine: Engine, x: Float32Array, o: TrainKMeansOptions): Promise<{ bits: Uint32Array; objective: number }> {
  const xb = engine.upload(x);
  let objective = NaN;
  try {
    const cb = await trainKMeans(engine, xb, { ...o, onProgress: (p) => { objective = p.info!.objective!; } });
    const bits = (await engine.read(cb, Uint32Array)).slice(0, (o.groups ?? 1) * o.k * o.dsub);
    cb.dispose();
    return { bits, objective };
  } finally { xb.dispose(); }
}

/** How many words differ between two runs' centroid bits. */
const differing = (a: Uint32Array, b: Uint32Array) => a.reduce((s, v, i) => s + (v === b[i] ? 0 : 1), 0);

t.test('trainKMeans gives bit-identical centroids on the same input (IVF-like, PQ-like, 2 radix passes, chunked)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const cases = [
    { what: 'IVF-like (ip, spherical)', n: 3000, groups: 1, k: 64, dsub: 32, metric: 'ip', spherical: true, chunkRows: 0 },
    { what: 'PQ-like (8 groups x 256)', n: 3000, groups: 8, k: 256, dsub: 4, metric: 'l2', spherical: false, chunkRows: 0 },
    { what: 'k = 300 (two radix passes)', n: 2500, groups: 1, k: 300, dsub: 8, metric: 'l2', spherical: false, chunkRows: 0 },
    { what: 'chunked rows (3 groups)', n: 2000, groups: 3, k: 16, dsub: 6, metric: 'l2', spherical: false, chunkRows: 512 },
  ] as const;
  for (const c of cases) {
    const D = c.groups * c.dsub;
    const x = blobs(r, c.n, Math.min(c.k, 64), D);
    const eng = c.chunkRows ? withMaxBinding(engine, c.chunkRows * D * 4) : engine;
    const iters = 6, kseed = 1 + Math.floor(r() * 1000);
    const opts: TrainKMeansOptions = { n: c.n, groups: c.groups, dsub: c.dsub, k: c.k, metric: c.metric, spherical: c.spherical, iters, seed: kseed };
    const first = await kmeans(eng, x, opts);
    const tag = `seed ${seed} ${c.what}`;
    for (let run = 2; run <= 3; run++) {
      const again = await kmeans(eng, x, opts);
      t.equal(differing(again.bits, first.bits), 0, `${tag}: run ${run} has the same centroid bits as run 1`);
      t.equal(again.objective, first.objective, `${tag}: run ${run} has the same objective`);
    }
    const ref = lloydRef(x, c.n, c.groups, c.k, c.dsub, c.metric === 'ip' ? 0 : 1, iters, sampleDistinct(c.n, c.k, mulberry32(kseed + 1)), c.spherical, mulberry32);
    const want = ref.objectives[iters - 1]!;
    const rel = Math.abs(first.objective - want) / Math.abs(want);
    // float32 may flip near-tied assignments, which float64 breaks the other way: the trajectories part slightly
    t.ok(rel < 1e-3, `${tag}: objective ${first.objective} = float64 ${want} to rounding (rel ${rel.toExponential(1)})`);
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
