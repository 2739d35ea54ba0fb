// Inverted lists in several GPU buffers (segments): the segment plan, the merge of per-segment top-k (lists_merge)
// and the id gather (lists_ids) against float64 / host references, and searches on engines with lowered limits that
// hold the lists in 2, 3 and 7 segments (a list larger than one segment among them) giving exactly the ids and
// scores of the one-buffer search (IP and L2, 8-bit and 4-bit, with and without a refine stage).
import t from 'tap';
import { getEngine, rng, randomF32, freshSeed, blobs, POISON_F32, POISON_U32 } from './helpers.js';
import { createEngine } from '../src/node/create.js';
import type { Engine } from '../src/pipeline/engine.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { GpuLists, planSegments } from '../src/index/inverted-lists.js';
import { mergeTopk, positionsToIds } from '../src/kernels/lists-merge.js';
import { InputError } from '../src/util/errors.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed}`);

t.test('planSegments: whole lists where they fit, a larger list split, every row once', async (t) => {
  // lists of 3, 0, 5, 2, 9, 1 rows; rows of 4 bytes
  const off = [0, 3, 3, 8, 10, 19, 20];
  t.same(planSegments(off, 6, 4, 32), [[0, 8], [8, 10], [10, 18], [18, 20]], '8 rows a segment: list 4 (9 rows) split');
  t.same(planSegments(off, 6, 4, 80), [[0, 20]], 'all in one');
  t.same(planSegments(off, 6, 4, 4), Array.from({ length: 20 }, (_, i) => [i, i + 1]), 'one row a segment');
  t.same(planSegments([0, 0, 0], 2, 4, 16), [[0, 0]], 'no rows: one empty segment');
  t.throws(() => planSegments(off, 6, 16, 12), /a row of 16 bytes exceeds the 12-byte segment limit/);
  for (let trial = 0; trial < 50; trial++) {
    const nlist = 1 + Math.floor(r() * 20), o = [0];
    for (let l = 0; l < nlist; l++) o.push(o[l]! + (r() < 0.2 ? 0 : Math.floor(r() * 40)));
    const rows = 1 + Math.floor(r() * 30);
    const plan = planSegments(o, nlist, 8, rows * 8 + Math.floor(r() * 8));
    let at = 0, bad = '';
    for (const [a, b] of plan) {
      if (a !== at || b - a > rows || (b <= a && o[nlist]! > 0)) bad = `segment [${a}, ${b}) after ${at}`;
      // a segment ends at a list boundary unless the list it ends in is longer than a whole segment
      const inside = o.findIndex((x, l) => l < nlist && x < b && o[l + 1]! > b);
      if (inside >= 0 && o[inside + 1]! - o[inside]! <= rows && b !== o[nlist]) bad = `segment [${a}, ${b}) cuts list ${inside} of ${o[inside + 1]! - o[inside]!} rows`;
      at = b;
    }
    if (at !== o[nlist]) bad = `ends at ${at} of ${o[nlist]}`;
    t.equal(bad, '', `random lists ${trial}`);
  }
});

/** The selection's order (tk_key, then the lower position): negative when (a, pa) ranks first. NaN ranks last,
 *  -0 and +0 are equal. */
function order(a: number, pa: number, b: number, pb: number, largest: boolean): number {
  const na = Number.isNaN(a), nb = Number.isNaN(b);
  if (na !== nb) return na ? 1 : -1;
  if (!na && a !== b) return (a > b) === largest ? -1 : 1;
  return pa - pb;
}

/** float64 reference of mergeTopk: all real candidates of a query's segment rows, best first, ties to lower pos. */
function refMerge(scores: Float32Array, pos: Uint32Array, rows: number, k: number, segs: number, stride: number, largest: boolean) {
  const outS = new Float32Array(rows * k).fill(largest ? -Infinity : Infinity), outP = new Uint32Array(rows * k).fill(0xffffffff);
  for (let q = 0; q < rows; q++) {
    const c: { s: number; p: number }[] = [];
    for (let s = 0; s < segs; s++) {
      for (let j = 0; j < k; j++) {
        const i = s * stride + q * k + j;
        if (pos[i] !== 0xffffffff) c.push({ s: scores[i]!, p: pos[i]! });
      }
    }
    c.sort((a, b) => order(a.s, a.p, b.s, b.p, largest));
    for (let j = 0; j < Math.min(k, c.length); j++) { outS[q * k + j] = c[j]!.s; outP[q * k + j] = c[j]!.p; }
  }
  return { outS, outP };
}

