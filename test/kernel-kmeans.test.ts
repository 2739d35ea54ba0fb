import t from 'tap';
import { getEngine, rng, randomF32, freshSeed, POISON_F32, POISON_U32, compare, withMaxBinding, withoutSubgroups, blobs } from './helpers.js';
import { assignNearest } from '../src/kernels/kmeans.js';
import { trainKMeans, type TrainKMeansOptions } from '../src/quantizers/clustering.js';
import { mulberry32, sampleDistinct } from '../src/util/random.js';
import type { Progress } from '../src/util/progress.js';
import { readFileSync } from 'node:fs';
import { float16ToFloat32 } from '../src/io/vectors.js';
import type { Engine } from '../src/pipeline/engine.js';
import { assignRef, scoreRef, lloydRef } from './reference/kmeans.js';

t.test('assignNearest matches float64 reference (both metrics, groups, awkward sizes, poisoned outputs, chunked rows)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  // dsub % 4 == 0 runs kmeans_assign_vec4 (register tiles); other dsub <= 16 with few centroids kmeans_assign_small,
  // the others the tiled kmeans_assign
  const cases: Array<[number, number, number, number]> = [[1, 1, 1, 1], [70, 1, 3, 17], [129, 3, 65, 5], [200, 2, 130, 40], [67, 5, 256, 4], [100, 1, 33, 384],
    [1, 1, 1, 4], [131, 3, 7, 8], [257, 2, 61, 12]];
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
  for (const [n, groups, k, dsub] of [[150, 2, 70, 3], [65, 1, 200, 2], [90, 4, 16, 1], [80, 2, 100, 24], [100, 2, 50, 8], [70, 3, 30, 4]] as const) {
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
  // a NaN in a row: index 0 and score NaN, so a caller summing scores notices
  for (const [k, dsub] of [[5, 3], [5, 40]] as const) for (const metric of [0, 1] as const) {
    const x = new Float32Array(3 * dsub).fill(1); x[dsub + 1] = NaN;
    const xb = engine.upload(x), cb = engine.upload(new Float32Array(k * dsub).fill(0.5));
    const ab = engine.upload(new Uint32Array(3).fill(POISON_U32)), sb = engine.buffer(16);
    assignNearest(engine, xb, cb, ab, sb, 3, 1, k, dsub, metric);
    const a = await engine.read(ab, Uint32Array), s = await engine.read(sb, Float32Array);
    t.same([a[0], a[1], a[2]], [0, 0, 0], `k=${k} dsub=${dsub} metric=${metric}: indices`);
    t.ok(Number.isFinite(s[0]) && Number.isNaN(s[1]) && Number.isFinite(s[2]), `NaN row has score NaN (${s[0]}, ${s[1]}, ${s[2]})`);
    for (const z of [xb, cb, ab, sb]) z.dispose();
  }
});

async function train(engine: Engine, x: Float32Array, o: Parameters<typeof trainKMeans>[2]) {
  const xb = engine.upload(x);
  const progress: Progress[] = [];
  try {
    const cb = await trainKMeans(engine, xb, { ...o, onProgress: (p) => { progress.push(p); o.onProgress?.(p); } });
    const G = o.groups ?? 1;
    const cent = (await engine.read(cb, Float32Array)).subarray(0, G * o.k * o.dsub);
    cb.dispose();
    return { cent, progress };
  } finally { xb.dispose(); }
}

t.test('trainKMeans matches a float64 Lloyd run from the same init (ip spherical, l2, groups)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const cases = [
    { n: 300, groups: 1, k: 7, dsub: 5, metric: 'l2', spherical: false },
    { n: 257, groups: 1, k: 9, dsub: 19, metric: 'ip', spherical: true },
    { n: 200, groups: 3, k: 10, dsub: 3, metric: 'l2', spherical: false },
  ] as const;
  for (const c of cases) {
    const D = c.groups * c.dsub;
    const x = blobs(r, c.n, c.k, D);
    const iters = 6, kseed = 1 + Math.floor(r() * 1000);
    const live = engine.liveBuffers;
    const { cent, progress } = await train(engine, x, { n: c.n, groups: c.groups, dsub: c.dsub, k: c.k, metric: c.metric, iters, seed: kseed, spherical: c.spherical });
    t.equal(engine.liveBuffers, live, 'no buffers left behind');
    const init = sampleDistinct(c.n, c.k, mulberry32(kseed + 1));
    const ref = lloydRef(x, c.n, c.groups, c.k, c.dsub, c.metric === 'ip' ? 0 : 1, iters, init, c.spherical, mulberry32);
    const cmp = compare(cent, ref.centroids, 1e-3, 1e-3);
    const tag = `seed ${seed} ${JSON.stringify(c)}`;
    t.ok(cmp.ok, `${tag}: centroids worst ${cmp.worst} at ${cmp.at} (${cmp.got} vs ${cmp.want})`);
    t.equal(progress.length, iters, 'one progress report per iteration');
    t.same(progress.map((p) => p.done), Array.from({ length: iters }, (_, i) => i + 1));
    t.ok(progress.every((p) => p.phase === 'kmeans' && p.total === iters && p.rate > 0 && p.eta >= 0), 'rate and ETA');
    const objs = progress.map((p) => p.info!.objective!);
    const oc = compare(objs, ref.objectives, 1e-3, 1e-4);
    t.ok(oc.ok, `${tag}: objectives ${objs.map((v) => v.toFixed(3))} vs ${ref.objectives.map((v) => v.toFixed(3))}`);
    t.same(progress.map((p) => p.info!.nsplit), ref.nsplits, 'same number of splits');
    const better = c.metric === 'ip' ? objs[iters - 1]! >= objs[0]! : objs[iters - 1]! <= objs[0]!;
    t.ok(better, `objective improved: ${objs[0]} -> ${objs[iters - 1]}`);
  }
});

