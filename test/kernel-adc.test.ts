import t from 'tap';
import type { Engine } from '../src/pipeline/engine.js';
import { getEngine, rng, randomF32, freshSeed, POISON_F32, POISON_U32, compare, withMaxBinding } from './helpers.js';
import { adcLut, adcL2Term, adcPairTables, adcScan, candidateBound, subgroupScan, texelScan } from '../src/kernels/adc.js';
import { pqTexels, texelsPerVector } from '../src/kernels/pq.js';
import type { GpuTexture } from '../src/pipeline/buffer.js';
import { topk } from '../src/kernels/topk.js';
import { adcLutRef, adcPairTablesRef, adcScanRef, type AdcScanInput } from './reference/adc.js';

t.test('adcLut and adcL2Term match the float64 reference (awkward sizes, poisoned output)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [nrows, m, ksub, dsub] of [[1, 1, 1, 1], [3, 5, 16, 3], [17, 7, 256, 2], [33, 4, 100, 9], [5, 32, 256, 16], [41, 6, 16, 8], [13, 3, 7, 5],
    // adc_lut_rows with codewords that do not fill its four per invocation: ksub 2, 7, 13 (S = 1, 2, 4), 5 (S = 2)
    [4, 9, 2, 3], [2, 3, 7, 5], [6, 5, 13, 4], [3, 70, 5, 2]] as const) {
    for (const l2 of [false, true]) {
      const x = randomF32(r, nrows * m * dsub), cb = randomF32(r, m * ksub * dsub);
      const xb = engine.upload(x), cbb = engine.upload(cb);
      const out = engine.upload(new Float32Array(nrows * m * ksub).fill(POISON_F32));
      (l2 ? adcL2Term : adcLut)(engine, xb, cbb, out, nrows, m, ksub, dsub);
      const got = await engine.read(out, Float32Array);
      const want = adcLutRef(x, cb, nrows, m, ksub, dsub, l2);
      const c = compare(got.subarray(0, want.length), want, 1e-5 * dsub, 1e-5);
      t.ok(c.ok, `seed ${seed} rows=${nrows} m=${m} ksub=${ksub} dsub=${dsub} l2=${l2}: worst ${c.worst.toFixed(3)} at ${c.at} got ${c.got} want ${c.want}`);
      xb.dispose(); cbb.dispose(); out.dispose();
    }
  }
});

t.test('adcLut rejects bad arguments', async (t) => {
  const engine = await getEngine();
  const b = engine.buffer(64);
  t.throws(() => adcLut(engine, b, b, b, 1, 0, 16, 2), /m, ksub and dsub must be at least 1/);
  t.throws(() => adcLut(engine, b, b, b, 4, 2, 16, 2), /codebooks holds 64 bytes but 256 are needed/);
  t.throws(() => adcL2Term(engine, b, b, b, 1.5, 2, 16, 2), /rows must be a non-negative integer/);
  b.dispose();
});

t.test('adcPairTables matches the float64 reference (odd m, awkward row counts, poisoned output)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [rows, m] of [[1, 1], [1, 2], [3, 5], [17, 7], [67, 64], [2, 33]] as const) {
    const tab = randomF32(r, rows * m * 16), mp = Math.ceil(m / 2);
    const tb = engine.upload(tab), out = engine.upload(new Float32Array(rows * mp * 256 + 7).fill(POISON_F32));
    adcPairTables(engine, tb, out, rows, m);
    const got = await engine.read(out, Float32Array);
    const want = adcPairTablesRef(tab, rows, m);
    // one f32 addition of two f32 values: within half an ulp of the exact sum
    const c = compare(got.subarray(0, want.length), want, 1e-6, 1e-6);
    t.ok(c.ok, `seed ${seed} rows=${rows} m=${m}: worst ${c.worst.toFixed(3)} at ${c.at} got ${c.got} want ${c.want}`);
    t.ok(Array.from(got.subarray(want.length, want.length + 7)).every((x) => Number.isNaN(x)), `rows=${rows} m=${m}: nothing written past the end`);
    tb.dispose(); out.dispose();
  }
  const b = engine.buffer(64);
  t.throws(() => adcPairTables(engine, b, b, 1, 0), /m must be at least 1/);
  t.throws(() => adcPairTables(engine, b, b, 1, 2), /tab holds 64 bytes but 128 are needed/);
  b.dispose();
});

