#!/usr/bin/env node
// Interleaved A/B of two builds' nearest-centroid assignment (assignNearest, the k-means assignment step) on random
// data: the PQ case (G sub-spaces of dsub 16, L2) and the IVF case (one group of dsub 512, inner product) by
// default. Median seconds per call, the B/A ratio, and whether both builds give the same assignment and score bits.
// Usage: node bench/assign-ab.mjs --a OLD/dist --b dist [--n 20000] [--reps 5] [--cases pq,ivf]
import { arg, dists, median, lcg, loadAverage, loadBuilds } from './ab-builds.mjs';

const n = Number(arg('n', '20000')), reps = Number(arg('reps', '5'));
const CASES = { pq: [32, 256, 16, 1], ivf: [1, 256, 512, 0], pq8: [64, 256, 8, 1], pq4: [128, 256, 4, 1], pq64x4: [64, 16, 8, 1] };
const cases = arg('cases', 'pq,ivf').split(',');
const rnd = lcg();

const side = await loadBuilds({ km: 'kernels/kmeans.js' });
console.log(`A ${dists.A}\nB ${dists.B}\nn ${n}, ${reps} interleaved repeats; load ${loadAverage()}`);
try {
  for (const name of cases) {
    const [G, k, dsub, metric] = CASES[name];
    const x = Float32Array.from({ length: n * G * dsub }, rnd), c = Float32Array.from({ length: G * k * dsub }, rnd);
    const bufs = {}, times = { A: [], B: [] }, out = {};
    for (const [s, { engine }] of Object.entries(side)) {
      bufs[s] = { x: engine.upload(x), c: engine.upload(c), a: engine.buffer(n * G * 4), sc: engine.buffer(n * G * 4) };
    }
    for (let i = 0; i <= reps; i++) {
      for (const s of ['A', 'B']) {
        const { km, engine } = side[s], b = bufs[s];
        const t0 = performance.now();
        km.assignNearest(engine, b.x, b.c, b.a, b.sc, n, G, k, dsub, metric);
        out[s] = { a: await engine.read(b.a, Uint32Array), s: await engine.read(b.sc, Uint32Array) };
        if (i > 0) times[s].push((performance.now() - t0) / 1000); // the first call compiles
      }
    }
    const same = (u, v) => u.length === v.length && u.every((e, i) => e === v[i]);
    const a = median(times.A), b = median(times.B);
    console.log(`${name} (G ${G}, k ${k}, dsub ${dsub}, metric ${metric}): A ${a.toFixed(3)} s, B ${b.toFixed(3)} s, B/A ${(b / a).toFixed(3)}; ` +
      `assign ${same(out.A.a, out.B.a) ? 'same' : 'DIFFER'}, score bits ${same(out.A.s, out.B.s) ? 'same' : 'DIFFER'}`);
    for (const s of ['A', 'B']) for (const v of Object.values(bufs[s])) v.dispose();
  }
} finally {
  for (const s of Object.values(side)) s.engine.dispose();
}
console.log(`load ${loadAverage()}`);
