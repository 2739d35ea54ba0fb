// The refine copy (sq8 / fp16) and the re-ranking of refineFactor x k ADC candidates: codecs against float64
// references, re-ranking against a host re-ranking of the same candidates, recall on data/demo, the .dvq version 2
// section (round trip, old files, corruptions), Faiss export, and the option checks.
import t from 'tap';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, execFileSync } from 'node:child_process';
import { getEngine, rng, randomF32, freshSeed } from './helpers.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { trainSq8Ranges, encodeRefine, RefineDecoder, refineBytesPerVector, FP16_MAX } from '../src/quantizers/scalar.js';
import { toBytes, fromBytes, readDvqHeader, crc32, DVQ_VERSION, DVQ_VERSION_REFINE } from '../src/io/dvq-format.js';
import { toFaissBytes } from '../src/io/faiss-format.js';
import { checkSearchOptions } from '../src/index/validate.js';
import { loadDemoData } from '../src/io/demo-data-node.js';
import { recallAtK } from '../src/index/metrics.js';
import type { IvfPqData } from '../src/io/ivfpq-data.js';
import { InputError, DvqFormatError } from '../src/util/errors.js';
import { encodeFvecs, encodeIvecs } from '../src/io/vectors.js';
import { main } from '../src/cli/main.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed}`);

/** float64 reference decode of one value (Faiss's formulas). */
function refDecode(kind: 'sq8' | 'fp16', ranges: Float32Array, dim: number, codes: Uint8Array, row: number, i: number): number {
  if (kind === 'sq8') return ranges[i]! + ((codes[row * dim + i]! + 0.5) / 255) * ranges[dim + i]!;
  const h = codes[2 * (row * dim + i)]! | (codes[2 * (row * dim + i) + 1]! << 8);
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, f = h & 1023;
  return e === 0 ? s * f * 2 ** -24 : s * (1 + f / 1024) * 2 ** (e - 15);
}

t.test('sq8 and fp16 encode / decode against float64 references, within their quantization step', async (t) => {
  for (const [n, dim] of [[1, 1], [5, 7], [37, 33], [64, 13]] as const) {
    const x = randomF32(r, n * dim, 3);
    if (dim > 2) for (let row = 0; row < n; row++) x[row * dim + 1] = 0.25; // a constant dimension: vdiff 0
    const ranges = trainSq8Ranges(x, n, dim);
    for (let i = 0; i < dim; i++) {
      let lo = Infinity, hi = -Infinity;
      for (let row = 0; row < n; row++) { lo = Math.min(lo, x[row * dim + i]!); hi = Math.max(hi, x[row * dim + i]!); }
      t.equal(ranges[i], lo, `vmin ${i}`);
      t.equal(ranges[dim + i], Math.fround(hi - lo), `vdiff ${i}`);
    }
    // values beyond the trained range are clamped: add rows at 3x the range
    const y = new Float32Array((n + 2) * dim);
    y.set(x);
    for (let i = 0; i < dim; i++) { y[n * dim + i] = ranges[i]! - 2 * ranges[dim + i]! - 1; y[(n + 1) * dim + i] = ranges[i]! + 3 * ranges[dim + i]! + 1; }
    for (const kind of ['sq8', 'fp16'] as const) {
      const codes = encodeRefine(kind, ranges, y, n + 2, dim);
      t.equal(codes.length, (n + 2) * refineBytesPerVector(kind, dim), `${kind} code bytes`);
      const dec = new RefineDecoder(kind, ranges, dim).decode(codes, 0, n + 2);
      let bad = 0, worst = '';
      for (let row = 0; row < n + 2; row++) {
        for (let i = 0; i < dim; i++) {
          const v = y[row * dim + i]!, got = dec[row * dim + i]!, ref = refDecode(kind, ranges, dim, codes, row, i);
          const vmin = ranges[i]!, vdiff = ranges[dim + i]!;
          // the decode matches the float64 formula to float32 rounding
          if (Math.abs(got - ref) > 1e-6 * (Math.abs(ref) + 1)) { bad++; worst = `decode ${kind} row ${row} dim ${i}: ${got} vs ${ref}`; }
          let want: number, tol: number;
          if (kind === 'sq8') {
            want = Math.min(Math.max(v, vmin), vmin + vdiff); // clamped to the range
            tol = vdiff / 510 * (1 + 1e-4) + 1e-6 * (Math.abs(want) + 1);
          } else {
            want = v;
            tol = Math.abs(v) * 2 ** -11 + 2 ** -25;
          }
          if (!(Math.abs(got - want) <= tol)) { bad++; worst = `${kind} row ${row} dim ${i}: decoded ${got}, value ${v}, want ${want} within ${tol}`; }
        }
      }
      t.equal(bad, 0, `${kind} n ${n} dim ${dim} ${worst}`);
    }
  }
  t.throws(() => encodeRefine('fp16', new Float32Array(0), Float32Array.of(1, -70000), 1, 2, 'add'), /add: row 0 column 1 is -70000, beyond the fp16 refine copy's range ±65504/);
  t.equal(encodeRefine('fp16', new Float32Array(0), Float32Array.of(FP16_MAX), 1, 1).length, 2, 'the largest half is accepted');
});

/** Clustered data so that lists and codes matter. */
function clustered(n: number, dim: number, scale = 1): Float32Array {
  const centers = randomF32(r, 10 * dim, scale);
  const x = randomF32(r, n * dim, 0.4 * scale);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) x[i * dim + j]! += centers[(i % 10) * dim + j]!;
  return x;
}