interface ScanCase { nq: number; nprobe: number; nlist: number; m: number; bits: number; k: number; avgList: number }

/** The scan's inputs uploaded, with poisoned outputs (nq x k scores and ids). */
function uploadScan(engine: Engine, a: AdcScanInput, c: ScanCase) {
  const up = <T extends ArrayBufferView>(x: T) => engine.upload(x);
  return {
    lut: up(a.lut as Float32Array), probes: up(a.probes), coarse: up(a.coarse as Float32Array), listOffsets: up(a.listOffsets),
    codes: up(a.codes), ids: up(a.ids.length ? a.ids : new Int32Array(1)),
    outScores: up(new Float32Array(c.nq * c.k).fill(POISON_F32)), outIds: up(new Uint32Array(c.nq * c.k).fill(POISON_U32)),
    ...(a.l2Term ? { l2Term: up(a.l2Term as Float32Array) } : {}),
  };
}

/** A random index: uneven lists (some empty), random code words, distinct shuffled ids, probes with -1. */
function makeScan(r: () => number, c: ScanCase, metric: 'ip' | 'l2', integer: boolean): AdcScanInput {
  const ksub = 1 << c.bits, wpv = Math.ceil(Math.ceil((c.m * c.bits) / 8) / 4);
  const val = () => (integer ? Math.floor(r() * 9) - 4 : (r() - 0.5) * 4);
  const sizes = Array.from({ length: c.nlist }, (_, l) => (l % 5 === 2 ? 0 : Math.floor(r() * 2 * c.avgList)));
  const listOffsets = new Uint32Array(c.nlist + 1);
  for (let l = 0; l < c.nlist; l++) listOffsets[l + 1] = listOffsets[l]! + sizes[l]!;
  const total = listOffsets[c.nlist]!;
  const codes = new Uint32Array(Math.max(1, total * wpv));
  for (let i = 0; i < codes.length; i++) codes[i] = Math.floor(r() * 4294967296);
  const ids = Int32Array.from({ length: total }, (_, i) => i * 3 + 11);
  for (let i = total - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); const x = ids[i]!; ids[i] = ids[j]!; ids[j] = x; }
  const probes = new Int32Array(c.nq * c.nprobe);
  for (let q = 0; q < c.nq; q++) {
    const order = Array.from({ length: c.nlist }, (_, i) => i);
    for (let i = c.nlist - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); const x = order[i]!; order[i] = order[j]!; order[j] = x; }
    for (let p = 0; p < c.nprobe; p++) probes[q * c.nprobe + p] = p < c.nlist && r() > 0.15 ? order[p]! : -1;
  }
  const coarse = Float32Array.from({ length: c.nq * c.nprobe }, val);
  const lut = Float32Array.from({ length: c.nq * c.m * ksub }, val);
  const l2Term = metric === 'l2' ? Float32Array.from({ length: c.nlist * c.m * ksub }, val) : undefined;
  return { lut, probes, coarse, listOffsets, codes, ids, l2Term, nq: c.nq, nprobe: c.nprobe, m: c.m, bits: c.bits, k: c.k, metric };
}

