// The k-means member lists (memberLists in src/kernels/kmeans.ts): a stable LSD radix sort of each group's rows by
// cluster (kmeans_rank, kmeans_scan, kmeans_place per pass), checked against plain sorts on fresh random
// assignments, awkward sizes (partial tiles, 1..3 passes, clamped out-of-range clusters) and poisoned outputs;
// and the member sums over those lists (kmeans_sum, kmeans_sum4) against float64.
// Node only, as these are internal: in the browser, test/kernel-kmeans.test.ts runs them through trainKMeans.
import t from 'tap';
import { getEngine, rng, freshSeed, randomF32, POISON_U32, POISON_F32 } from './helpers.js';
import { makeMemberBuffers, memberLists, radixPlan } from '../src/kernels/kmeans.js';
import * as K from '../src/shaders/kernels.js';
import type { GpuBuffer } from '../src/pipeline/buffer.js';
import { memberListsRef, radixRankRef, scanRef } from './reference/kmeans.js';

/** The first index where got (a read-back, padded to whole 16-byte blocks) and want differ, or '' when equal. */
function firstDiff(got: ArrayLike<number>, want: ArrayLike<number>): string {
  if (got.length < want.length || got.length > want.length + 3) return `length ${got.length} vs ${want.length}`;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return `[${i}] = ${got[i]}, want ${want[i]}`;
  return '';
}

t.test('radixPlan covers the cluster numbers in passes of at most 8 bits', async (t) => {
  for (const [k, passes, bits] of [[1, 1, 0], [2, 1, 1], [17, 1, 5], [256, 1, 8], [257, 2, 5], [65536, 2, 8], [65537, 3, 6], [(1 << 24) - 1, 3, 8]] as const) {
    t.same(radixPlan(k), { passes, bits }, `k=${k}`);
  }
});

t.test('memberLists: sizes, offsets and rows sorted by (cluster, row) as a plain sort', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  // [rows, groups, k, how clusters are drawn]
  const cases: Array<[number, number, number, 'uniform' | 'one' | 'few' | 'clamp']> = [
    [1, 1, 1, 'uniform'], [255, 3, 2, 'uniform'], [256, 1, 256, 'one'], [257, 2, 257, 'uniform'], [1000, 8, 256, 'few'],
    [513, 5, 17, 'clamp'], [2000, 1, 1000, 'uniform'], [3000, 1, 65536, 'uniform'], [777, 3, 100000, 'few'], [600, 2, 70000, 'one'],
  ];
  for (const [rows, G, k, how] of cases) {
    const pool = Array.from({ length: 5 }, () => Math.floor(r() * k));
    const one = Math.floor(r() * k);
    const assign = Uint32Array.from({ length: rows * G }, () => {
      switch (how) {
        case 'one': return one;
        case 'few': return pool[Math.floor(r() * pool.length)]!;
        case 'clamp': return Math.floor(r() * 2 * k); // kmeans_count and the sort clamp to k - 1 alike
        default: return Math.floor(r() * k);
      }
    });
    const totalIn = Uint32Array.from({ length: G * k }, () => Math.floor(r() * 1000));
    const owned: GpuBuffer[] = [];
    const make = (bytes: number, label: string) => { const b = engine.buffer(bytes, label); engine.fill(b, POISON_U32, true); owned.push(b); return b; };
    const b = makeMemberBuffers(rows, G, k, make);
    const ab = engine.upload(assign), tb = engine.upload(totalIn);
    memberLists(engine, ab, tb, b, rows, G, k);
    const [count, offsets, members, total] = await Promise.all([b.count, b.offsets, b.members, tb].map((x) => engine.read(x as GpuBuffer, Uint32Array)));
    const want = memberListsRef(assign, rows, G, k);
    const tag = `seed ${seed} rows=${rows} G=${G} k=${k} ${how} (${radixPlan(k).passes} passes)`;
    t.equal(firstDiff(count!.subarray(0, G * k), want.count), '', `${tag}: count`);
    t.equal(firstDiff(offsets!.subarray(0, G * k), want.offsets), '', `${tag}: offsets`);
    t.equal(firstDiff(members!.subarray(0, rows * G), want.members), '', `${tag}: members`);
    t.equal(firstDiff(total!, totalIn.map((v, i) => v + want.count[i]!)), '', `${tag}: total += count`);
    for (const x of [...owned, ab, tb]) x.dispose();
  }
});

