// IvfPqIndex on real data (800 sentence embeddings and 40 real queries of the shipped demo set): the IVF step loses
// nothing at nprobe = nlist, results agree with a float64 CPU IVFPQ over the same trained tables, recall is sane
// for the code size, bad input is refused.
import t, { type Test } from 'tap';
import { getEngine, rng, randomF32 } from './helpers.js';
import { demoRows } from './fixtures/demo-rows.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { ivfpqSearchRef, exactSearchRef } from './reference/ivfpq.js';
import { recallAtK as recallAt, top1InTopK } from '../src/index/metrics.js';

const demo = await demoRows(800, 40);

/** Same top-k up to ties: every GPU id has the reference score at its rank within tolerance. */
function sameUpToTies(t: Test, got: { ids: Int32Array; scores: Float32Array }, want: { ids: Int32Array; scores: Float64Array }, nq: number, k: number, tol: number, what: string) {
  let idMismatch = 0, scoreBad = 0;
  for (let i = 0; i < nq * k; i++) {
    if (Math.abs(got.scores[i]! - want.scores[i]!) > tol * Math.max(1, Math.abs(want.scores[i]!))) scoreBad++;
    if (got.ids[i] !== want.ids[i]) idMismatch++;
  }
  t.equal(scoreBad, 0, `${what}: scores at every rank match the float64 reference`);
  t.ok(idMismatch <= Math.ceil(0.01 * nq * k), `${what}: ids match except near-ties (${idMismatch} of ${nq * k} differ)`);
}

for (const metric of ['ip', 'l2'] as const) {
  t.test(`IVFPQ on the demo set (${metric})`, async (t) => {
    const engine = await getEngine();
    const { base: data, n, dim, queries, nq } = demo;
    const k = 10;
    const index = new IvfPqIndex(engine, { dim, nlist: 12, m: 32, bits: 8, metric });
    const live0 = engine.liveBuffers;
    await index.train(data, { seed: 7 });
    await index.add(data);
    t.equal(index.ntotal, n);
    const d = index.toData();

    const full = await index.search(queries, { k, nprobe: 12 });
    const exhaustive = ivfpqSearchRef(d, queries, nq, k, 12);
    sameUpToTies(t, full, exhaustive, nq, k, 2e-4, 'nprobe = nlist vs exhaustive ADC');

    const part = await index.search(queries, { k, nprobe: 3 });
    sameUpToTies(t, part, ivfpqSearchRef(d, queries, nq, k, 3), nq, k, 2e-4, 'nprobe = 3 vs CPU IVFPQ');

    const truth = exactSearchRef(data, n, queries, nq, dim, k, metric);
    const r = recallAt(full.ids, k, truth, k, nq, k);
    t.ok(r > 0.5, `recall@10 at 32 bytes/vector is sane: ${r.toFixed(3)}`);
    const top1 = top1InTopK(part.ids, k, truth, k, nq, k);
    t.ok(top1 > 0.7, `top-1 found in top-10 for most queries: ${top1.toFixed(3)}`);
    index.dispose();
    t.equal(engine.liveBuffers, live0, 'dispose releases every buffer the index made');
  });
}

t.test('4-bit codes and a rotation round-trip through the same search', async (t) => {
  const engine = await getEngine();
  const r = rng(99);
  const dim = 24, n = 600;
  const base = randomF32(r, n * dim);
  const index = new IvfPqIndex(engine, { dim, nlist: 5, m: 6, bits: 4, metric: 'ip' });
  // a random orthogonal-ish rotation: a permutation with signs
  const rot = new Float32Array(dim * dim);
  for (let i = 0; i < dim; i++) rot[i * dim + ((i * 7) % dim)] = i % 2 ? -1 : 1;
  await index.train(base, { seed: 3, rotation: rot });
  await index.add(base);
  const q = base.subarray(0, 17 * dim);
  const got = await index.search(q, { k: 9, nprobe: 2 });
  const want = ivfpqSearchRef(index.toData(), q, 17, 9, 2);
  sameUpToTies(t, got, want, 17, 9, 2e-4, '4-bit + rotation');
  index.dispose();
});