t.test('mergeTopk: the merged k best of sorted segment rows, as a float64 reference ranks them', async (t) => {
  const engine = await getEngine(t);
  for (const [segs, rows, k] of [[1, 1, 1], [2, 3, 7], [3, 13, 5], [7, 5, 33], [2, 1, 100], [5, 2, 1]] as const) {
    for (const largest of [true, false]) {
      const stride = Math.ceil((rows * k) / 64) * 64 + (segs > 2 ? 64 : 0);
      const scores = new Float32Array(segs * stride).fill(POISON_F32), pos = new Uint32Array(segs * stride).fill(POISON_U32);
      // distinct global positions, dealt to segments; values from a small set (ties), with NaN, -0 / +0 and infinities
      const all = Array.from({ length: segs * k * 2 }, (_, i) => i).sort(() => r() - 0.5);
      const special = [NaN, -0, 0, Infinity, -Infinity];
      for (let q = 0; q < rows; q++) {
        for (let s = 0; s < segs; s++) {
          const real = Math.floor(r() * (k + 1)); // the rest of the row is padding
          const c = Array.from({ length: real }, (_, j) => {
            const v = r() < 0.15 ? special[Math.floor(r() * special.length)]! : Math.fround(Math.round(randomF32(r, 1)[0]! * 4) / 4);
            return { v, p: all[(s * k + j) * 2 + (q % 2)]! };
          });
          c.sort((a, b) => order(a.v, a.p, b.v, b.p, largest));
          for (let j = 0; j < k; j++) {
            const i = s * stride + q * k + j;
            scores[i] = j < real ? c[j]!.v : largest ? -Infinity : Infinity;
            pos[i] = j < real ? c[j]!.p : 0xffffffff;
          }
        }
      }
      // the kernel reads positions in the segment plus the segment's start
      const starts = new Uint32Array(segs), local = pos.slice();
      for (let s = 0; s < segs; s++) {
        let min = Infinity;
        for (let i = s * stride; i < s * stride + rows * k; i++) if (pos[i] !== 0xffffffff) min = Math.min(min, pos[i]!);
        starts[s] = Number.isFinite(min) ? Math.floor(r() * (min + 1)) : 7;
        for (let i = s * stride; i < s * stride + rows * k; i++) if (pos[i] !== 0xffffffff) local[i] = pos[i]! - starts[s]!;
      }
      const inS = engine.upload(scores), inP = engine.upload(local), st = engine.upload(starts);
      const outS = engine.upload(new Float32Array(rows * k).fill(POISON_F32)), outP = engine.upload(new Uint32Array(rows * k).fill(POISON_U32));
      try {
        mergeTopk(engine, { inScores: inS, inPos: inP, starts: st, outScores: outS, outPos: outP, rows, k, segs, stride, largest });
        const gotS = await engine.read(outS, Float32Array, 0, rows * k * 4), gotP = await engine.read(outP, Uint32Array, 0, rows * k * 4);
        const ref = refMerge(scores, pos, rows, k, segs, stride, largest);
        const name = `segs ${segs} rows ${rows} k ${k} ${largest ? 'largest' : 'smallest'}`;
        t.same(Array.from(gotP), Array.from(ref.outP), `${name}: positions`);
        t.same(Array.from(new Uint32Array(gotS.buffer)), Array.from(new Uint32Array(ref.outS.buffer)), `${name}: score bits`);
      } finally {
        for (const b of [inS, inP, st, outS, outP]) b.dispose();
      }
    }
  }
  t.throws(() => mergeTopk(engine, { inScores: engine.buffer(16), inPos: engine.buffer(16), starts: engine.buffer(16), outScores: engine.buffer(16), outPos: engine.buffer(16), rows: 2, k: 2, segs: 2, stride: 3, largest: true }),
    /stride must be an integer >= rows \* k = 4, got 3/);
});