t.test('adcScan matches a CPU reference scan (both metrics, bits 8 and 4, odd m, empty lists, -1 probes)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  t.comment(`seed ${seed}`);
  const r = rng(seed);
  const cases: ScanCase[] = [
    { nq: 5, nprobe: 3, nlist: 7, m: 5, bits: 8, k: 10, avgList: 20 },
    { nq: 4, nprobe: 4, nlist: 9, m: 7, bits: 4, k: 20, avgList: 6 },
    { nq: 3, nprobe: 70, nlist: 80, m: 3, bits: 4, k: 1, avgList: 9 },
    { nq: 6, nprobe: 5, nlist: 12, m: 32, bits: 8, k: 100, avgList: 15 },
    { nq: 2, nprobe: 6, nlist: 12, m: 9, bits: 8, k: 1024, avgList: 220 },
    { nq: 3, nprobe: 2, nlist: 4, m: 1, bits: 8, k: 7, avgList: 300 },
    // more than 8 queries: with host offsets these take the two-pass scan (8 or fewer take the one-pass scan)
    { nq: 11, nprobe: 3, nlist: 7, m: 5, bits: 8, k: 10, avgList: 20 },
    { nq: 9, nprobe: 4, nlist: 9, m: 7, bits: 4, k: 20, avgList: 6 },
    // 4-bit through pair tables: one query, m = 1, a prime query count, nprobe > nlist (-1 probes), k > candidates
    { nq: 1, nprobe: 3, nlist: 5, m: 1, bits: 4, k: 13, avgList: 4 },
    { nq: 13, nprobe: 9, nlist: 5, m: 1, bits: 4, k: 50, avgList: 7 },
    { nq: 13, nprobe: 6, nlist: 11, m: 64, bits: 4, k: 100, avgList: 17 },
    { nq: 31, nprobe: 2, nlist: 3, m: 33, bits: 4, k: 3, avgList: 1 },
  ];
  for (const c of cases) for (const metric of ['ip', 'l2'] as const) for (const integer of [true, false]) for (const twoPass of [false, true]) {
    const a = makeScan(r, c, metric, integer);
    const live = engine.liveBuffers;
    const bufs = uploadScan(engine, a, c);
    adcScan(engine, { ...bufs, nq: c.nq, nprobe: c.nprobe, nlist: c.nlist, m: c.m, bits: c.bits, k: c.k, metric, ...(twoPass ? { hostListOffsets: a.listOffsets } : {}) });
    const gs = (await engine.read(bufs.outScores, Float32Array)).subarray(0, c.nq * c.k);
    const gi = (await engine.read(bufs.outIds, Int32Array)).subarray(0, c.nq * c.k);
    const want = adcScanRef(a);
    const what = `seed ${seed} ${JSON.stringify(c)} ${metric} ${integer ? 'integer (exact ties)' : 'float'} ${twoPass ? 'with host offsets' : 'fused'}`;
    if (integer) {
      // small integers add exactly in f32: scores, ids and the tie order must match exactly
      let bad = -1;
      for (let i = 0; i < gs.length; i++) if (gs[i] !== want.scores[i] || gi[i] !== want.ids[i]) { bad = i; break; }
      t.equal(bad, -1, bad < 0 ? what : `${what}: first mismatch at ${bad}: got (${gs[bad]}, ${gi[bad]}) want (${want.scores[bad]}, ${want.ids[bad]})`);
    } else {
      const tol = 1e-5 * (c.m + 1) * 4;
      // padding (+-Infinity) must match exactly; the rest within tolerance
      const fin = (x: ArrayLike<number>, y: ArrayLike<number>) => Float64Array.from(x, (v, i) => (v === y[i] && !Number.isFinite(v) ? 0 : v));
      const cs = compare(fin(gs, want.scores), fin(want.scores, gs), tol, 1e-6);
      t.ok(cs.ok, `${what}: sorted scores, worst ${cs.worst.toFixed(3)} at ${cs.at} got ${cs.got} want ${cs.want}`);
      // near-ties may swap ids; every id returned must be a distinct candidate whose true score is the one reported
      let bad = '';
      for (let q = 0; q < c.nq && !bad; q++) {
        const seen = new Set<number>();
        for (let i = 0; i < c.k; i++) {
          const id = gi[q * c.k + i]!, s = gs[q * c.k + i]!;
          if (id === -1) { if (want.ids[q * c.k + i] !== -1) bad = `q ${q} rank ${i}: padding where a candidate was expected`; continue; }
          const truth = want.all[q]!.get(id);
          if (truth === undefined) bad = `q ${q} rank ${i}: id ${id} is not a candidate of this query`;
          else if (Math.abs(truth - s) > tol) bad = `q ${q} rank ${i}: id ${id} scored ${s}, true ${truth}`;
          else if (seen.has(id)) bad = `q ${q}: id ${id} twice`;
          seen.add(id);
        }
      }
      t.equal(bad, '', `${what}: ids`);
    }
    for (const b of Object.values(bufs)) b.dispose();
    t.equal(engine.liveBuffers, live, `${what}: temporaries released`);
  }
});

