// Browser twin of test/kernel-scores.test.ts: the scores kernel against the float64 reference.
import { scores } from '../../../src/browser.js';
import { scoresRef } from '../../reference/scores.js';
import { randomF32, POISON_F32, compare } from '../../helpers.js';
import { Checks, type BrowserCase } from '../harness.js';

export const cases: BrowserCase[] = [{
  name: 'scores kernel matches float64 reference (ip and l2, awkward sizes, poisoned output)',
  async run(engine, r) {
    const c = new Checks();
    for (const [nq, n, d] of [[1, 1, 1], [3, 70, 17], [65, 129, 33], [64, 64, 16], [100, 257, 384]] as const) {
      for (const metric of [0, 1] as const) {
        const q = randomF32(r, nq * d), x = randomF32(r, n * d);
        const qb = engine.upload(q), xb = engine.upload(x);
        const out = engine.upload(new Float32Array(nq * n).fill(POISON_F32));
        try {
          scores(engine, qb, xb, out, nq, n, d, metric);
          const got = await engine.read(out, Float32Array);
          const k = compare(got.subarray(0, nq * n), scoresRef(q, x, nq, n, d, metric), 1e-4 * d, 1e-4);
          c.check(k.ok, `nq=${nq} n=${n} d=${d} metric=${metric}: worst ${k.worst.toFixed(3)} at ${k.at} got ${k.got} want ${k.want}`);
        } finally { qb.dispose(); xb.dispose(); out.dispose(); }
      }
    }
    return c.result();
  },
}];