t.test('positionsToIds: the ids of one segment\'s positions, -1 kept, other positions left alone', async (t) => {
  const engine = await getEngine(t);
  for (const [n, start, end] of [[1, 0, 1], [67, 10, 31], [200, 0, 0], [131, 50, 257]] as const) {
    const pos = Int32Array.from({ length: n }, () => (r() < 0.1 ? -1 : Math.floor(r() * 300)));
    const ids = Int32Array.from({ length: Math.max(1, end - start) }, () => Math.floor(r() * 2 ** 31) - 2 ** 30);
    const out0 = Int32Array.from({ length: n }, () => POISON_U32 | 0);
    const bp = engine.upload(pos), bi = engine.upload(ids), bo = engine.upload(out0);
    try {
      positionsToIds(engine, bp, bi, bo, n, start, end);
      const got = await engine.read(bo, Int32Array, 0, n * 4);
      const want = out0.map((v, i) => { const p = pos[i]!; return p < 0 ? -1 : p >= start && p < end ? ids[p - start]! : v; });
      t.same(Array.from(got), Array.from(want), `n ${n} rows [${start}, ${end})`);
    } finally {
      for (const b of [bp, bi, bo]) b.dispose();
    }
  }
});

/** An engine whose storage bindings (and buffers) are at most `bytes`. */
async function lowered(bytes: number): Promise<Engine> {
  return createEngine({ limits: { maxStorageBufferBindingSize: bytes, maxBufferSize: bytes } });
}

/** The segment limit (bytes, a multiple of 16) for which these lists take `segs` segments of rows of rowBytes, or
 *  the closest count above it. */
function limitFor(offsets: Uint32Array, nlist: number, rowBytes: number, segs: number): { bytes: number; count: number } {
  let best = { bytes: 0, count: Infinity };
  for (let bytes = offsets[nlist]! * rowBytes + 16; bytes >= 16; bytes = Math.floor(bytes * 0.97 / 16) * 16) {
    const count = planSegments(offsets, nlist, rowBytes, bytes).length;
    if (count >= segs && count < best.count) best = { bytes, count };
    if (count === segs) break;
  }
  return best;
}

t.test('search over lists in 2, 3 and 7 segments equals the one-buffer search exactly', async (t) => {
  const engine = await getEngine(t);
  // the 4-bit scan makes pair tables for 64 queries at a time (64 x ceil(m / 2) KiB in one binding): its segments
  // are larger, so its lists hold more vectors
  for (const c of [
    { metric: 'ip', bits: 8, m: 4, nlist: 4, dim: 16, n: 36000 },
    { metric: 'l2', bits: 8, m: 4, nlist: 4, dim: 16, n: 36000 },
    { metric: 'ip', bits: 4, m: 2, nlist: 4, dim: 8, n: 120000 },
    { metric: 'l2', bits: 4, m: 2, nlist: 4, dim: 8, n: 120000 },
  ] as const) {
    const { dim, n } = c, nq = 37;
    const x = blobs(r, n, 12, dim), q = blobs(r, nq, 12, dim);
    const index = new IvfPqIndex(engine, { dim, nlist: c.nlist, m: c.m, bits: c.bits, metric: c.metric, refine: 'sq8' });
    try {
      await index.train(x.subarray(0, 4000 * dim));
      await index.add(x);
      const data = index.toData();
      const rowBytes = Math.ceil((c.m * c.bits) / 32) * 4;
      const sizes = index.listSizes();
      for (const segs of [2, 3, 7]) {
        const { bytes, count } = limitFor(data.listOffsets, c.nlist, rowBytes, segs);
        const name = `${c.metric} ${c.bits}-bit, ${count} segments of <= ${bytes} bytes`;
        const split = planSegments(data.listOffsets, c.nlist, rowBytes, bytes).some(([a, b]) => sizes.some((s, l) => s > (b - a) && data.listOffsets[l]! < b && data.listOffsets[l + 1]! > a));
        if (segs === 7) t.ok(split, `${name}: a list is larger than a segment`);
        const small = await lowered(bytes);
        const seg = IvfPqIndex.fromData(small, data);
        try {
          for (const opts of [{ k: 10, nprobe: 2 }, { k: 7, nprobe: c.nlist, refineFactor: 3 }, { k: 1, nprobe: 1 }]) {
            const want = await index.search(q, opts), got = await seg.search(q, opts);
            const what = `${name}, k ${opts.k} nprobe ${opts.nprobe}${opts.refineFactor ? ` refine ${opts.refineFactor}` : ''}`;
            t.same(Array.from(got.ids), Array.from(want.ids), `${what}: ids`);
            t.same(Array.from(new Uint32Array(got.scores.buffer)), Array.from(new Uint32Array(want.scores.buffer)), `${what}: score bits`);
          }
          // few queries take the one-pass scan
          const want = await index.search(q.subarray(0, 3 * dim), { k: 5, nprobe: 2 }), got = await seg.search(q.subarray(0, 3 * dim), { k: 5, nprobe: 2 });
          t.same(Array.from(got.ids), Array.from(want.ids), `${name}, 3 queries: ids`);
        } finally {
          seg.dispose();
          small.dispose();
        }
      }
    } finally {
      index.dispose();
    }
  }
});