t.test('adcScan 4-bit in several query chunks of pair tables (small binding limit) matches the reference exactly', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  // m = 4: a pair-table row is 2 KiB, so a 128 KiB binding limit gives chunks of 64 queries: 150 queries take 3
  const c: ScanCase = { nq: 150, nprobe: 3, nlist: 6, m: 4, bits: 4, k: 9, avgList: 8 };
  const small = withMaxBinding(engine, 128 * 1024);
  for (const metric of ['ip', 'l2'] as const) for (const twoPass of [false, true]) {
    const a = makeScan(r, c, metric, true);
    const bufs = uploadScan(engine, a, c);
    const live = engine.liveBuffers;
    adcScan(small, { ...bufs, nq: c.nq, nprobe: c.nprobe, nlist: c.nlist, m: c.m, bits: c.bits, k: c.k, metric, ...(twoPass ? { hostListOffsets: a.listOffsets } : {}) });
    const gs = (await engine.read(bufs.outScores, Float32Array)).subarray(0, c.nq * c.k);
    const gi = (await engine.read(bufs.outIds, Int32Array)).subarray(0, c.nq * c.k);
    const want = adcScanRef(a);
    t.ok(gi.some((x) => x >= 0), 'the scan found candidates');
    let bad = -1;
    for (let i = 0; i < gs.length; i++) if (gs[i] !== want.scores[i] || gi[i] !== want.ids[i]) { bad = i; break; }
    t.equal(bad, -1, `seed ${seed} ${metric} ${twoPass ? 'two-pass' : 'fused'}${bad < 0 ? '' : `: first mismatch at ${bad}: got (${gs[bad]}, ${gi[bad]}) want (${want.scores[bad]}, ${want.ids[bad]})`}`);
    t.equal(engine.liveBuffers, live, 'temporaries released');
    for (const b of Object.values(bufs)) b.dispose();
  }
});

t.test('adcScan 4-bit l2: a precomputed l2Pairs gives the same bits as the scan building it', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const c: ScanCase = { nq: 11, nprobe: 4, nlist: 9, m: 13, bits: 4, k: 15, avgList: 12 };
  const a = makeScan(r, c, 'l2', false);
  const up = <T extends ArrayBufferView>(x: T) => engine.upload(x);
  const bufs = {
    lut: up(a.lut as Float32Array), probes: up(a.probes), coarse: up(a.coarse as Float32Array), listOffsets: up(a.listOffsets),
    codes: up(a.codes), ids: up(a.ids), l2Term: up(a.l2Term as Float32Array),
  };
  const l2Pairs = engine.buffer(c.nlist * Math.ceil(c.m / 2) * 256 * 4);
  adcPairTables(engine, bufs.l2Term, l2Pairs, c.nlist, c.m);
  for (const twoPass of [false, true]) {
    const run = async (pairs: boolean) => {
      const outScores = up(new Float32Array(c.nq * c.k).fill(POISON_F32)), outIds = up(new Uint32Array(c.nq * c.k).fill(POISON_U32));
      adcScan(engine, { ...bufs, outScores, outIds, nq: c.nq, nprobe: c.nprobe, nlist: c.nlist, m: c.m, bits: 4, k: c.k, metric: 'l2',
        ...(pairs ? { l2Pairs } : {}), ...(twoPass ? { hostListOffsets: a.listOffsets } : {}) });
      const s = Array.from((await engine.read(outScores, Uint32Array)).subarray(0, c.nq * c.k));
      const i = Array.from((await engine.read(outIds, Int32Array)).subarray(0, c.nq * c.k));
      outScores.dispose(); outIds.dispose();
      return { s, i };
    };
    const built = await run(false), given = await run(true);
    t.ok(given.i.some((x) => x >= 0), 'the scan found candidates');
    t.same(given, built, `seed ${seed} ${twoPass ? 'two-pass' : 'fused'}: score bits and ids`);
  }
  const tiny = engine.buffer(256);
  t.throws(() => adcScan(engine, { ...bufs, outScores: l2Pairs, outIds: l2Pairs, nq: 1, nprobe: 1, nlist: c.nlist, m: c.m, bits: 4, k: 1, metric: 'l2', l2Pairs: tiny }),
    /l2Pairs holds 256 bytes but \d+ are needed/);
  for (const b of [...Object.values(bufs), l2Pairs, tiny]) b.dispose();
});

