import t, { type Test } from 'tap';
import { getEngine, rng, randn, freshSeed, POISON_F32, POISON_U32 } from './helpers.js';
import { topk, selectPairRowsByRank, RANK_MAX_N } from '../src/kernels/topk.js';
import { topkRef } from './reference/topk.js';

type Kind = 'normal' | 'ties' | 'special' | 'ascending';

function makeValues(r: () => number, count: number, kind: Kind, n = count): Float32Array {
  const a = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    if (kind === 'normal') a[i] = randn(r);
    else if (kind === 'ascending') a[i] = (i % n) * 0.5; // every candidate beats the best seen so far
    else if (kind === 'ties') a[i] = Math.floor(r() * 5) - 2;
    else {
      const u = r();
      a[i] = u < 0.05 ? NaN : u < 0.1 ? Infinity : u < 0.15 ? -Infinity : u < 0.2 ? -0 : u < 0.4 ? 1 : randn(r);
    }
  }
  return a;
}

function sameF(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || a === b;
}

async function check(t: Test, seed: number, rows: number, n: number, k: number, largest: boolean, kind: Kind, withMap: boolean) {
  const engine = await getEngine();
  const r = rng(seed + rows * 7919 + n * 31 + k * 3 + (largest ? 1 : 0));
  const vals = makeValues(r, rows * n, kind, n);
  const map = withMap ? Int32Array.from({ length: n }, () => Math.floor(r() * 1e6) - 1000) : undefined;
  const live = engine.liveBuffers;
  const vb = engine.upload(vals.length ? vals : new Float32Array(1));
  const mb = map ? engine.upload(map.length ? map : new Int32Array(1)) : undefined;
  const ov = engine.upload(new Float32Array(rows * k).fill(POISON_F32));
  const oi = engine.upload(new Uint32Array(rows * k).fill(POISON_U32));
  topk(engine, vb, ov, oi, rows, n, k, largest, mb);
  const gv = await engine.read(ov, Float32Array);
  const gi = await engine.read(oi, Int32Array);
  const want = topkRef(vals, rows, n, k, largest, map);
  let bad = -1;
  for (let i = 0; i < rows * k; i++) {
    if (!sameF(gv[i]!, want.values[i]!) || gi[i] !== want.indices[i]) { bad = i; break; }
  }
  const what = `seed ${seed} rows=${rows} n=${n} k=${k} ${largest ? 'largest' : 'smallest'} ${kind}${map ? ' indexMap' : ''}`;
  t.equal(bad, -1, bad < 0 ? what : `${what}: first mismatch at ${bad}: got (${gv[bad]}, ${gi[bad]}) want (${want.values[bad]}, ${want.indices[bad]})`);
  vb.dispose(); mb?.dispose(); ov.dispose(); oi.dispose();
  t.equal(engine.liveBuffers, live, `${what}: temporaries released`);
}

t.test('topk matches the reference: awkward n, k, both directions, ties, NaN/inf, indexMap', async (t) => {
  const seed = freshSeed();
  t.comment(`seed ${seed}`);
  for (const k of [1, 7, 100, 1024]) {
    const ns = [...new Set([1, k - 1, k, k + 1, 1000])].filter((n) => n >= 0);
    for (const n of ns) {
      for (const largest of [true, false]) {
        const kind: Kind = n % 3 === 0 ? 'ties' : n % 3 === 1 ? 'special' : 'normal';
        await check(t, seed, 3, n, k, largest, kind, n === 1000 && largest);
      }
    }
  }
});

t.test('topk over long rows (multi-pass merge)', async (t) => {
  const seed = freshSeed();
  t.comment(`seed ${seed}`);
  for (const k of [1, 7, 100, 1024]) {
    await check(t, seed, 2, 70000, k, k % 2 === 0, k === 100 ? 'ties' : 'normal', k === 7);
  }
  await check(t, seed, 1, 70000, 100, false, 'special', false);
});

t.test('topk with many short rows', async (t) => {
  const seed = freshSeed();
  await check(t, seed, 300, 50, 7, true, 'ties', false);
  await check(t, seed, 257, 256, 32, false, 'normal', true);
});

