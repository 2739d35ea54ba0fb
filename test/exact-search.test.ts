import t from 'tap';
import { getEngine, rng, randomF32, freshSeed, withoutSubgroups, withMaxBinding } from './helpers.js';
import { exactSearch } from '../src/index/exact.js';

/** float64 score of query row qi against base row j: inner product, or squared L2 distance */
function score64(q: Float32Array, x: Float32Array, qi: number, j: number, d: number, metric: 'ip' | 'l2'): number {
  let s = 0;
  for (let i = 0; i < d; i++) { const a = q[qi * d + i]!, b = x[j * d + i]!; s += metric === 'ip' ? a * b : (a - b) * (a - b); }
  return s;
}

t.test('exactSearch: top-k of the float64 scores (texture path with subgroups, buffer path without, base chunks), awkward sizes', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const plain = withoutSubgroups(engine);
  // nq over 8 takes the texture path on a software adapter with subgroups (kernels/scores.ts scoresTexels)
  for (const [nq, n, d, k] of [[5, 300, 12, 10], [37, 1031, 20, 10], [70, 257, 16, 1], [33, 600, 7, 5], [40, 2049, 8, 100]] as const) {
    for (const metric of ['ip', 'l2'] as const) {
      const q = randomF32(r, nq * d), x = randomF32(r, n * d);
      const variants = [['default', engine], ['without subgroups', plain], ['base chunks', withMaxBinding(engine, Math.max(k, 128) * d * 4)]] as const;
      const ids: Int32Array[] = [];
      for (const [name, eng] of variants) {
        const res = await exactSearch(eng, x, n, q, nq, d, k, metric);
        ids.push(res.ids);
        let bad = '';
        for (let qi = 0; qi < nq && !bad; qi++) {
          const all = Array.from({ length: n }, (_, j) => score64(q, x, qi, j, d, metric)).sort((a, b) => (metric === 'ip' ? b - a : a - b));
          const tol = 1e-4 * d * (1 + Math.abs(all[0]!));
          for (let i = 0; i < k; i++) {
            const id = res.ids[qi * k + i]!, s = res.scores[qi * k + i]!;
            if (id < 0 || id >= n) { bad = `row ${qi} rank ${i}: id ${id}`; break; }
            if (Math.abs(s - score64(q, x, qi, id, d, metric)) > tol) { bad = `row ${qi} rank ${i}: score ${s} of id ${id} is not its float64 score`; break; }
            if (Math.abs(s - all[i]!) > tol) { bad = `row ${qi} rank ${i}: score ${s}, float64 rank ${i} is ${all[i]}`; break; }
          }
        }
        t.equal(bad, '', `seed ${seed} nq=${nq} n=${n} d=${d} k=${k} ${metric} ${name}`);
      }
      t.same(Array.from(ids[0]!), Array.from(ids[1]!), `seed ${seed} nq=${nq} n=${n} d=${d} k=${k} ${metric}: same ids with and without subgroups`);
    }
  }
});