/** A host re-ranking of candidate ids (by the index's own data): exact float64 scores of the decoded refine codes. */
function hostRerank(d: IvfPqData, q: Float32Array, nq: number, cand: Int32Array, kk: number, k: number): { ids: number[]; scores: number[] } {
  const dim = d.dim, ref = d.refine!;
  const posOf = new Map<number, number>();
  d.ids.forEach((id, p) => posOf.set(id, p));
  const ids: number[] = [], scores: number[] = [];
  for (let qi = 0; qi < nq; qi++) {
    const list: { p: number; s: number }[] = [];
    for (let c = 0; c < kk; c++) {
      const id = cand[qi * kk + c]!;
      if (id < 0) continue;
      const p = posOf.get(id)!;
      let s = 0;
      for (let i = 0; i < dim; i++) {
        const v = refDecode(ref.kind, ref.ranges, dim, ref.codes, p, i), a = q[qi * dim + i]!;
        s += d.metric === 'ip' ? a * v : (a - v) ** 2;
      }
      list.push({ p, s });
    }
    list.sort((a, b) => (d.metric === 'ip' ? b.s - a.s : a.s - b.s) || a.p - b.p);
    for (let j = 0; j < k; j++) { ids.push(j < list.length ? d.ids[list[j]!.p]! : -1); scores.push(j < list.length ? list[j]!.s : NaN); }
  }
  return { ids, scores };
}