t.test('trainKMeans re-seeds empty clusters (k close to n, duplicate points)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const metric of ['l2', 'ip'] as const) {
    const distinct = 12, copies = 4, dsub = 6, k = 40, n = distinct * copies;
    const base = randomF32(r, distinct * dsub);
    const x = new Float32Array(n * dsub);
    for (let i = 0; i < n; i++) x.set(base.subarray((i % distinct) * dsub, (i % distinct + 1) * dsub), i * dsub);
    const kseed = Math.floor(r() * 1000);
    const { cent, progress } = await train(engine, x, { n, dsub, k, metric, iters: 5, seed: kseed });
    const ref = lloydRef(x, n, 1, k, dsub, metric === 'ip' ? 0 : 1, 5, sampleDistinct(n, k, mulberry32(kseed + 1)), false, mulberry32);
    t.ok(cent.every(Number.isFinite), `seed ${seed} ${metric}: finite centroids`);
    t.ok(progress[0]!.info!.nsplit! > 0, `splits happened (${progress[0]!.info!.nsplit})`);
    t.equal(progress[0]!.info!.nsplit, ref.nsplits[0], 'first iteration splits as the reference');
    const objs = progress.map((p) => p.info!.objective!);
    if (metric === 'l2') {
      // every distinct point ends up with a centroid of its own: each centroid sits on the data (a copy of a
      // cluster perturbed by ~1/1024) and the objective drops to about zero
      let far = 0;
      for (let c = 0; c < k; c++) {
        let best = Infinity;
        for (let i = 0; i < distinct; i++) { let s = 0; for (let j = 0; j < dsub; j++) s += (cent[c * dsub + j]! - base[i * dsub + j]!) ** 2; best = Math.min(best, s); }
        if (best > 0.01) far++;
      }
      t.equal(far, 0, 'all centroids sit on the data');
      const energy = x.reduce((a, v) => a + v * v, 0);
      t.ok(objs[4]! < 1e-4 * energy, `objective ${objs[4]} ~ 0 (data energy ${energy})`);
    } else {
      // inner-product splits separate clearly (the +-1/1024 pattern changes scores by ~1e-3): follow the reference
      t.ok(compare(objs, ref.objectives, 1e-3, 1e-4).ok, `objectives ${objs} vs ${ref.objectives}`);
      t.same(progress.map((p) => p.info!.nsplit), ref.nsplits, 'splits per iteration as the reference');
    }
  }
});

t.test('trainKMeans subsamples to maxPointsPerCentroid * k rows and chunks rows over maxBinding', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const n = 1000, k = 4, dsub = 6, maxPointsPerCentroid = 50, nt = k * maxPointsPerCentroid;
  const x = blobs(r, n, k, dsub);
  const kseed = Math.floor(r() * 1000);
  const rows = sampleDistinct(n, nt, mulberry32(kseed)).sort();
  const sample = new Float32Array(nt * dsub);
  rows.forEach((row, s) => sample.set(x.subarray(row * dsub, row * dsub + dsub), s * dsub));
  const ref = lloydRef(sample, nt, 1, k, dsub, 1, 4, sampleDistinct(nt, k, mulberry32(kseed + 1)), false, mulberry32);
  for (const chunked of [false, true]) {
    const eng = chunked ? withMaxBinding(engine, 64 * dsub * 4 + 256 + 64) : engine;
    const live = eng.liveBuffers;
    const { cent, progress } = await train(eng, x, { n, dsub, k, metric: 'l2', iters: 4, seed: kseed, maxPointsPerCentroid });
    const cmp = compare(cent, ref.centroids, 1e-3, 1e-3);
    t.ok(cmp.ok, `seed ${seed} chunked=${chunked}: centroids worst ${cmp.worst}`);
    t.ok(compare(progress.map((p) => p.info!.objective!), ref.objectives, 1e-3, 1e-4).ok, 'objectives');
    t.equal(eng.liveBuffers, live, 'no buffers left behind');
  }
});