t.test('the trainer view: parameters(), setParameters() and reencode()', async (t) => {
  const engine = await getEngine();
  const r = rng(17);
  const dim = 16, n = 400, nlist = 4;
  const base = randomF32(r, n * dim);
  const index = new IvfPqIndex(engine, { dim, nlist, m: 4, bits: 4 });
  await index.train(base, { seed: 2 });
  await index.add(base);
  const d = index.toData();
  const p = index.parameters();
  t.same(p.centroids.shape, [nlist, dim]);
  t.same(p.codebooks.shape, [4, 16, 4], 'codebooks are m x ksub x dsub');
  t.equal(p.rotation, null);
  t.same(Array.from(await engine.read(p.centroids.buffer, Float32Array, 0, nlist * dim * 4)), Array.from(d.centroids), 'the GPU centroids are the host ones');
  t.same(Array.from(await engine.read(p.codebooks.buffer, Float32Array, 0, d.codebooks.length * 4)), Array.from(d.codebooks), 'the GPU codebooks are the host ones');
  p.centroids.values.fill(0);
  t.same(Array.from(index.toData().centroids), Array.from(d.centroids), 'the host values are a copy');

  const moved = d.centroids.map((v, i) => v + 0.05 * Math.sin(i));
  index.setParameters({ centroids: moved });
  t.same(Array.from(index.toData().codes), Array.from(d.codes), 'setParameters leaves the codes as they are');
  const ac = new AbortController();
  ac.abort();
  await t.rejects(index.reencode(base, undefined, { signal: ac.signal }), { name: 'AbortError' });
  t.same(Array.from(index.toData().ids), Array.from(d.ids), 'a cancelled reencode keeps the contents');
  await t.rejects(index.reencode(base.subarray(0, 2 * dim), [1]), /reencode: 1 ids given for 2 vectors/);
  const part = base.subarray(0, 100 * dim), ids = Array.from({ length: 100 }, (_, i) => 1000 + i);
  await index.reencode(part, ids);
  const fresh = IvfPqIndex.fromData(engine, { ...d, centroids: moved, listOffsets: new Uint32Array(nlist + 1), codes: new Uint8Array(0), ids: new Int32Array(0) });
  t.ok(fresh instanceof IvfPqIndex && typeof fresh.distill === 'function', 'fromData makes the public class');
  await fresh.add(part, ids);
  const [a, b] = [index.toData(), fresh.toData()];
  t.same([Array.from(a.listOffsets), Array.from(a.codes), Array.from(a.ids)], [Array.from(b.listOffsets), Array.from(b.codes), Array.from(b.ids)],
    'reencode = a fresh index with the new parameters filled by add()');
  fresh.dispose();
  index.dispose();
});