t.test('re-ranking equals a host re-ranking of the same ADC candidates', async (t) => {
  const engine = await getEngine();
  const dim = 24, n = 613;
  for (const [metric, kind, rotate] of [['ip', 'sq8', false], ['l2', 'fp16', true], ['l2', 'sq8', false], ['ip', 'fp16', true]] as const) {
    const x = clustered(n, dim);
    const index = new IvfPqIndex(engine, { dim, nlist: 7, m: 4, bits: 4, metric, refine: kind });
    t.teardown(() => index.dispose());
    await index.train(x, rotate ? { opq: { iters: 2 } } : {});
    // two adds with ids out of order: the refine codes follow the merges
    const ids = Array.from({ length: n }, (_, i) => (i * 7919) % 1000 + 5);
    await index.add(x.subarray(0, 300 * dim), ids.slice(0, 300));
    await index.add(x.subarray(300 * dim), ids.slice(300));
    const d = index.toData();
    t.equal(d.refine!.codes.length, n * refineBytesPerVector(kind, dim), 'one refine code per vector');
    // the refine code at each position is that vector's code
    const byId = new Map(ids.map((id, i) => [id, i]));
    const want = encodeRefine(kind, d.refine!.ranges, x, n, dim), bpv = refineBytesPerVector(kind, dim);
    let mismatched = 0;
    d.ids.forEach((id, p) => { const i = byId.get(id)!; for (let b = 0; b < bpv; b++) if (d.refine!.codes[p * bpv + b] !== want[i * bpv + b]) mismatched++; });
    t.equal(mismatched, 0, `${metric} ${kind}: refine codes in list order`);
    for (const [nq, k, R, nprobe] of [[1, 5, 3, 2], [13, 7, 2, 7], [3, 10, 100, 7]] as const) {
      const q = clustered(nq, dim);
      const kk = Math.min(k * R, n);
      const adc = await index.search(q, { k: kk, nprobe });
      const got = await index.search(q, { k, nprobe, refineFactor: R });
      const ref = hostRerank(d, q, nq, adc.ids, kk, k);
      t.same(Array.from(got.ids), ref.ids, `${metric} ${kind} nq ${nq} k ${k} R ${R}: ids`);
      const worst = Math.max(0, ...ref.scores.map((s, i) => (Number.isNaN(s) ? (Number.isNaN(got.scores[i]!) ? 0 : Infinity) : Math.abs(got.scores[i]! - s) / (1e-5 + 1e-6 * Math.abs(s)))));
      t.ok(worst <= 1, `${metric} ${kind} nq ${nq}: scores within float32 rounding (worst ${worst})`);
    }
    // reset and reencode keep the refine copy in step
    await index.reencode(x.subarray(0, 50 * dim));
    t.equal(index.toData().refine!.codes.length, 50 * bpv, 'reencode replaces the refine copy');
    index.reset();
    t.equal(index.toData().refine!.codes.length, 0, 'reset empties the refine copy');
    t.same(Array.from(index.toData().refine!.ranges), Array.from(d.refine!.ranges), 'reset keeps the trained ranges');
  }
});

t.test('recall@10 rises with refineFactor on data/demo', async (t) => {
  const engine = await getEngine();
  const demo = await loadDemoData();
  const dim = demo.info.dim, nq = 100;
  const q = demo.queries.data.subarray(0, nq * dim);
  const gt = demo.groundTruth;
  const index = new IvfPqIndex(engine, { dim, nlist: 16, m: 16, bits: 4, refine: 'sq8' });
  t.teardown(() => index.dispose());
  await index.train(demo.base.data);
  await index.add(demo.base.data);
  t.equal(index.bytesPerVector, 8 + dim + 4, 'bytes per vector: code + refine code + id');
  const recall = async (refineFactor?: number): Promise<number> => {
    const res = await index.search(q, { k: 10, nprobe: 8, ...(refineFactor ? { refineFactor } : {}) });
    return recallAtK(res.ids, 10, gt.data, gt.dim, nq, 10);
  };
  const r0 = await recall(), r1 = await recall(1), r4 = await recall(4), r16 = await recall(16);
  t.comment(`recall@10: ADC ${r0.toFixed(3)}, R=1 ${r1.toFixed(3)}, R=4 ${r4.toFixed(3)}, R=16 ${r16.toFixed(3)}`);
  t.ok(r1 >= r0, 'R = 1 reorders the same k by exact scores');
  t.ok(r4 > r1 + 0.05, 'R = 4 finds more of the true top-10');
  t.ok(r16 >= r4, 'R = 16 at least as good');
});