// 256+ rows: one workgroup per row; rows of 2048+ columns and k <= 128 take the prefilter (a threshold from
// per-invocation maxima), longer rows scan without barriers, n % 4 != 0 reads scalars instead of vec4.
t.test('topk over many long rows: prefilter, barrier-free scans, vec4 and scalar reads', async (t) => {
  const seed = freshSeed();
  t.comment(`seed ${seed}`);
  const cases: [number, number, number, boolean, Kind, boolean][] = [
    [256, 5000, 100, true, 'normal', false], [257, 5003, 100, false, 'normal', true], [256, 2048, 1, true, 'special', false],
    [300, 4099, 7, false, 'special', false], [256, 4096, 128, true, 'ties', false], [256, 4096, 129, false, 'normal', false],
    [256, 3001, 300, true, 'ties', true], [256, 5000, 64, true, 'ascending', false], [256, 5000, 300, true, 'ascending', false],
    [256, 5000, 100, false, 'ascending', false], [256, 1031, 1024, true, 'normal', false], [256, 1025, 13, false, 'special', false],
  ];
  for (const [rows, n, k, largest, kind, map] of cases) await check(t, seed, rows, n, k, largest, kind, map);
});

t.test('topk rejects bad arguments with clear errors', async (t) => {
  const engine = await getEngine();
  const b = engine.buffer(64), o = engine.buffer(64), i = engine.buffer(64);
  t.throws(() => topk(engine, b, o, i, 1, 4, 0, true), /k must be an integer in \[1, 1024\]/);
  t.throws(() => topk(engine, b, o, i, 1, 4, 2000, true), /k must be/);
  t.throws(() => topk(engine, b, o, i, 2, 40, 4, true), /values holds 64 bytes but 320 are needed/);
  t.throws(() => topk(engine, b, o, i, 1, 4, 40, true), /outValues holds/);
  t.throws(() => topk(engine, b, o, i, 1.5, 4, 4, true), /rows must be a non-negative integer/);
  b.dispose(); o.dispose(); i.dispose();
});

t.test("topk's rank kernel matches a float64 reference and topk_select bit for bit (ties, NaN, -0, k past n, poisoned output)", async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [rows, n, k] of [[1, 1, 1], [3, 7, 3], [5, 7, 10], [17, 256, 32], [9, 257, 100], [4, RANK_MAX_N, 67], [2, RANK_MAX_N + 1, 5]] as const) {
    for (const largest of [true, false]) for (const integer of [false, true]) {
      const v = Float32Array.from({ length: rows * n }, () => (integer ? Math.floor(r() * 5) - 2 : (r() - 0.5) * 8));
      if (n > 3) { v[1] = NaN; v[2] = -0; v[3] = 0; }
      const scores = engine.upload(v);
      const bufs = [0, 1, 2, 3].map(() => engine.upload(new Uint32Array(rows * k).fill(POISON_U32)));
      try {
        topk(engine, scores, bufs[0]!, bufs[1]!, rows, n, k, largest, undefined, { kernel: n <= RANK_MAX_N ? 'rank' : 'auto' });
        topk(engine, scores, bufs[2]!, bufs[3]!, rows, n, k, largest, undefined, { kernel: 'select' });
        const [av, ai, tv, ti] = await Promise.all(bufs.map((b) => engine.read(b, Uint32Array)));
        // reference: NaN last, -0 = +0, ties to the lower column; padding -1 and -+Infinity
        const rank = (x: number) => (Number.isNaN(x) ? -Infinity : largest ? x : -x);
        let bad = '';
        for (let q = 0; q < rows && !bad; q++) {
          const order = Array.from({ length: n }, (_, c) => c).sort((a, b) => rank(v[q * n + b]!) - rank(v[q * n + a]!) || a - b);
          for (let i = 0; i < k && !bad; i++) {
            const c = i < n ? order[i]! : -1;
            const want = c < 0 ? (largest ? -Infinity : Infinity) : v[q * n + c]! === 0 ? 0 : v[q * n + c]!;
            const got = new Float32Array(av!.buffer)[q * k + i]!;
            const gotIdx = new Int32Array(ai!.buffer)[q * k + i]!;
            if (gotIdx !== c || !(Object.is(got, want) || (Number.isNaN(got) && Number.isNaN(want)))) bad = `row ${q} place ${i}: (${got}, ${gotIdx}) want (${want}, ${c})`;
          }
        }
        t.equal(bad, '', `seed ${seed} rows ${rows} n ${n} k ${k} ${largest ? 'largest' : 'smallest'}${integer ? ' integer' : ''}: the reference`);
        t.same([av, ai], [tv, ti], 'the same bits as topk_select');
        if (n > RANK_MAX_N) t.throws(() => topk(engine, scores, bufs[0]!, bufs[1]!, rows, n, k, largest, undefined, { kernel: 'rank' }), /at most/, 'rank refuses a longer row');
      } finally {
        for (const b of [scores, ...bufs]) b.dispose();
      }
    }
  }
});