t.test('reencode returns the lists, and given them back skips the nearest-list search with the same result', async (t) => {
  const engine = await getEngine();
  const r = rng(23);
  for (const { dim, n, nlist, m, rotate } of [{ dim: 16, n: 1, nlist: 3, m: 4, rotate: false }, { dim: 24, n: 383, nlist: 7, m: 6, rotate: true }]) {
    const base = randomF32(r, n * dim), train = randomF32(r, 300 * dim);
    const index = new IvfPqIndex(engine, { dim, nlist, m, bits: 8, refine: 'fp16' });
    const rot = new Float32Array(dim * dim);
    for (let i = 0; i < dim; i++) rot[i * dim + ((i * 5) % dim)] = i % 2 ? -1 : 1;
    await index.train(train, { seed: 4, ...(rotate ? { rotation: rot } : {}) });
    const lists = await index.reencode(base);
    const d = index.toData();
    t.equal(lists.length, n, `n ${n}: one list per vector`);
    const sizes = new Array<number>(nlist).fill(0);
    for (const l of lists) sizes[l]!++;
    t.same(sizes, Array.from({ length: nlist }, (_, i) => d.listOffsets[i + 1]! - d.listOffsets[i]!), `n ${n}: the lists returned are those the index holds`);
    // new codebooks, same centroids and rotation: the known lists give what a full encoding gives
    index.setParameters({ codebooks: d.codebooks.map((v, i) => v * (1 + 0.1 * Math.cos(i))) });
    const again = await index.reencode(base, undefined, { lists });
    const viaLists = index.toData();
    await index.reencode(base);
    const full = index.toData();
    t.same(Array.from(again), Array.from(lists), `n ${n}: the lists given come back`);
    t.same([Array.from(viaLists.listOffsets), Array.from(viaLists.codes), Array.from(viaLists.ids), Array.from(viaLists.refine!.codes)],
      [Array.from(full.listOffsets), Array.from(full.codes), Array.from(full.ids), Array.from(full.refine!.codes)], `n ${n}: same index with known lists`);
    await t.rejects(index.reencode(base, undefined, { lists: new Uint32Array(n + 1) }), new RegExp(`reencode: lists has ${n + 1} entries for ${n} vectors`));
    // lists that are not the nearest are taken as given (the caller's word): all in the last list
    await index.reencode(base, undefined, { lists: new Uint32Array(n).fill(nlist - 1) });
    t.same(Array.from(index.toData().listOffsets), [...new Array<number>(nlist).fill(0), n], `n ${n}: the given lists are used, not searched`);
    await index.reencode(base);
    const bad = lists.slice(); bad[n - 1] = nlist;
    await t.rejects(index.reencode(base, undefined, { lists: bad }), new RegExp(`reencode: lists\\[${n - 1}\\] = ${nlist} is not a list`));
    t.same(Array.from(index.toData().codes), Array.from(full.codes), `n ${n}: refused lists change nothing`);
    index.dispose();
  }
});

t.test('the trainer view: setParameters() checks sizes; a disposed index refuses', async (t) => {
  const engine = await getEngine();
  const dim = 16, nlist = 4;
  const base = randomF32(rng(17), 400 * dim);
  const index = new IvfPqIndex(engine, { dim, nlist, m: 4, bits: 4 });
  await index.train(base, { seed: 2 });
  t.throws(() => index.setParameters({ codebooks: new Float32Array(3) }), /codebooks have the wrong size/);
  t.throws(() => index.setParameters({ rotation: new Float32Array(3) }), /rotation must be 16 x 16/);
  index.dispose();
  t.throws(() => index.parameters(), /disposed/);
});

t.test('search reports progress per chunk of queries and can be cancelled', async (t) => {
  const engine = await getEngine();
  const r = rng(41);
  const dim = 8, n = 300, nq = 1500; // more queries than one chunk (1024)
  const base = randomF32(r, n * dim);
  const index = new IvfPqIndex(engine, { dim, nlist: 3, m: 2, bits: 4, metric: 'ip' });
  await index.train(base, { seed: 1 });
  await index.add(base);
  const q = randomF32(r, nq * dim);
  const seen: number[] = [];
  const full = await index.search(q, { k: 5, nprobe: 2, onProgress: (p) => { t.equal(p.phase, 'search'); seen.push(p.done); } });
  t.same(seen, [1024, nq], 'one report per chunk, the last one at all queries');
  const ac = new AbortController();
  await t.rejects(index.search(q, { k: 5, nprobe: 2, signal: ac.signal, onProgress: () => ac.abort() }), { name: 'AbortError' }, 'aborting between chunks throws an AbortError');
  const again = await index.search(q, { k: 5, nprobe: 2 });
  t.same(Array.from(again.ids), Array.from(full.ids), 'the index is unchanged by the cancelled search');
  index.dispose();
});