t.test('.dvq version 2 round trip; files without a refine copy stay version 1; corruptions named', async (t) => {
  const engine = await getEngine();
  const dim = 12, n = 101;
  const x = clustered(n, dim);
  for (const kind of ['sq8', 'fp16'] as const) {
    const index = new IvfPqIndex(engine, { dim, nlist: 5, m: 3, bits: 4, metric: 'l2', refine: kind });
    t.teardown(() => index.dispose());
    await index.train(x);
    await index.add(x);
    const bytes = index.toBytes();
    const h = readDvqHeader(bytes, bytes.length);
    t.equal(h.version, DVQ_VERSION_REFINE, 'version 2');
    t.equal(h.refine, kind);
    const back = IvfPqIndex.fromData(engine, fromBytes(bytes));
    t.teardown(() => back.dispose());
    t.equal(back.refine, kind, 'loaded index keeps its refine kind');
    const q = clustered(9, dim);
    const a = await index.search(q, { k: 4, nprobe: 3, refineFactor: 5 }), b = await back.search(q, { k: 4, nprobe: 3, refineFactor: 5 });
    t.same(Array.from(b.ids), Array.from(a.ids), 'same refined ids after load');
    t.same(Array.from(b.scores), Array.from(a.scores), 'same refined scores after load');
    // without the refine copy: version 1, and the bytes up to the codes are the same but for the header fields
    const d = index.toData();
    const plain = toBytes({ ...d, refine: undefined });
    const hp = readDvqHeader(plain, plain.length);
    t.equal(hp.version, DVQ_VERSION, 'version 1 without refine');
    t.equal(hp.refine, null);
    t.equal(plain.length, hp.offsets.crc + 4);
    t.same(Buffer.from(bytes.subarray(48, hp.offsets.crc)), Buffer.from(plain.subarray(48, hp.offsets.crc)), 'same sections');
    t.same(Buffer.from(plain.subarray(0, 4)), Buffer.from('DVQI'));
    t.equal(new DataView(plain.buffer).getUint32(40, true), 0, 'flags 0');
    for (let o = 44; o < 64; o++) if (plain[o] !== 0) t.fail(`reserved byte ${o}`);
    const old = IvfPqIndex.fromData(engine, fromBytes(plain));
    t.teardown(() => old.dispose());
    t.equal(old.refine, null, 'a version 1 file loads without a refine copy');
    await t.rejects(old.search(q, { k: 4, nprobe: 3, refineFactor: 2 }), /refineFactor needs an index with a refine copy/);
    // corruptions
    const refix = (b: Uint8Array): Uint8Array => { new DataView(b.buffer).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true); return b; };
    const mut = (f: (b: Uint8Array, dv: DataView) => void): Uint8Array => { const b = bytes.slice(); f(b, new DataView(b.buffer)); return refix(b); };
    const cases: [string, Uint8Array, RegExp][] = [
      ['refine flag in version 1', mut((_, dv) => dv.setUint32(4, 1, true)), /unknown flags 0x2 \(a refine copy needs version 2\)/],
      ['refine kind', mut((_, dv) => dv.setUint32(44, 9, true)), /unknown refine kind code 9/],
      ['version 2 without refine', mut((_, dv) => dv.setUint32(40, 0, true)), /version 2 without a refine copy \(flags bit 1\); such a file is version 1/],
      ['reserved', mut((b) => { b[50] = 1; }), /reserved header byte 50/],
      ['truncated', refix(bytes.slice(0, bytes.length - 8)), /size mismatch: .*refine/],
      ...(kind === 'sq8'
        ? [['negative range', mut((_, dv) => dv.setFloat32(h.offsets.refineRanges + 4 * (dim + 2), -1, true)), /refine sq8 range of dimension 2 .* vdiff >= 0/] as [string, Uint8Array, RegExp]]
        : [['Inf half', mut((b) => { b[h.offsets.refineCodes + 2 * 5 + 1] = 0x7c; b[h.offsets.refineCodes + 2 * 5] = 0; }), /refine fp16 value of vector 0, dimension 5 is Infinity or NaN/] as [string, Uint8Array, RegExp]]),
    ];
    for (const [name, b, re] of cases) {
      t.throws(() => fromBytes(b), re, `${kind}: ${name}`);
      t.throws(() => fromBytes(b), DvqFormatError, `${kind}: ${name} is a DvqFormatError`);
    }
    // Faiss export: IndexRefine over the IVFPQ with an IndexScalarQuantizer of the refine codes in id order
    const fb = toFaissBytes(d, { refineFactor: 3 });
    t.equal(Buffer.from(fb.subarray(0, 4)).toString('latin1'), 'IxRF', 'IndexRefine');
    const sqAt = Buffer.from(fb).lastIndexOf('IxSQ');
    t.ok(sqAt > 0, 'an IndexScalarQuantizer follows the base index');
    const dv = new DataView(fb.buffer, fb.byteOffset);
    t.equal(dv.getInt32(sqAt + 4 + 33, true), kind === 'sq8' ? 0 : 4, 'qtype QT_8bit / QT_fp16');
    t.equal(dv.getFloat32(fb.length - 4, true), 3, 'k_factor');
    const bpv = refineBytesPerVector(kind, dim);
    const rows = fb.subarray(fb.length - 4 - n * bpv, fb.length - 4);
    const p = d.ids.indexOf(17);
    t.same(Buffer.from(rows.subarray(17 * bpv, 18 * bpv)), Buffer.from(d.refine!.codes.subarray(p * bpv, (p + 1) * bpv)), 'refine row of id 17');
    const shifted = { ...d, ids: d.ids.map((id) => id + 1000) };
    t.throws(() => toFaissBytes(shifted), /refine copy can only be written .* ids are 0 \.\. ntotal-1/);
  }
});