t.test('trainKMeans: abort, bad input, n == k', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const x = randomF32(r, 200 * 8);
  const xb = engine.upload(x);
  const live = engine.liveBuffers;
  const ac = new AbortController();
  let reports = 0;
  await t.rejects(trainKMeans(engine, xb, { n: 200, dsub: 8, k: 10, metric: 'l2', iters: 20, signal: ac.signal, onProgress: () => { if (++reports === 2) ac.abort(); } }),
    { name: 'AbortError' }, 'abort mid-training throws AbortError');
  t.equal(reports, 2, 'stopped right after the abort');
  t.equal(engine.liveBuffers, live, 'abort frees every buffer');
  await t.rejects(trainKMeans(engine, xb, { n: 200, dsub: 8, k: 10, metric: 'l2', signal: AbortSignal.abort() }), { name: 'AbortError' });
  await t.rejects(trainKMeans(engine, xb, { n: 5, dsub: 8, k: 10, metric: 'l2' }), /5 training points are fewer than the 10 centroids/);
  await t.rejects(trainKMeans(engine, xb, { n: 300, dsub: 8, k: 10, metric: 'l2' }), /x holds \d+ bytes but 9600 are needed/);
  await t.rejects(trainKMeans(engine, xb, { n: 200, dsub: 8, k: 10, metric: 'cos' as 'l2' }), /metric must be 'ip' or 'l2'/);
  t.equal(engine.liveBuffers, live, 'errors free every buffer');
  const bad = Float32Array.from(x); bad[77] = NaN;
  const badb = engine.upload(bad);
  await t.rejects(trainKMeans(engine, badb, { n: 200, dsub: 8, k: 10, metric: 'ip' }), /NaN or Inf/);
  badb.dispose();
  t.equal(engine.liveBuffers, live, 'NaN error frees every buffer');
  // n == k: the centroids are the training rows, in order (Faiss's corner case)
  const cb = await trainKMeans(engine, xb, { n: 10, dsub: 8, k: 10, metric: 'l2' });
  t.same([...(await engine.read(cb, Float32Array)).subarray(0, 80)], [...x.subarray(0, 80)]);
  cb.dispose();
  xb.dispose();
});

t.test('trainKMeans on real embeddings (the shipped demo set, 800 x 512)', async (t) => {
  // The page cannot read data/demo through Node's fs: there this test is reported as skipped, never as passed.
  if (typeof document !== 'undefined') { t.skip('Node only: reads data/demo from the package folder', () => {}); return; }
  const n = 800, dim = 512; // the first rows of data/demo/base.f16 (raw float16, row-major; see its dataset.json)
  const raw = readFileSync(new URL('../data/demo/base.f16', import.meta.url));
  const x = float16ToFloat32(new Uint16Array(raw.buffer, raw.byteOffset, n * dim));
  const engine = await getEngine();
  // IVF-style (inner product, spherical) and PQ-style (8 sub-spaces, L2) runs from the same init as the reference
  for (const c of [{ groups: 1, dsub: dim, k: 16, metric: 'ip', spherical: true }, { groups: 8, dsub: dim / 8, k: 16, metric: 'l2', spherical: false }] as const) {
    const iters = 5;
    const { cent, progress } = await train(engine, x, { n, ...c, iters, seed: 7 });
    const ref = lloydRef(x, n, c.groups, c.k, c.dsub, c.metric === 'ip' ? 0 : 1, iters, sampleDistinct(n, c.k, mulberry32(8)), c.spherical, mulberry32);
    const objs = progress.map((p) => p.info!.objective!);
    const rel = Math.abs(objs[iters - 1]! - ref.objectives[iters - 1]!) / Math.abs(ref.objectives[iters - 1]!);
    t.ok(rel < 1e-3, `${c.metric} G=${c.groups}: final objective ${objs[iters - 1]} vs float64 ${ref.objectives[iters - 1]} (rel ${rel.toExponential(2)})`);
    t.ok(c.metric === 'ip' ? objs[iters - 1]! > objs[0]! : objs[iters - 1]! < objs[0]!, `objective improves ${objs[0]} -> ${objs[iters - 1]}`);
    t.ok(cent.every(Number.isFinite), 'finite centroids');
    t.comment(`${c.metric} G=${c.groups} k=${c.k}: objective ${objs.map((v) => v.toFixed(2)).join(' -> ')}, ${progress[iters - 1]!.rate.toFixed(1)} it/s`);
  }
});

