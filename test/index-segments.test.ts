// Inverted lists in several GPU buffers (segments): the segment plan (the merge kernels: kernel-lists-merge.test.ts),
// and searches on engines with lowered limits that
// hold the lists in 2, 3 and 7 segments (a list larger than one segment among them) giving exactly the ids and
// scores of the one-buffer search (IP and L2, 8-bit and 4-bit, with and without a refine stage).
import t from 'tap';
import { getEngine, rng, randomF32, freshSeed, blobs } from './helpers.js';
import { createEngine } from '../src/node/create.js';
import type { Engine } from '../src/pipeline/engine.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { GpuLists, planSegments } from '../src/index/inverted-lists.js';
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