t.test('bad refine options are refused by name', async (t) => {
  const engine = await getEngine();
  for (const bad of [0, -1, 1.5, NaN, 2000]) t.throws(() => checkSearchOptions({ k: 1, nprobe: 1, refineFactor: bad }), /refineFactor must be an integer in \[1, 1024\]/, `refineFactor ${bad}`);
  t.throws(() => checkSearchOptions({ k: 100, nprobe: 1, refineFactor: 11 }), /k x refineFactor = 1100 candidates to re-rank, over the limit 1024/);
  t.throws(() => checkSearchOptions({ k: 10, nprobe: 1, refineFactor: 2 }, undefined, null), /refineFactor needs an index with a refine copy/);
  t.throws(() => checkSearchOptions({ k: 10, nprobe: 1, refineFactor: 2 }, (o) => `--${o}`, null), /--refineFactor needs/);
  t.doesNotThrow(() => checkSearchOptions({ k: 10, nprobe: 1, refineFactor: 2 }), 'refine unknown: the value alone');
  t.throws(() => new IvfPqIndex(engine, { dim: 4, nlist: 2, m: 2, refine: 'sq4' as never }), /refine must be 'sq8' or 'fp16', got 'sq4'/);
  const x = clustered(40, 4, 1000);
  const index = new IvfPqIndex(engine, { dim: 4, nlist: 2, m: 2, bits: 4, metric: 'l2', refine: 'fp16' });
  t.teardown(() => index.dispose());
  await index.train(x);
  await index.add(x.subarray(0, 20 * 4));
  const big = x.slice(20 * 4); big[7] = 1e6;
  await t.rejects(index.add(big), InputError, 'fp16 cannot hold 1e6');
  await t.rejects(index.add(big), /add vectors \(refine fp16\): row 1 column 3 is 1000000, beyond the fp16 refine copy's range/);
  t.equal(index.ntotal, 20, 'nothing added after the refusal');
  await t.rejects(index.search(x.subarray(0, 4), { k: 2, nprobe: 1, refineFactor: 0 }), /refineFactor must be an integer/);
  const res = await index.search(x.subarray(0, 4), { k: 2, nprobe: 2, refineFactor: 50 });
  t.equal(res.ids[0], 0, 'more candidates than vectors: all are re-ranked, the query itself is nearest');
  // setRefine: on an emptied index only; null drops the copy
  const plain = new IvfPqIndex(engine, { dim: 4, nlist: 2, m: 2, bits: 4, metric: 'l2' });
  t.teardown(() => plain.dispose());
  t.throws(() => plain.setRefine('fp16'), /setRefine: the index is not trained/);
  await plain.train(x);
  t.throws(() => plain.setRefine('sq8'), /setRefine\('sq8'\) needs the training vectors/);
  t.throws(() => plain.setRefine('sq2' as never), /refine must be 'sq8' or 'fp16'/);
  await plain.add(x);
  t.throws(() => plain.setRefine('sq8', x), /setRefine: the index holds 40 vectors without refine codes; call reset\(\) first/);
  plain.reset();
  plain.setRefine('sq8', x);
  t.equal(plain.refine, 'sq8');
  await plain.add(x);
  t.equal(plain.bytesPerVector, 1 + 4 + 4, 'code + sq8 refine + id');
  const rr = await plain.search(x.subarray(4, 8), { k: 1, nprobe: 2, refineFactor: 40 });
  t.equal(rr.ids[0], 1, 'refined search after setRefine');
  const copy = IvfPqIndex.fromData(engine, plain.toData());
  t.equal(copy.refine, 'sq8', 'toData carries it');
  copy.dispose();
  plain.setRefine(null);
  t.equal(plain.refine, null);
  t.equal(plain.toData().refine, undefined, 'dropped');
  await t.rejects(plain.search(x.subarray(4, 8), { k: 1, nprobe: 2, refineFactor: 2 }), /refineFactor needs an index with a refine copy/);
});

t.test('CLI: train --refine, eval / search --refine-factor, info, export-faiss; bad values are usage errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dvq-refine-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const dim = 16, n = 400, nq = 20;
  const x = clustered(n, dim), q = clustered(nq, dim);
  const gt = new Int32Array(nq * 10); // exact top-10 by inner product
  for (let i = 0; i < nq; i++) {
    const s = Array.from({ length: n }, (_, j) => { let v = 0; for (let c = 0; c < dim; c++) v += q[i * dim + c]! * x[j * dim + c]!; return { j, v }; });
    s.sort((a, b) => b.v - a.v || a.j - b.j).slice(0, 10).forEach((e, c) => { gt[i * 10 + c] = e.j; });
  }
  const f = (name: string): string => join(dir, name);
  writeFileSync(f('base.fvecs'), encodeFvecs(x, dim)); writeFileSync(f('q.fvecs'), encodeFvecs(q, dim)); writeFileSync(f('gt.ivecs'), encodeIvecs(gt, 10));
  const run = async (args: string): Promise<{ code: number; json: Record<string, unknown> | null }> => {
    let out = '';
    const write = process.stdout.write.bind(process.stdout), ewrite = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      const code = await main(args.split(' ').map((a) => a.replace(/^@/, dir + '/')));
      return { code, json: out.trim() ? JSON.parse(out) : null };
    } finally {
      process.stdout.write = write; process.stderr.write = ewrite;
    }
  };
  const tr = await run('train --base @base.fvecs --lists 4 --m 4 --bits 4 --refine fp16 --quiet --out @r.dvq --json');
  t.equal(tr.code, 0, 'train --refine fp16');
  t.equal(tr.json?.bytesPerVector, 2 + 2 * dim + 4, 'bytes per vector: 2 code + 32 refine + 4 id');
  const ev1 = await run('eval --index @r.dvq --queries @q.fvecs --gt @gt.ivecs --nprobe 4 --k 10 --quiet --json');
  const ev4 = await run('eval --index @r.dvq --queries @q.fvecs --gt @gt.ivecs --nprobe 4 --k 10 --refine-factor 8 --quiet --json');
  t.equal(ev4.code, 0, 'eval --refine-factor');
  t.equal(ev4.json?.refineFactor, 8);
  t.ok((ev4.json?.['recall@10'] as number) > (ev1.json?.['recall@10'] as number), `recall@10 ${String(ev1.json?.['recall@10'])} -> ${String(ev4.json?.['recall@10'])}`);
  t.equal((await run('search --index @r.dvq --queries @q.fvecs --k 5 --nprobe 2 --refine-factor 3 --out @ids.ivecs --quiet')).code, 0, 'search --refine-factor');
  t.equal(readFileSync(f('ids.ivecs')).length, nq * 6 * 4, 'ids written');
  t.equal((await run('info --index @r.dvq --json')).json?.refine, 'fp16', 'info names the refine kind');
  t.equal((await run('export-faiss --index @r.dvq --out @r.faissindex --refine-factor 4')).code, 0, 'export-faiss writes an IndexRefine');
  t.equal(readFileSync(f('r.faissindex')).subarray(0, 4).toString('latin1'), 'IxRF');
  t.equal((await run('train --base @base.fvecs --lists 4 --m 4 --bits 4 --refine sq4 --out @bad.dvq')).code, 2, '--refine sq4 is a usage error');
  t.equal((await run('eval --index @r.dvq --queries @q.fvecs --gt @gt.ivecs --nprobe 4 --refine-factor 0')).code, 2, '--refine-factor 0 is a usage error');
  t.equal((await run('eval --index @r.dvq --queries @q.fvecs --gt @gt.ivecs --nprobe 4 --refine-factor 11')).code, 2, '--k 100 x --refine-factor 11 is over 1024');
  t.equal((await run('train --base @base.fvecs --lists 4 --m 4 --bits 4 --quiet --out @p.dvq')).code, 0);
  t.equal((await run('eval --index @p.dvq --queries @q.fvecs --gt @gt.ivecs --nprobe 4 --k 10 --refine-factor 2')).code, 1, 'an index without a refine copy refuses --refine-factor');
});