t.test('bad input gets clear errors and changes nothing', async (t) => {
  const engine = await getEngine();
  const r = rng(5);
  const dim = 16;
  const base = randomF32(r, 300 * dim);
  t.throws(() => new IvfPqIndex(engine, { dim: 10, nlist: 4, m: 3 }), /not divisible/);
  t.throws(() => new IvfPqIndex(engine, { dim, nlist: 4, m: 4, bits: 6 as 8 }), /bits must be 8 or 4/);
  const index = new IvfPqIndex(engine, { dim, nlist: 4, m: 4, bits: 4 });
  await t.rejects(index.search(base.subarray(0, dim), { k: 1, nprobe: 1 }), /not trained/);
  await t.rejects(index.train(new Float32Array(0)), /empty/);
  await t.rejects(index.train(base.subarray(0, 3 * dim)), /cannot train 4 IVF lists/);
  await t.rejects(index.train(base.subarray(0, 10 * dim + 3)), /not a whole number.*wrong dimension/);
  const bad = base.slice(); bad[5 * dim + 2] = NaN;
  await t.rejects(index.train(bad), /row 5 column 2 is NaN/);
  await index.train(base, { seed: 1 });
  await t.rejects(index.search(base.subarray(0, dim), { k: 1, nprobe: 1 }), /empty/);
  await index.add(base.subarray(0, 20 * dim));
  const inf = base.slice(0, 2 * dim); inf[3] = Infinity;
  await t.rejects(index.add(inf), /Infinity/);
  await t.rejects(index.add(base.subarray(0, 2 * dim), [1]), /1 ids given for 2 vectors/);
  t.equal(index.ntotal, 20, 'failed adds added nothing');
  await t.rejects(index.search(base.subarray(0, dim), { k: 21, nprobe: 1 }), /larger than the 20 vectors/);
  await t.rejects(index.search(base.subarray(0, dim), { k: 5, nprobe: 5 }), /nprobe = 5 is larger than the number of lists \(4\)/);
  await t.rejects(index.search(base.subarray(0, dim - 1), { k: 5, nprobe: 1 }), /wrong dimension/);
  await t.rejects(index.search(base.subarray(0, dim), { k: 0, nprobe: 1 }), /k must be/);
  // finite values whose squares overflow float32 are refused, as InputErrors naming the row (VALUE_LIMITS)
  const huge = base.slice(0, 3 * dim); huge[2 * dim + 1] = -3.4e38;
  await t.rejects(index.add(huge), { name: 'InputError', message: /add vectors: row 2 has norm 3\.40e\+38, over the limit 2\^60 \/ dim = 7\.21e\+16/ });
  await t.rejects(index.search(huge, { k: 5, nprobe: 4 }), { name: 'InputError', message: /queries: row 2 has norm/ });
  t.equal(index.ntotal, 20, 'the refused add added nothing');
  const p = index.parameters();
  const c = p.centroids.values.slice(); c[dim + 3] = 1e30;
  t.throws(() => index.setParameters({ centroids: c }), { name: 'InputError', message: /setParameters: centroids row 1 has norm 1\.00e\+30, over the limit 4\.61e\+18/ });
  const rot = new Float32Array(dim * dim); for (let i = 0; i < dim; i++) rot[i * dim + i] = 10;
  t.throws(() => index.setParameters({ rotation: rot }), { name: 'InputError', message: /rotation has Frobenius norm 40\.0, over the limit 2 sqrt\(dim\) = 8\.00/ });
  const other = new IvfPqIndex(engine, { dim, nlist: 4, m: 4, bits: 4 });
  await t.rejects(other.train(base, { rotation: rot }), { name: 'InputError', message: /train: rotation has Frobenius norm 40\.0/ });
  other.dispose();
  // at 0.99 of the limit a query is scored, with finite scores
  const edge = base.slice(0, dim);
  const norm = Math.hypot(...edge);
  for (let j = 0; j < dim; j++) edge[j]! *= (0.99 * 2 ** 60 / dim) / norm;
  const far = await index.search(edge, { k: 5, nprobe: 4 });
  t.ok(far.scores.every((v) => Number.isFinite(v)), `a query of norm 0.99 x the limit gets finite scores (${far.scores[0]})`);
  const ok = await index.search(base.subarray(0, dim), { k: 5, nprobe: 4 });
  t.equal(ok.ids.length, 5, 'still searchable after refused calls');
  index.dispose();
  await t.rejects(index.search(base.subarray(0, dim), { k: 5, nprobe: 4 }), /disposed/);
});
