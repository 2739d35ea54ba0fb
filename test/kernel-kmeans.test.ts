import t from 'tap';
import { getEngine, rng, randomF32, freshSeed, POISON_F32, POISON_U32 } from './helpers.js';
import { assignNearest } from '../src/kernels/kmeans.js';
import type { Engine } from '../src/pipeline/engine.js';
import { assignRef, scoreRef } from './reference/kmeans.js';

/** The engine with a smaller maxBinding, so that row chunking is exercised on small inputs. */
function withMaxBinding(engine: Engine, bytes: number): Engine {
  return new Proxy(engine, {
    get(target, p) {
      if (p === 'maxBinding') return bytes;
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

t.test('assignNearest matches float64 reference (both metrics, groups, awkward sizes, poisoned outputs, chunked rows)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const cases: Array<[number, number, number, number]> = [[1, 1, 1, 1], [70, 1, 3, 17], [129, 3, 65, 5], [200, 2, 130, 40], [67, 5, 256, 4], [100, 1, 33, 384]];
  for (const [n, groups, k, dsub] of cases) {
    for (const metric of [0, 1] as const) {
      for (const chunked of [false, true]) {
        if (chunked && n < 100) continue;
        const eng = chunked ? withMaxBinding(engine, 64 * groups * dsub * 4 + 8) : engine;
        const x = randomF32(r, n * groups * dsub), cent = randomF32(r, groups * k * dsub);
        const xb = eng.upload(x), cb = eng.upload(cent);
        const ab = eng.upload(new Uint32Array(n * groups).fill(POISON_U32));
        const sb = eng.upload(new Float32Array(n * groups).fill(POISON_F32));
        assignNearest(eng, xb, cb, ab, sb, n, groups, k, dsub, metric);
        const a = await eng.read(ab, Uint32Array), s = await eng.read(sb, Float32Array);
        const want = assignRef(x, cent, n, groups, k, dsub, metric);
        let bad = '', exact = 0;
        const tol = 1e-4 * dsub + 1e-5;
        for (let q = 0; q < n * groups && !bad; q++) {
          const i = Math.floor(q / groups), g = q % groups;
          if (!(a[q]! < k)) { bad = `assign[${q}] = ${a[q]} is not a centroid index`; break; }
          const got64 = scoreRef(x, cent, i, g, a[q]!, groups, k, dsub, metric);
          // the chosen centroid must be optimal up to float32 rounding, and its score reported
          if (Math.abs(got64 - want.score[q]!) > tol * (1 + Math.abs(want.score[q]!))) bad = `q=${q}: chose ${a[q]} (score ${got64}), best ${want.assign[q]} (score ${want.score[q]})`;
          else if (!(Math.abs(s[q]! - got64) <= tol * (1 + Math.abs(got64)))) bad = `q=${q}: score ${s[q]} but centroid ${a[q]} has ${got64}`;
          if (a[q] === want.assign[q]) exact++;
        }
        t.equal(bad, '', `seed ${seed} n=${n} G=${groups} k=${k} dsub=${dsub} metric=${metric} chunked=${chunked}`);
        t.ok(exact >= 0.95 * n * groups, `most assignments identical to float64 (${exact}/${n * groups})`);
        xb.dispose(); cb.dispose(); ab.dispose(); sb.dispose();
      }
    }
  }
});

t.test('assignNearest breaks exact ties towards the lowest centroid index', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  // small integers: every dot product and distance is exact in float32, so ties are exact ties
  const ints = (len: number) => Float32Array.from({ length: len }, () => Math.floor(r() * 5) - 2);
  for (const [n, groups, k, dsub] of [[150, 2, 70, 3], [65, 1, 200, 2], [90, 4, 16, 1]] as const) {
    for (const metric of [0, 1] as const) {
      const x = ints(n * groups * dsub);
      const cent = ints(groups * k * dsub);
      for (let c = k - 1; c >= k / 2; c--) for (let g = 0; g < groups; g++) for (let j = 0; j < dsub; j++) {
        cent[(g * k + c) * dsub + j] = cent[(g * k + (c % 7)) * dsub + j]!; // duplicates of low centroids late in the list
      }
      const xb = engine.upload(x), cb = engine.upload(cent);
      const ab = engine.upload(new Uint32Array(n * groups).fill(POISON_U32));
      const sb = engine.upload(new Float32Array(n * groups).fill(POISON_F32));
      assignNearest(engine, xb, cb, ab, sb, n, groups, k, dsub, metric);
      const a = await engine.read(ab, Uint32Array), s = await engine.read(sb, Float32Array);
      const want = assignRef(x, cent, n, groups, k, dsub, metric);
      t.same([...a.subarray(0, n * groups)], [...want.assign], `seed ${seed} n=${n} G=${groups} k=${k} dsub=${dsub} metric=${metric}: indices`);
      t.same([...s.subarray(0, n * groups)], [...want.score], 'scores exact');
      xb.dispose(); cb.dispose(); ab.dispose(); sb.dispose();
    }
  }
});

t.test('assignNearest rejects bad sizes with a clear error', async (t) => {
  const engine = await getEngine();
  const b = engine.buffer(64);
  t.throws(() => assignNearest(engine, b, b, b, b, 10, 1, 0, 4, 1), /k must be an integer >= 1/);
  t.throws(() => assignNearest(engine, b, b, b, b, 100, 1, 2, 4, 1), /x holds 64 bytes but 1600 are needed/);
  b.dispose();
});