const PY = '/usr/bin/python3', pyEnv = { ...process.env, OMP_NUM_THREADS: '1' };
const haveFaiss = spawnSync(PY, ['-c', 'import faiss'], { env: pyEnv }).status === 0;
for (const [metric, kind, rotate] of [['ip', 'sq8', false], ['l2', 'fp16', true]] as const) {
  t.test(`Faiss 1.7.3 reads our IndexRefine export and re-ranks like us (${metric}, ${kind}${rotate ? ', rotation' : ''})`,
    { skip: haveFaiss ? false : 'python3-faiss not importable with /usr/bin/python3' }, async (t) => {
      const engine = await getEngine();
      const dim = 16, n = 800, nq = 30, k = 5, R = 4, nprobe = 3;
      const x = clustered(n, dim);
      const index = new IvfPqIndex(engine, { dim, nlist: 6, m: 4, bits: 8, metric, refine: kind });
      t.teardown(() => index.dispose());
      await index.train(x, rotate ? { opq: { iters: 2 } } : {});
      await index.add(x); // ids 0 .. n-1, as Faiss's IndexRefine needs
      const q = clustered(nq, dim);
      const dir = mkdtempSync(join(tmpdir(), 'dvq-refine-faiss-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, 'index.faiss'), toFaissBytes(index.toData(), { refineFactor: R }));
      writeFileSync(join(dir, 'q.fvecs'), encodeFvecs(q, dim));
      execFileSync(PY, [join(import.meta.dirname, 'fixtures', 'faiss_helper.py'), 'search', join(dir, 'index.faiss'), join(dir, 'q.fvecs'), String(k), String(nprobe), join(dir, 'out.bin')], { env: pyEnv });
      const raw = readFileSync(join(dir, 'out.bin'));
      const fIds = new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + nq * k * 8));
      const fD = new Float32Array(raw.buffer.slice(raw.byteOffset + nq * k * 8, raw.byteOffset + nq * k * 12));
      const ours = await index.search(q, { k, nprobe, refineFactor: R });
      let badScore = 0, differ = 0;
      for (let i = 0; i < nq * k; i++) {
        if (Math.abs(fD[i]! - ours.scores[i]!) > 1e-4 * Math.max(1, Math.abs(fD[i]!))) badScore++;
        if (Number(fIds[i]) !== ours.ids[i]) differ++;
      }
      t.equal(badScore, 0, 'the refined score at every rank agrees with Faiss');
      t.ok(differ <= Math.ceil(0.02 * nq * k), `ids agree except among ties or ADC near-ties (${differ} of ${nq * k} differ)`);
    });
}