t.test('adcScan rejects bad arguments', async (t) => {
  const engine = await getEngine();
  const b = engine.buffer(4096);
  const base = { lut: b, probes: b, coarse: b, listOffsets: b, codes: b, ids: b, outScores: b, outIds: b, nq: 1, nprobe: 1, nlist: 1, m: 2, bits: 8, k: 4, metric: 'ip' as const };
  t.throws(() => adcScan(engine, { ...base, bits: 6 }), /bits must be 8 or 4/);
  t.throws(() => adcScan(engine, { ...base, metric: 'l2' }), /needs l2Term/);
  t.throws(() => adcScan(engine, { ...base, k: 0 }), /k must be an integer/);
  t.throws(() => adcScan(engine, { ...base, nq: 10 }), /lut holds 4096 bytes but 20480 are needed/);
  t.throws(() => adcScan(engine, { ...base, hostListOffsets: [0] }), /hostListOffsets has 1 entries, needs nlist \+ 1 = 2/);
  b.dispose();
});

t.test('the one-pass and two-pass scans give the same bits (float inputs, both metrics)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const c of [{ nq: 9, nprobe: 5, nlist: 12, m: 32, bits: 8, k: 10, avgList: 40 }, { nq: 12, nprobe: 3, nlist: 7, m: 7, bits: 4, k: 5, avgList: 20 }])
    for (const metric of ['ip', 'l2'] as const) {
      const a = makeScan(r, c, metric, false);
      const up = <T extends ArrayBufferView>(x: T) => engine.upload(x);
      const bufs = {
        lut: up(a.lut as Float32Array), probes: up(a.probes), coarse: up(a.coarse as Float32Array), listOffsets: up(a.listOffsets),
        codes: up(a.codes), ids: up(a.ids.length ? a.ids : new Int32Array(1)), ...(a.l2Term ? { l2Term: up(a.l2Term as Float32Array) } : {}),
      };
      const run = async (twoPass: boolean) => {
        const outScores = up(new Float32Array(c.nq * c.k).fill(POISON_F32)), outIds = up(new Uint32Array(c.nq * c.k).fill(POISON_U32));
        adcScan(engine, { ...bufs, outScores, outIds, nq: c.nq, nprobe: c.nprobe, nlist: c.nlist, m: c.m, bits: c.bits, k: c.k, metric, ...(twoPass ? { hostListOffsets: a.listOffsets } : {}) });
        const s = await engine.read(outScores, Uint32Array), i = await engine.read(outIds, Int32Array);
        outScores.dispose(); outIds.dispose();
        return { s: Array.from(s.subarray(0, c.nq * c.k)), i: Array.from(i.subarray(0, c.nq * c.k)) };
      };
      const one = await run(false), two = await run(true);
      t.ok(one.i.some((x) => x >= 0), 'the scan found candidates');
      t.same(one.s, two.s, `seed ${seed} ${metric} m=${c.m} bits=${c.bits}: score bits`);
      t.same(one.i, two.i, `seed ${seed} ${metric} m=${c.m} bits=${c.bits}: ids`);
      for (const b of Object.values(bufs)) b.dispose();
    }
});

t.test('adcLut gives the same bits for a few rows (adc_lut_rows) as for many (adc_lut)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [m, ksub, dsub] of [[32, 256, 16], [5, 100, 9]] as const) for (const l2 of [false, true]) {
    const rows = 20, x = randomF32(r, rows * m * dsub), cb = randomF32(r, m * ksub * dsub);
    const xb = engine.upload(x), cbb = engine.upload(cb);
    const many = engine.upload(new Float32Array(rows * m * ksub).fill(POISON_F32));
    (l2 ? adcL2Term : adcLut)(engine, xb, cbb, many, rows, m, ksub, dsub);
    const a = Array.from((await engine.read(many, Uint32Array)).subarray(0, rows * m * ksub)), b: number[] = [];
    for (let r0 = 0; r0 < rows; r0 += 4) { // 4 rows at a time
      const xs = engine.upload(x.subarray(r0 * m * dsub, (r0 + 4) * m * dsub)), few = engine.upload(new Float32Array(4 * m * ksub).fill(POISON_F32));
      (l2 ? adcL2Term : adcLut)(engine, xs, cbb, few, 4, m, ksub, dsub);
      b.push(...(await engine.read(few, Uint32Array)).subarray(0, 4 * m * ksub));
      xs.dispose(); few.dispose();
    }
    t.same(b, a, `seed ${seed} m=${m} ksub=${ksub} dsub=${dsub} l2=${l2}`);
    for (const buf of [xb, cbb, many]) buf.dispose();
  }
});

