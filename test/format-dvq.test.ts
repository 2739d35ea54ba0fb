import t from 'tap';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, freshSeed } from './helpers.js';
import { randomIvfPq } from './fixtures/random-ivfpq.js';
import { toBytes, fromBytes, crc32, DVQ_HEADER_BYTES, readDvqHeader } from '../src/io/dvq-format.js';
import { saveIvfPq, loadIvfPq } from '../src/io/ivfpq-file.js';
import { INDEX_LIMITS, type IvfPqData } from '../src/io/ivfpq-data.js';
import { DvqFormatError, InputError } from '../src/util/errors.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed}`);

function same(t: { same(a: unknown, b: unknown, m: string): unknown }, a: IvfPqData, b: IvfPqData, msg: string): void {
  t.same({ ...a, rotation: a.rotation && Array.from(a.rotation), centroids: Array.from(a.centroids), codebooks: Array.from(a.codebooks), listOffsets: Array.from(a.listOffsets), codes: Array.from(a.codes), ids: Array.from(a.ids) },
    { ...b, rotation: b.rotation && Array.from(b.rotation), centroids: Array.from(b.centroids), codebooks: Array.from(b.codebooks), listOffsets: Array.from(b.listOffsets), codes: Array.from(b.codes), ids: Array.from(b.ids) }, msg);
}

t.test('crc32 matches zlib', async (t) => {
  const { crc32: zcrc } = await import('node:zlib') as any;
  const data = Uint8Array.from({ length: 1000 }, () => Math.floor(r() * 256));
  t.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926, 'standard check value');
  if (typeof zcrc === 'function') t.equal(crc32(data), zcrc(data) >>> 0, 'same as zlib.crc32');
});

t.test('round trip: metrics, 4/8 bits, odd m, rotation, empty lists, ntotal 0', async (t) => {
  const cases = [
    { metric: 'ip' as const, dim: 8, m: 4, bits: 8 },
    { metric: 'l2' as const, dim: 12, m: 3, bits: 4, rotation: true },
    { metric: 'ip' as const, dim: 10, m: 5, bits: 4, emptyLists: true, nlist: 7 },
    { metric: 'l2' as const, dim: 6, m: 6, bits: 8, ntotal: 0, nlist: 3 },
    { metric: 'ip' as const, dim: 1, m: 1, bits: 4, ntotal: 3, nlist: 1, rotation: true },
  ];
  for (const c of cases) {
    const d = randomIvfPq(r, c);
    const bytes = toBytes(d);
    t.equal(bytes.length % 4, 0, 'length is a multiple of 4');
    const h = readDvqHeader(bytes, bytes.length);
    t.equal(h.ntotal, d.listOffsets[d.nlist]);
    same(t, fromBytes(bytes), d, `round trip ${JSON.stringify(c)}`);
    // a copy at an odd byte offset still parses (no alignment assumption)
    const shifted = new Uint8Array(bytes.length + 1); shifted.set(bytes, 1);
    same(t, fromBytes(shifted.subarray(1)), d, 'unaligned input');
  }
});