/** One trainKMeans run: its centroids' bits and its last objective. */
async function trainBits(engine: Engine, x: Float32Array, o: TrainKMeansOptions): Promise<{ bits: Uint32Array; objective: number }> {
  const { cent, progress } = await train(engine, x, o);
  return { bits: new Uint32Array(cent.buffer, cent.byteOffset, cent.length), objective: progress[progress.length - 1]!.info!.objective! };
}

/** How many words differ between two runs' centroid bits. */
const differing = (a: Uint32Array, b: Uint32Array) => a.reduce((s, v, i) => s + (v === b[i] ? 0 : 1), 0);

t.test('trainKMeans gives bit-identical centroids on the same input (IVF-like, PQ-like, 2 radix passes, chunked)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const cases = [
    { what: 'IVF-like (ip, spherical)', n: 1500, groups: 1, k: 32, dsub: 16, metric: 'ip', spherical: true, chunkRows: 0 },
    { what: 'PQ-like (4 groups x 256)', n: 1200, groups: 4, k: 256, dsub: 4, metric: 'l2', spherical: false, chunkRows: 0 },
    { what: 'k = 300 (two radix passes)', n: 1000, groups: 1, k: 300, dsub: 4, metric: 'l2', spherical: false, chunkRows: 0 },
    { what: 'chunked rows (3 groups)', n: 1200, groups: 3, k: 16, dsub: 6, metric: 'l2', spherical: false, chunkRows: 256 },
  ] as const;
  for (const c of cases) {
    const D = c.groups * c.dsub;
    const x = blobs(r, c.n, Math.min(c.k, 64), D);
    const eng = c.chunkRows ? withMaxBinding(engine, c.chunkRows * D * 4) : engine;
    const iters = 3, kseed = 1 + Math.floor(r() * 1000);
    const opts: TrainKMeansOptions = { n: c.n, groups: c.groups, dsub: c.dsub, k: c.k, metric: c.metric, spherical: c.spherical, iters, seed: kseed };
    const first = await trainBits(eng, x, opts);
    const tag = `seed ${seed} ${c.what}`;
    for (let run = 2; run <= 3; run++) {
      const again = await trainBits(eng, x, opts);
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

t.test('assignNearest with subgroups (kmeans_assign_sgh for dsub 4..16, kmeans_assign_sg above) gives the bits of assignNearest without them (awkward sizes, a NaN row, poisoned outputs)', async (t) => {
  const engine = await getEngine();
  if (!engine.hasSubgroups) { t.skip(`no subgroups of at least 8 on ${engine.adapterName}`, () => undefined); return; }
  const plain = withoutSubgroups(engine);
  const seed = freshSeed();
  const r = rng(seed);
  for (const [n, groups, k, dsub] of [[1, 1, 1, 8], [131, 3, 7, 8], [257, 2, 61, 12], [67, 5, 256, 16], [200, 2, 17, 40], [3, 1, 33, 16], [70, 1, 300, 128],
    [513, 2, 9, 16], [1030, 3, 250, 12], [1, 1, 1, 4], [300, 3, 37, 4], [1100, 3, 256, 4], [530, 2, 16, 4], [77, 2, 9, 4]] as const) {
    for (const metric of [0, 1] as const) {
      const x = randomF32(r, n * groups * dsub), cent = randomF32(r, groups * k * dsub);
      if (n > 2) x[groups * dsub + 1] = NaN; // point 1 of group 0: every score NaN
      const xb = engine.upload(x), cb = engine.upload(cent);
      const res: Array<[Uint32Array, Uint32Array]> = [];
      for (const eng of [engine, plain]) {
        const ab = engine.upload(new Uint32Array(n * groups).fill(POISON_U32));
        const sb = engine.upload(new Float32Array(n * groups).fill(POISON_F32));
        assignNearest(eng, xb, cb, ab, sb, n, groups, k, dsub, metric);
        res.push([(await engine.read(ab, Uint32Array)).subarray(0, n * groups), (await engine.read(sb, Uint32Array)).subarray(0, n * groups)]);
        ab.dispose(); sb.dispose();
      }
      const want = assignRef(x, cent, n, groups, k, dsub, metric);
      let agree = 0;
      for (let q = 0; q < n * groups; q++) if (res[0]![0][q] === want.assign[q]) agree++;
      t.ok(agree >= 0.95 * n * groups - 1, `seed ${seed} n=${n} G=${groups} k=${k} dsub=${dsub} metric=${metric}: ${agree}/${n * groups} as float64`);
      t.same(Array.from(res[0]![0]), Array.from(res[1]![0]), `seed ${seed} n=${n} G=${groups} k=${k} dsub=${dsub} metric=${metric}: same assignments`);
      t.same(Array.from(res[0]![1]), Array.from(res[1]![1]), `seed ${seed} n=${n} G=${groups} k=${k} dsub=${dsub} metric=${metric}: same score bits`);
      xb.dispose(); cb.dispose();
    }
  }
});