t.test('the 4-bit two-pass scan with tables in registers (subgroups) gives the pair-table scan\'s bits', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  t.comment(`seed ${seed}; subgroups ${engine.hasSubgroups} (min size ${engine.subgroupMinSize})`);
  t.notOk(subgroupScan(engine, 65), 'more than 64 sub-quantizers take the pair tables');
  if (!(engine.hasSubgroups && engine.isSoftwareAdapter)) {
    // both paths would be the pair tables (compared with each other by the test above)
    t.notOk(subgroupScan(engine, 64), 'without subgroups of 8+ lanes every 4-bit scan takes the pair tables');
    return;
  }
  t.ok(subgroupScan(engine, 64), 'a device with subgroups of 8+ lanes takes the register-table scan');
  t.comment(`texture scans: ${texelScan(engine, 64, 4)}`);
  t.notOk(texelScan(engine, 64, 8), '8-bit codes never take the texture scan');
  for (const c of [
    { nq: 17, nprobe: 5, nlist: 9, m: 64, bits: 4, k: 30, avgList: 23 },
    { nq: 11, nprobe: 4, nlist: 6, m: 33, bits: 4, k: 7, avgList: 9 },
    { nq: 9, nprobe: 3, nlist: 4, m: 2, bits: 4, k: 5, avgList: 13 },
    { nq: 23, nprobe: 7, nlist: 7, m: 9, bits: 4, k: 1, avgList: 1 },
    { nq: 13, nprobe: 11, nlist: 13, m: 64, bits: 4, k: 100, avgList: 61 },
    { nq: 10, nprobe: 8, nlist: 17, m: 5, bits: 4, k: 9, avgList: 37 },
    { nq: 9, nprobe: 6, nlist: 8, m: 16, bits: 4, k: 128, avgList: 50 }, // the most keys per lane (16)
    { nq: 9, nprobe: 6, nlist: 8, m: 16, bits: 4, k: 129, avgList: 50 }, // past CUT_MAX_K: the uncut scan
  ]) for (const metric of ['ip', 'l2'] as const) for (const integer of [false, true]) {
    // integer tables: many equal scores, so ties at the cut's bound and in the top-k are exercised
    const a = makeScan(r, c, metric, integer);
    // chunked: a binding limit of two queries' candidates, so the two-pass scan runs in chunks of queries
    const run = async (twoPass: boolean, cut?: boolean, texels = false, chunked = false) => {
      const eng = chunked ? withMaxBinding(engine, Math.max(2 * c.m * 64, 2 * 4 * candidateBound(a.listOffsets, c.nlist, c.nprobe))) : engine;
      const bufs = uploadScan(engine, a, c);
      let codeTexels: GpuTexture | undefined;
      try {
        if (texels) {
          const n = a.listOffsets[c.nlist]!;
          codeTexels = engine.uintTexels(Math.max(1, n * texelsPerVector(Math.ceil(c.m / 8))));
          pqTexels(engine, bufs.codes, codeTexels, n, Math.ceil(c.m / 8));
        }
        adcScan(eng, { ...bufs, nq: c.nq, nprobe: c.nprobe, nlist: c.nlist, m: c.m, bits: 4, k: c.k, metric, ...(twoPass ? { hostListOffsets: a.listOffsets } : {}), ...(cut === undefined ? {} : { cut }), ...(codeTexels ? { codeTexels } : {}) });
        return { s: new Uint32Array((await engine.read(bufs.outScores, Float32Array)).buffer.slice(0, c.nq * c.k * 4)), i: (await engine.read(bufs.outIds, Int32Array)).slice(0, c.nq * c.k) };
      } finally {
        for (const b of Object.values(bufs)) b.dispose();
        codeTexels?.dispose();
      }
    };
    // fused: the pair tables, one query per workgroup; two-pass: adc_score4_cut (default) and adc_score4_sg, each
    // also reading the codes from a texture (adc_score4_cut_tex, adc_score4_sg_tex) where the device can
    const fused = await run(false);
    const runs: [string, { s: Uint32Array; i: Int32Array }][] = [['cut', await run(true)], ['uncut', await run(true, false)]];
    runs.push(['cut, chunks of queries', await run(true, undefined, false, true)]);
    if (texelScan(engine, c.m, 4)) runs.push(['cut texels', await run(true, undefined, true)], ['uncut texels', await run(true, false, true)], ['cut texels, chunks of queries', await run(true, undefined, true, true)]);
    for (const [name, two] of runs) {
      let bad = -1;
      for (let i = 0; i < fused.s.length; i++) if (fused.s[i] !== two.s[i] || fused.i[i] !== two.i[i]) { bad = i; break; }
      t.equal(bad, -1, `seed ${seed} ${JSON.stringify(c)} ${metric}${integer ? ' integer' : ''} ${name}: bit-identical scores and ids${bad < 0 ? '' : ` (first difference at ${bad})`}`);
    }
  }
});


