import t from 'tap';
import { getEngine, rng, randomF32, freshSeed, POISON_F32, compare } from './helpers.js';
import { scores } from '../src/kernels/scores.js';
import { scoresRef } from './reference/scores.js';

t.test('scores kernel matches float64 reference (ip and l2, awkward sizes, poisoned output)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [nq, n, d] of [[1, 1, 1], [3, 70, 17], [65, 129, 33], [64, 64, 16], [100, 257, 384]] as const) {
    for (const metric of [0, 1] as const) {
      const q = randomF32(r, nq * d), x = randomF32(r, n * d);
      const qb = engine.upload(q), xb = engine.upload(x);
      const out = engine.upload(new Float32Array(nq * n).fill(POISON_F32));
      scores(engine, qb, xb, out, nq, n, d, metric);
      const got = await engine.read(out, Float32Array);
      const want = scoresRef(q, x, nq, n, d, metric);
      const c = compare(got.subarray(0, nq * n), want, 1e-4 * d, 1e-4);
      t.ok(c.ok, `seed ${seed} nq=${nq} n=${n} d=${d} metric=${metric}: worst ${c.worst.toFixed(3)} at ${c.at} got ${c.got} want ${c.want}`);
      qb.dispose(); xb.dispose(); out.dispose();
    }
  }
});