t.test('lowered limits: the engine keeps to them, and bad values are refused', async (t) => {
  const small = await lowered(4096);
  try {
    t.equal(small.maxBinding, 4096);
    t.equal(Number(small.limits.maxBufferSize), 4096);
    t.ok(small.limits.maxComputeWorkgroupStorageSize > 0, 'the other limits are the device\'s');
    t.throws(() => small.buffer(4097, 'big'), /big: 4112 bytes is larger than this device's maxBufferSize \(4096\)/);
    t.equal(GpuLists.segmentLimit(small), 4096);
  } finally {
    small.dispose();
  }
  await t.rejects(createEngine({ limits: { maxStorageBufferBindingSize: 10 } }), InputError);
  await t.rejects(createEngine({ limits: { maxBufferSize: 2 ** 60 } }), /limits.maxBufferSize must be a positive multiple of 4 no larger than the device's/);
});

t.test('sizes a device cannot run are refused before any work, naming the limit', async (t) => {
  const engine = await getEngine(t);
  const small = await lowered(4096);
  try {
    t.throws(() => new IvfPqIndex(small, { dim: 64, nlist: 32, m: 8 }), /the IVF centroids \(nlist 32 x dim 64 floats\) take 8192 bytes, more than this device binds at once \(maxStorageBufferBindingSize 4096/);
    t.throws(() => new IvfPqIndex(small, { dim: 8, nlist: 4, m: 8, metric: 'l2' }), InputError, 'the L2 term');
    t.throws(() => new IvfPqIndex(small, { dim: 8, nlist: 4, m: 8, bits: 4, metric: 'l2' }), /byte-pair form/);
    new IvfPqIndex(small, { dim: 8, nlist: 4, m: 8, metric: 'ip' }).dispose();
    // 5000 vectors in segments of at most 1024: 1024 candidates a query from each do not fit one 4096-byte binding
    const dim = 4, n = 5000;
    const index = new IvfPqIndex(engine, { dim, nlist: 2, m: 1 });
    try {
      const x = randomF32(r, n * dim);
      await index.train(x);
      await index.add(x);
      const seg = IvfPqIndex.fromData(small, index.toData());
      try {
        const before = small.dispatchCount;
        await t.rejects(seg.search(x.subarray(0, 2 * dim), { k: 1024, nprobe: 2 }), /the lists are held in [5-6] segments whose 1024 candidates per query do not fit this device's maxStorageBufferBindingSize \(4096 bytes\)/);
        t.equal(small.dispatchCount, before, 'nothing ran');
        const got = await seg.search(x.subarray(0, 2 * dim), { k: 10, nprobe: 2 }), want = await index.search(x.subarray(0, 2 * dim), { k: 10, nprobe: 2 });
        t.same(Array.from(got.ids), Array.from(want.ids), 'a k that fits runs');
      } finally {
        seg.dispose();
      }
    } finally {
      index.dispose();
    }
  } finally {
    small.dispose();
  }
});
