import t from 'tap';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, randomF32, freshSeed } from './helpers.js';
import { readVectors, readIntVectors, writeFvecs, writeIvecs } from '../src/io/vectors-node.js';
import {
  parseVectors, parseIntVectors, encodeFvecs, float16ToFloat32, float32ToFloat16, halfToFloat, floatToHalf,
} from '../src/io/vectors.js';

const dir = mkdtempSync(join(tmpdir(), 'dvq-io-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed}`);

function fvecs(data: Float32Array, dim: number): Buffer {
  const n = data.length / dim;
  const b = Buffer.alloc(n * (4 + 4 * dim));
  for (let i = 0; i < n; i++) {
    b.writeInt32LE(dim, i * (4 + 4 * dim));
    for (let j = 0; j < dim; j++) b.writeFloatLE(data[i * dim + j]!, i * (4 + 4 * dim) + 4 + 4 * j);
  }
  return b;
}

function npy(descr: string, shape: number[], payload: Buffer, fortran = false, version = 1): Buffer {
  let h = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pre = version === 1 ? 10 : 12;
  while ((pre + h.length + 1) % 64 !== 0) h += ' ';
  h += '\n';
  const head = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(h.length, 8); else head.writeUInt32LE(h.length, 8);
  return Buffer.concat([head, Buffer.from(h, 'latin1'), payload]);
}

t.test('fvecs / npy / fbin / f32 / bvecs read the same values, in small chunks, across parts', async (t) => {
  for (const dim of [1, 7, 64]) {
    const n = 37;
    const data = randomF32(r, n * dim);
    const f = join(dir, `a${dim}.fvecs`);
    writeFileSync(f, fvecs(data, dim));
    const raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    writeFileSync(join(dir, `a${dim}.npy`), npy('<f4', [n, dim], raw));
    writeFileSync(join(dir, `a${dim}v2.npy`), npy('<f4', [n, dim], raw, false, 2));
    const fb = Buffer.alloc(8); fb.writeInt32LE(n, 0); fb.writeInt32LE(dim, 4);
    writeFileSync(join(dir, `a${dim}.fbin`), Buffer.concat([fb, raw]));
    writeFileSync(join(dir, `a${dim}.f32`), raw);
    for (const [name, opts] of [[`a${dim}.fvecs`, {}], [`a${dim}.npy`, {}], [`a${dim}v2.npy`, {}], [`a${dim}.fbin`, {}], [`a${dim}.f32`, { dim }]] as const) {
      for (const chunkBytes of [1, 100, 1 << 20]) {
        const got = await readVectors([join(dir, name)], { ...opts, chunkBytes });
        t.equal(got.n, n); t.equal(got.dim, dim);
        t.same(Array.from(got.data), Array.from(data), `${name} chunk ${chunkBytes}`);
      }
      const mem = parseVectors(name, readFileSync(join(dir, name)), opts);
      t.same(Array.from(mem.data), Array.from(data), `${name} parsed in memory`);
    }
    // parts: split the fvecs in 3 pieces (rows 0..9, 10..29, 30..36)
    const parts = [[0, 10], [10, 30], [30, n]].map(([a, b], i) => {
      const p = join(dir, `p${dim}.${i}.fvecs`);
      writeFileSync(p, fvecs(data.subarray(a! * dim, b! * dim), dim));
      return p;
    });
    const cat = await readVectors(parts, { chunkBytes: 64 });
    t.same(Array.from(cat.data), Array.from(data), `dim ${dim}: 3 parts concatenated in order`);
  }
  const bv = Buffer.alloc(2 * (4 + 3));
  bv.writeInt32LE(3, 0); bv.set([1, 2, 255], 4); bv.writeInt32LE(3, 7); bv.set([0, 9, 128], 11);
  writeFileSync(join(dir, 'b.bvecs'), bv);
  t.same(Array.from((await readVectors(join(dir, 'b.bvecs'))).data), [1, 2, 255, 0, 9, 128]);
});

t.test('int vectors: ivecs round trip, int32 npy, and writeFvecs round trip', async (t) => {
  const gt = new Int32Array(5 * 4).map((_, i) => i * 7 - 3);
  await writeIvecs(join(dir, 'g.ivecs'), gt, 4);
  const g = await readIntVectors(join(dir, 'g.ivecs'));
  t.same([g.n, g.dim], [5, 4]);
  t.same(Array.from(g.data), Array.from(gt));
  writeFileSync(join(dir, 'g.npy'), npy('<i4', [5, 4], Buffer.from(gt.buffer)));
  t.same(Array.from((await readIntVectors(join(dir, 'g.npy'))).data), Array.from(gt));
  t.same(Array.from(parseIntVectors('g.ivecs', readFileSync(join(dir, 'g.ivecs'))).data), Array.from(gt));
  const x = randomF32(r, 20001 * 3); // more than one write block
  await writeFvecs(join(dir, 'w.fvecs'), x, 3);
  const back = await readVectors(join(dir, 'w.fvecs'));
  t.equal(back.n, 20001);
  t.ok(back.data.every((v, i) => v === x[i]), 'writeFvecs -> readVectors is exact');
  t.same(Buffer.from(encodeFvecs(x.subarray(0, 30), 3)), readFileSync(join(dir, 'w.fvecs')).subarray(0, 10 * 16));
  await t.rejects(readIntVectors(join(dir, 'w.fvecs')), /float32 values; an integer array/);
});

t.test('bad files give clear errors naming file and row', async (t) => {
  const dim = 4;
  const good = fvecs(randomF32(r, 3 * dim), dim);
  const bad = async (name: string, bytes: Buffer, re: RegExp, opts = {}): Promise<void> => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    await t.rejects(readVectors([p], opts), re, name);
  };
  await bad('trunc.fvecs', good.subarray(0, good.length - 3), /trunc\.fvecs: truncated .* row 2 is incomplete/);
  const mixed = Buffer.from(good); mixed.writeInt32LE(5, 2 * (4 + 4 * dim));
  await bad('mixed.fvecs', mixed, /mixed\.fvecs: row 2 has dimension 5, expected 4/);
  const nan = Buffer.from(good); nan.writeFloatLE(NaN, (4 + 4 * dim) + 4 + 8);
  await bad('nan.fvecs', nan, /nan\.fvecs: row 1, column 2 is NaN/);
  const inf = Buffer.from(good); inf.writeFloatLE(-Infinity, 4);
  await bad('inf.fvecs', inf, /inf\.fvecs: row 0, column 0 is -Infinity/);
  const zd = Buffer.from(good); zd.writeInt32LE(0, 0);
  await bad('zd.fvecs', zd, /invalid dimension 0/);
  await bad('dim.fvecs', good, /dimension 4 but dim 8 was expected/, { dim: 8 });
  await bad('raw.f32', good.subarray(0, 12), /need the dimension/);
  await bad('raw2.f32', good.subarray(0, 12), /truncated .* row 0 is incomplete/, { dim: 5 });
  await bad('f8.npy', npy('<f8', [2, 2], Buffer.alloc(32)), /dtype '<f8' is not supported/);
  await bad('be.npy', npy('>f4', [2, 2], Buffer.alloc(16)), /dtype '>f4' is not supported/);
  await bad('fo.npy', npy('<f4', [2, 2], Buffer.alloc(16), true), /Fortran order/);
  await bad('1d.npy', npy('<f4', [4], Buffer.alloc(16)), /not 2-D/);
  await bad('short.npy', npy('<f4', [3, 2], Buffer.alloc(16)), /needs .* bytes but the file has .* \(truncated\)/);
  await bad('x.npy', Buffer.from('hello world'), /not a NumPy \.npy file/);
  await bad('h.fbin', Buffer.from([2, 0, 0, 0, 2, 0, 0, 0, 0, 0]), /header says 2 rows x 2 dims .* \(truncated\)/);
  await bad('v.txt', good, /unknown vector file extension 'txt'/);
  const p1 = join(dir, 'pa.fvecs'), p2 = join(dir, 'pb.fvecs');
  writeFileSync(p1, good); writeFileSync(p2, fvecs(randomF32(r, 6), 3));
  await t.rejects(readVectors([p1, p2]), /pb\.fvecs: file has dimension 3 but dim 4 was expected/);
  await t.rejects(readVectors([]), /no files given/);
  await t.rejects(readVectors([join(dir, 'missing.fvecs')]), /ENOENT/);
});

t.test('float16 conversion', async (t) => {
  const cases: [number, number][] = [[0, 0], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [2 ** -24, 1], [0.1, 0x2e66], [1e6, 0x7c00], [-0, 0x8000]];
  for (const [f, h] of cases) {
    t.equal(floatToHalf(f), h, `floatToHalf(${f})`);
    if (f !== 1e6) t.equal(halfToFloat(h), Math.fround(f) === f ? f : halfToFloat(h));
  }
  t.ok(Number.isNaN(halfToFloat(0x7e00)));
  // every finite half survives half -> float -> half
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = float32ToFloat16(float16ToFloat32(all));
  let bad = 0;
  for (let i = 0; i < 65536; i++) if ((i & 0x7c00) !== 0x7c00 && back[i] !== i) bad++;
  t.equal(bad, 0, 'all finite halves round-trip');
  // rounding error of random floats is within half an ulp
  const x = randomF32(r, 1000);
  const y = float16ToFloat32(float32ToFloat16(x));
  t.ok(x.every((v, i) => Math.abs(v - y[i]!) <= Math.abs(v) * 2 ** -11 + 2 ** -25), 'round to nearest');
});