t.test('named errors for specific corruptions', async (t) => {
  const d = randomIvfPq(r, { dim: 8, m: 4, bits: 4, nlist: 4, ntotal: 20, rotation: true });
  const good = toBytes(d);
  const refix = (b: Uint8Array): Uint8Array => {
    new DataView(b.buffer).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
    return b;
  };
  const mut = (f: (b: Uint8Array, dv: DataView) => void, fix = true): Uint8Array => {
    const b = good.slice(); f(b, new DataView(b.buffer)); return fix ? refix(b) : b;
  };
  const h = readDvqHeader(good, good.length).offsets;
  const cases: [string, Uint8Array, RegExp][] = [
    ['magic', mut((b) => { b[0] = 0x58; }), /bad magic "XVQI"/],
    ['version', mut((_, dv) => dv.setUint32(4, 3, true)), /unsupported format version 3 \(this reader knows versions 1 and 2\)/],
    ['metric', mut((_, dv) => dv.setUint32(12, 7, true)), /unknown metric code 7/],
    ['dim huge', mut((_, dv) => dv.setUint32(16, 0xffffffff, true)), /dim 4294967295 out of range/],
    ['dim % m', mut((_, dv) => dv.setUint32(24, 3, true)), /dim 8 is not a multiple of m 3/],
    ['bits', mut((_, dv) => dv.setUint32(28, 6, true)), /bits 6 not supported/],
    ['ntotal', mut((_, dv) => dv.setUint32(36, 21, true)), /size mismatch: .* implies \d+ bytes but there are \d+ \(truncated\)/],
    ['flags', mut((_, dv) => dv.setUint32(40, 6, true)), /unknown flags 0x6/],
    ['reserved', mut((b) => { b[50] = 1; }), /reserved header byte 50/],
    ['truncated', good.slice(0, good.length - 4), /truncated/],
    ['extended', (() => { const b = new Uint8Array(good.length + 4); b.set(good); return b; })(), /trailing bytes/],
    ['short', good.slice(0, 10), /file too short/],
    ['checksum', mut((b) => { b[h.centroids + 3]! ^= 0x10; }, false), /checksum mismatch/],
    ['offsets monotone', mut((_, dv) => { dv.setUint32(h.listOffsets + 4, 15, true); dv.setUint32(h.listOffsets + 8, 2, true); }), /listOffsets not monotone: list 1/],
    ['offsets end', mut((_, dv) => dv.setUint32(h.listOffsets + 16, 19, true)), /list offsets end at 19 but the header says ntotal 20/],
    ['offsets start', mut((_, dv) => dv.setUint32(h.listOffsets, 1, true)), /listOffsets\[0\] is 1/],
    ['negative id', mut((_, dv) => dv.setInt32(h.ids + 8, -5, true)), /id at position 2 is negative \(-5\)/],
    ['NaN centroid', mut((_, dv) => dv.setFloat32(h.centroids + 4 * 9, NaN, true)), /centroids has a non-finite value NaN at row 1, column 1/],
    ['Inf rotation', mut((_, dv) => dv.setFloat32(h.rotation, Infinity, true)), /rotation has a non-finite value Infinity/],
    ['NaN codebook', mut((_, dv) => dv.setFloat32(h.codebooks + 4 * 5, NaN, true)), /codebooks has a non-finite value/],
    // finite values whose squares overflow float32 (a -3.4e38 centroid made every L2 score -Infinity)
    ['huge centroid', mut((_, dv) => dv.setFloat32(h.centroids + 4 * 9, -3.4e38, true)), /^dvq: centroids row 1 has norm 3\.40e\+38, over the limit 4\.61e\+18 that keeps float32 distances finite/],
    ['huge codeword', mut((_, dv) => dv.setFloat32(h.codebooks + 4 * 5, 2 ** 62, true)), /^dvq: codebooks row 2 has norm 4\.61e\+18, over the limit 2\.31e\+18/],
    ['scaled rotation', mut((_, dv) => dv.setFloat32(h.rotation + 4 * 3, 100, true)), /^dvq: rotation has Frobenius norm 100, over the limit 2 sqrt\(dim\) = 5\.66/],
  ];
  for (const [name, bytes, re] of cases) {
    t.throws(() => fromBytes(bytes), re, name);
    t.throws(() => fromBytes(bytes), DvqFormatError, `${name}: a DvqFormatError`);
  }
  // unused bits: m = 3, bits 4 -> 12 bits in 2 bytes, top nibble of byte 1 unused
  const odd = randomIvfPq(r, { dim: 6, m: 3, bits: 4, ntotal: 5 });
  const ob = toBytes(odd);
  const oo = readDvqHeader(ob, ob.length).offsets;
  ob[oo.codes + 2 * 2 + 1]! |= 0x80;
  refix(ob);
  t.throws(() => fromBytes(ob), /code of vector 2 has non-zero unused bits/, 'unused bits');
  t.throws(() => toBytes({ ...d, ids: d.ids.subarray(1) }), /ids must be an Int32Array of ntotal = 20/, 'toBytes validates');
  t.throws(() => toBytes({ ...d, ids: d.ids.subarray(1) }), InputError, 'toBytes refuses bad data with an InputError');
  // one more list than an index may have: toBytes refuses to write what load would refuse (import-faiss wrote it)
  const nlist = INDEX_LIMITS.maxNlist + 1;
  const wide = randomIvfPq(r, { dim: 1, m: 1, bits: 4, nlist: 1, ntotal: 0 });
  Object.assign(wide, { nlist, centroids: new Float32Array(nlist), listOffsets: new Uint32Array(nlist + 1) });
  t.throws(() => toBytes(wide), /dvq toBytes: nlist 1048577 is over the limit 1048576/, 'nlist over the limit is refused by toBytes');
});

t.test('saveIvfPq is atomic-by-rename and loadIvfPq names the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dvq-fmt-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const d = randomIvfPq(r, { rotation: true });
  const p = join(dir, 'x.dvq');
  await saveIvfPq(p, d);
  await saveIvfPq(p, d); // overwrite
  t.same(readdirSync(dir), ['x.dvq'], 'no temp files left');
  same(t, await loadIvfPq(p), d, 'load');
  const b = readFileSync(p);
  writeFileSync(p, b.subarray(0, DVQ_HEADER_BYTES + 8));
  await t.rejects(loadIvfPq(p), new RegExp(`${p.replace(/[.]/g, '\\.')}: dvq: size mismatch`));
  b[100]! ^= 1; writeFileSync(p, b);
  await t.rejects(loadIvfPq(p), /x\.dvq: dvq: checksum mismatch/);
  await t.rejects(saveIvfPq(join(dir, 'nope', 'y.dvq'), d), /ENOENT/);
});