/** The first `count` texels of an rgba32uint texture, 4 u32 each. */
async function readTexels(engine: Engine, tex: GpuTexture, count: number): Promise<Uint32Array> {
  const rowBytes = tex.width * 16, out = engine.buffer(tex.height * rowBytes, 'texels readback');
  try {
    engine.flush();
    const e = engine.device.createCommandEncoder();
    e.copyTextureToBuffer({ texture: tex.gpu }, { buffer: out.gpu, bytesPerRow: rowBytes, rowsPerImage: tex.height }, [tex.width, tex.height]);
    engine.device.queue.submit([e.finish()]);
    return (await engine.read(out, Uint32Array)).slice(0, count * 4);
  } finally {
    out.dispose();
  }
}

t.test('pqTexels lays the codes out as texels (awkward sizes, poisoned texture, nothing written past the end)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [n, words] of [[1, 1], [7, 2], [33, 3], [5, 4], [4099, 5], [300, 8], [11, 9], [2049, 7]] as const) {
    const codes = Uint32Array.from({ length: n * words + 3 }, () => Math.floor(r() * 4294967296));
    const tpv = texelsPerVector(words), count = n * tpv + 5;
    const tex = engine.uintTexels(count, 'poisoned texels');
    const W = tex.width;
    engine.device.queue.writeTexture({ texture: tex.gpu }, new Uint32Array(W * tex.height * 4).fill(POISON_U32), { bytesPerRow: W * 16, rowsPerImage: tex.height }, [W, tex.height]);
    const cb = engine.upload(codes);
    pqTexels(engine, cb, tex, n, words);
    const got = await readTexels(engine, tex, count);
    // float64-free reference: component j of texel v * tpv + k holds word 4k + j of vector v, or 0 past the last
    const want = new Uint32Array(count * 4).fill(POISON_U32);
    for (let v = 0; v < n; v++) for (let w = 0; w < tpv * 4; w++) want[(v * tpv) * 4 + w] = w < words ? codes[v * words + w]! : 0;
    let bad = -1;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) { bad = i; break; }
    t.equal(bad, -1, `seed ${seed} n=${n} words=${words}: every texel as laid out, the 5 past the end untouched${bad < 0 ? '' : ` (first difference at word ${bad}: ${got[bad]} vs ${want[bad]})`}`);
    cb.dispose(); tex.dispose();
  }
  const b = engine.buffer(64), tex = engine.uintTexels(3), big = engine.buffer((tex.width + 1) * 4);
  // the texture holds whole rows of tex.width texels
  t.throws(() => pqTexels(engine, big, tex, tex.width + 1, 1), new RegExp(`does not hold ${tex.width + 1} rgba32uint texels`));
  t.throws(() => pqTexels(engine, b, tex, 5, 4), /codes holds 64 bytes but 80 are needed/);
  t.throws(() => pqTexels(engine, b, tex, 1, 0), /bad sizes/);
  const f = engine.texelsFrom(new Float32Array(16));
  t.throws(() => pqTexels(engine, b, f, 1, 1), /does not hold 1 rgba32uint texels/);
  b.dispose(); big.dispose(); tex.dispose(); f.dispose();
});