t.test('kmeans_rank, kmeans_scan and kmeans_place: one radix pass over a permuted list', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  // [rows, groups, k, shift, bits]: partial and whole tiles, first and later digits, one bucket
  const cases: Array<[number, number, number, number, number]> = [[1, 1, 5, 0, 3], [300, 2, 1000, 5, 5], [512, 3, 256, 0, 8], [1025, 1, 65536, 8, 8], [700, 4, 9, 0, 0]];
  for (const [rows, G, k, shift, bits] of cases) {
    for (const first of [1, 0]) {
      const buckets = 1 << bits, tiles = Math.ceil(rows / 256);
      const assign = Uint32Array.from({ length: rows * G }, () => Math.floor(r() * k));
      const src = new Uint32Array(rows * G);
      for (let g = 0; g < G; g++) {
        const perm = Array.from({ length: rows }, (_, i) => i);
        for (let i = rows - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [perm[i], perm[j]] = [perm[j]!, perm[i]!]; }
        src.set(perm, g * rows);
      }
      const poisoned = (len: number) => engine.upload(new Uint32Array(len).fill(POISON_U32));
      const ab = engine.upload(assign), sb = engine.upload(src);
      const rank = poisoned(rows * G), counts = poisoned(G * buckets * tiles), offs = poisoned(G * buckets * tiles), dst = poisoned(rows * G);
      const params = { rows, groups: G, k, tiles, shift, buckets, first };
      engine.run(K.kmeans_rank, { bindings: { assign: ab, src: sb, rank, counts }, params, workgroups: G * tiles });
      engine.run(K.kmeans_scan, { bindings: { count: counts, offsets: offs }, params: { rows, len: buckets * tiles }, workgroups: G });
      engine.run(K.kmeans_place, { bindings: { assign: ab, src: sb, rank, offsets: offs, dst }, params, workgroups: Math.ceil((rows * G) / 256) });
      const [gr, gc, go, gd] = await Promise.all([rank, counts, offs, dst].map((x) => engine.read(x, Uint32Array)));
      const want = radixRankRef(assign, first ? null : src, rows, G, k, shift, buckets);
      const wantOffsets = scanRef(want.counts, G, buckets * tiles, rows);
      // the pass is a stable sort of the list by digit
      const wantDst = new Uint32Array(rows * G);
      for (let g = 0; g < G; g++) {
        const pos = Array.from({ length: rows }, (_, p) => p).sort((a, b) => want.digit[g * rows + a]! - want.digit[g * rows + b]! || a - b);
        wantDst.set(pos.map((p) => (first ? p : src[g * rows + p]!)), g * rows);
      }
      const tag = `seed ${seed} rows=${rows} G=${G} k=${k} shift=${shift} buckets=${buckets} first=${first}`;
      t.equal(firstDiff(gr!, want.rank), '', `${tag}: ranks`);
      t.equal(firstDiff(gc!, want.counts), '', `${tag}: tile counts (zeros written)`);
      t.equal(firstDiff(go!, wantOffsets), '', `${tag}: scanned offsets`);
      t.equal(firstDiff(gd!, wantDst), '', `${tag}: placed list`);
      for (const x of [ab, sb, rank, counts, offs, dst]) x.dispose();
    }
  }
});

t.test('kmeans_scan: per-group exclusive sums at awkward lengths', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [G, len] of [[1, 1], [3, 255], [2, 256], [4, 257], [1, 70001]] as const) {
    const rows = 1 + Math.floor(r() * 1e6);
    const count = Uint32Array.from({ length: G * len }, () => (r() < 0.3 ? 0 : Math.floor(r() * 50)));
    const cb = engine.upload(count), ob = engine.upload(new Uint32Array(G * len).fill(POISON_U32));
    engine.run(K.kmeans_scan, { bindings: { count: cb, offsets: ob }, params: { rows, len }, workgroups: G });
    t.equal(firstDiff(await engine.read(ob, Uint32Array), scanRef(count, G, len, rows)), '', `seed ${seed} G=${G} len=${len} rows=${rows}`);
    cb.dispose(); ob.dispose();
  }
});

t.test('kmeans_sum and kmeans_sum4 add each cluster\'s member rows to acc: float64 sums, and the same bits', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  // [rows, groups, k, dsub]: kmeans_sum4 takes dsub a multiple of 4
  const cases: Array<[number, number, number, number]> = [[1, 1, 1, 4], [70, 3, 5, 8], [257, 2, 61, 12], [600, 5, 256, 16], [129, 1, 7, 36], [300, 4, 40, 4]];
  for (const [rows, G, k, dsub] of cases) {
    const D = G * dsub;
    const x = randomF32(r, rows * D);
    // some clusters empty (k > rows for some), the rest drawn at random
    const assign = Uint32Array.from({ length: rows * G }, () => Math.floor(r() * k));
    const ref = memberListsRef(assign, rows, G, k);
    const init = randomF32(r, G * k * dsub);
    const pad = 8; // trailing floats of acc that no kernel may write
    const accIn = new Float32Array(G * k * dsub + pad).fill(POISON_F32);
    accIn.set(init);
    const xb = engine.upload(x), mb = engine.upload(ref.members), ob = engine.upload(ref.offsets), cb = engine.upload(ref.count);
    const got: Float32Array[] = [];
    for (const [kernel, per] of [[K.kmeans_sum, 1], [K.kmeans_sum4, 4]] as const) {
      const acc = engine.upload(accIn);
      engine.run(kernel, { bindings: { x: xb, members: mb, offsets: ob, count: cb, acc }, params: { groups: G, k, dsub }, workgroups: Math.ceil((G * k * dsub) / per / 256) });
      got.push(await engine.read(acc, Float32Array));
      acc.dispose();
    }
    const tag = `seed ${seed} rows=${rows} G=${G} k=${k} dsub=${dsub}`;
    let bad = '';
    for (let g = 0; g < G && !bad; g++) {
      for (let c = 0; c < k && !bad; c++) {
        const o = ref.offsets[g * k + c]!, n = ref.count[g * k + c]!;
        for (let j = 0; j < dsub && !bad; j++) {
          let s = init[(g * k + c) * dsub + j]!, mag = Math.abs(s);
          for (let m = o; m < o + n; m++) { const v = x[ref.members[m]! * D + g * dsub + j]!; s += v; mag += Math.abs(v); }
          const q = (g * k + c) * dsub + j, v = got[1]![q]!;
          if (!(Math.abs(v - s) <= 1e-6 * (mag + 1))) bad = `[${q}] = ${v}, float64 ${s}`;
        }
      }
    }
    t.equal(bad, '', `${tag}: kmeans_sum4 = init + float64 member sums`);
    t.ok(got[1]!.subarray(G * k * dsub).every((v) => Number.isNaN(v)), `${tag}: the padding past acc is untouched`);
    t.same(new Uint32Array(got[1]!.buffer), new Uint32Array(got[0]!.buffer), `${tag}: kmeans_sum4 gives the bits of kmeans_sum`);
    for (const b of [xb, mb, ob, cb]) b.dispose();
  }
});