t.test('selectPairRowsByRank matches a CPU reference (bounds, ties, short and long rows, poisoned output)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
  const bitsOf = (v: number) => { f32[0] = v; return u32[0]!; };
  // lib/tk_key.wgsl's key: larger is better
  const tkKey = (v: number, largest: boolean) => {
    let u = bitsOf(v);
    if ((u & 0x7fffffff) > 0x7f800000) return 0;
    if (u === 0x80000000) u = 0;
    const o = (u & 0x80000000) !== 0 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
    return largest ? o : ~o >>> 0;
  };
  for (const c of [
    { rows: 7, n: 300, k: 100 }, { rows: 5, n: 13, k: 5 }, { rows: 6, n: 2100, k: 128 }, { rows: 9, n: 77, k: 1 },
  ]) for (const largest of [true, false]) for (const ties of [false, true]) {
    const keys = new Uint32Array(c.rows * c.n).fill(POISON_U32), pos = new Uint32Array(c.rows * c.n).fill(POISON_U32);
    const rowLen = new Uint32Array(c.rows * 2);
    const wantV: number[] = [], wantI: number[] = [];
    for (let row = 0; row < c.rows; row++) {
      // row 0 empty, row 1 shorter than k (when it can be), the others of random length; the long case: past 1024
      const len = row === 0 ? 0 : row === 1 ? Math.min(c.n, Math.max(0, c.k - 1)) : c.n > 1024 && row === 2 ? c.n : Math.floor(r() * (c.n + 1));
      const order = Array.from({ length: len }, (_, i) => i * 3 + 1);
      for (let i = len - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [order[i], order[j]] = [order[j]!, order[i]!]; }
      const ents = order.map((p) => {
        const v = Math.fround(ties ? Math.floor(r() * 5) - 2 : randn(r));
        return { key: tkKey(v, largest), p, bits: bitsOf(v === 0 ? 0 : v) };
      });
      ents.forEach((e, i) => { keys[row * c.n + i] = e.key; pos[row * c.n + i] = e.p; });
      const sorted = [...ents].sort((a, b) => (b.key - a.key) || (a.p - b.p));
      // the bound: 0, the k-th best key itself, or a key below it; the long row's 0 (all 2100 ranked whole)
      const kth = sorted.length >= c.k ? sorted[c.k - 1]!.key : 0;
      const mode = c.n > 1024 && row === 2 ? 0 : row % 3;
      rowLen[2 * row] = len;
      rowLen[2 * row + 1] = mode === 0 ? 0 : mode === 1 ? kth : Math.floor(kth * r());
      for (let i = 0; i < c.k; i++) {
        const e = sorted[i];
        wantV.push(e ? e.bits : largest ? 0xff800000 : 0x7f800000);
        wantI.push(e ? e.p : -1);
      }
    }
    const outRow0 = 2;
    const kb = engine.upload(keys), pb = engine.upload(pos), lb = engine.upload(rowLen);
    const ov = engine.upload(new Uint32Array((outRow0 + c.rows) * c.k).fill(POISON_U32));
    const oi = engine.upload(new Int32Array((outRow0 + c.rows) * c.k).fill(POISON_U32 | 0));
    try {
      selectPairRowsByRank(engine, { keys: kb, pos: pb, rowLen: lb }, c.rows, c.n, c.k, largest, ov, oi, outRow0);
      const gotV = await engine.read(ov, Uint32Array), gotI = await engine.read(oi, Int32Array);
      const what = `seed ${seed} ${JSON.stringify(c)} largest ${largest} ties ${ties}`;
      t.ok(gotV.subarray(0, outRow0 * c.k).every((x) => x === POISON_U32), `${what}: rows before outRow0 untouched`);
      t.same(Array.from(gotV.subarray(outRow0 * c.k, (outRow0 + c.rows) * c.k)), wantV, `${what}: values`);
      t.same(Array.from(gotI.subarray(outRow0 * c.k, (outRow0 + c.rows) * c.k)), wantI, `${what}: positions`);
    } finally {
      for (const b of [kb, pb, lb, ov, oi]) b.dispose();
    }
  }
});
