import t from 'tap';
import {
  mkdtempSync, writeFileSync, rmSync, readFileSync, chmodSync, statSync, lstatSync, symlinkSync, readdirSync, mkdirSync,
  existsSync, readlinkSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, randomF32, freshSeed, fvecs } from './helpers.js';
import { readVectors, readIntVectors, writeFvecs, writeIvecs, writeFileAtomic, vectorSetShape } from '../src/io/vectors-node.js';
import { InputError, FileError } from '../src/util/errors.js';
import {
  parseVectors, parseIntVectors, encodeFvecs, float16ToFloat32, float32ToFloat16, halfToFloat, floatToHalf,
} from '../src/io/vectors.js';

const dir = mkdtempSync(join(tmpdir(), 'dvq-io-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed}`);

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
  await t.rejects(readVectors([join(dir, 'missing.fvecs')]), /missing\.fvecs: cannot read: no such file or directory \(ENOENT\)/);
});

t.test('int32 files are refused where float vectors are expected (not converted), and float32 where ints are', async (t) => {
  const ints = new Int32Array(3 * 4).map((_, i) => i + 1);
  const raw = Buffer.from(ints.buffer);
  await writeIvecs(join(dir, 'i.ivecs'), ints, 4);
  writeFileSync(join(dir, 'i.npy'), npy('<i4', [3, 4], raw));
  const ib = Buffer.alloc(8); ib.writeInt32LE(3, 0); ib.writeInt32LE(4, 4);
  writeFileSync(join(dir, 'i.ibin'), Buffer.concat([ib, raw]));
  writeFileSync(join(dir, 'i.i32'), raw);
  for (const name of ['i.ivecs', 'i.npy', 'i.ibin', 'i.i32']) {
    const p = join(dir, name);
    // also when the dimension given does not match: the element type is the first complaint
    for (const dim of [4, 7]) {
      const err = await readVectors(p, { dim }).then(() => null, (e: unknown) => e);
      t.ok(err instanceof InputError, `${name} (dim ${dim}): an InputError`);
      t.equal((err as InputError).code, 'E_INPUT');
      t.match((err as Error).message, new RegExp(`${name.replace('.', '\\.')}: holds int32 values .* float vectors were expected`), `${name}: named and explained`);
    }
    t.throws(() => parseVectors(name, readFileSync(p), { dim: 4 }), /holds int32 values/, `${name}: parseVectors refuses too`);
    t.same(Array.from((await readIntVectors(p, { dim: 4 })).data), Array.from(ints), `${name} reads as ints`);
  }
  await t.rejects(vectorSetShape(join(dir, 'i.ivecs')), /holds int32 values/, 'the shape check refuses it before any row is read');
  t.same(await vectorSetShape(join(dir, 'i.ivecs'), {}, 'int'), { n: 3, dim: 4 });
  writeFileSync(join(dir, 'f.fvecs'), fvecs(randomF32(r, 8), 4));
  t.throws(() => parseIntVectors('f.fvecs', readFileSync(join(dir, 'f.fvecs'))), /holds float32 values; an integer array/);
});

t.test('directories, FIFOs and missing files are refused with the path, without blocking', async (t) => {
  const sub = join(dir, 'adir.fvecs');
  mkdirSync(sub);
  const e1 = await readVectors(sub).then(() => null, (e: unknown) => e);
  t.ok(e1 instanceof FileError, 'a directory: FileError');
  t.match(e1, { code: 'E_FILE', reason: 'EISDIR', path: sub });
  t.match((e1 as Error).message, /adir\.fvecs: cannot read: is a directory/);
  const fifo = join(dir, 'pipe.fvecs');
  const mk = spawnSync('mkfifo', [fifo]);
  t.equal(mk.status, 0, 'mkfifo made a named pipe (needed by this test)');
  const t0 = Date.now();
  const e2 = await readVectors(fifo).then(() => null, (e: unknown) => e);
  t.match(e2, { name: 'FileError', reason: 'ENOTREG', path: fifo }, 'a FIFO is refused');
  t.match((e2 as Error).message, /pipe\.fvecs: cannot read: not a regular file/);
  t.ok(Date.now() - t0 < 5000, 'at once, not waiting for a writer');
  const e3 = await readIntVectors(join(dir, 'nope.ivecs')).then(() => null, (e: unknown) => e);
  t.match(e3, { name: 'FileError', code: 'E_FILE', reason: 'ENOENT', path: join(dir, 'nope.ivecs') });
});

t.test('writeFileAtomic keeps the mode, writes through symbolic links, names and cleans its temp files', async (t) => {
  const w = mkdtempSync(join(dir, 'w-'));
  const enc = (s: string) => new TextEncoder().encode(s);
  const tmpFiles = () => readdirSync(w).filter((n) => n.endsWith('.tmp')).sort();
  // permission bits survive the replacement (the umask would otherwise make a 0600 file 0644)
  const a = join(w, 'a.bin');
  for (const mode of [0o600, 0o640, 0o755]) {
    writeFileSync(a, 'old'); chmodSync(a, mode);
    await writeFileAtomic(a, enc('new'));
    t.equal(statSync(a).mode & 0o7777, mode, `mode ${mode.toString(8)} kept`);
    t.equal(readFileSync(a, 'utf8'), 'new');
  }
  // a symbolic link stays a link; its target gets the contents (a chain of links and a dangling link too)
  writeFileSync(join(w, 'target.bin'), 'target');
  symlinkSync('target.bin', join(w, 'link1.bin'));
  symlinkSync('link1.bin', join(w, 'link2.bin'));
  await writeFileAtomic(join(w, 'link2.bin'), enc('through links'));
  t.ok(lstatSync(join(w, 'link2.bin')).isSymbolicLink() && lstatSync(join(w, 'link1.bin')).isSymbolicLink(), 'links stay links');
  t.equal(readlinkSync(join(w, 'link2.bin')), 'link1.bin');
  t.equal(readFileSync(join(w, 'target.bin'), 'utf8'), 'through links', 'the target was written');
  symlinkSync('fresh.bin', join(w, 'dangling.bin'));
  await writeFileAtomic(join(w, 'dangling.bin'), enc('made'));
  t.ok(lstatSync(join(w, 'dangling.bin')).isSymbolicLink(), 'a dangling link stays a link');
  t.equal(readFileSync(join(w, 'fresh.bin'), 'utf8'), 'made', 'its target was created');
  // temp files: `.<name>.<pid>.<random>.tmp`; those of dead processes are removed, those of live ones kept
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(dead.stdout);
  t.ok(deadPid > 0, `a finished process's pid (${deadPid})`);
  writeFileSync(join(w, `.a.bin.${deadPid}.k3j2.tmp`), 'stale');
  writeFileSync(join(w, `.a.bin.${process.ppid}.x9.tmp`), 'a live process is writing');
  writeFileSync(join(w, `.other.bin.${deadPid}.k3j2.tmp`), 'another target');
  writeFileSync(join(w, `.a.bin.notapid.tmp`), 'not ours');
  let seen: string[] = [];
  function* parts(): Generator<Uint8Array> { seen = tmpFiles(); yield enc('fresh '); yield enc('contents'); }
  await writeFileAtomic(a, parts());
  t.equal(readFileSync(a, 'utf8'), 'fresh contents');
  const mine = seen.filter((n) => n.startsWith(`.a.bin.${process.pid}.`));
  t.equal(mine.length, 1, `the temp file while writing is named .a.bin.<pid>.<random>.tmp: ${seen.join(' ')}`);
  t.match(mine[0], /^\.a\.bin\.\d+\.[0-9a-z]+\.tmp$/);
  t.same(tmpFiles(), [`.a.bin.${process.ppid}.x9.tmp`, '.a.bin.notapid.tmp', `.other.bin.${deadPid}.k3j2.tmp`].sort(),
    'the dead process\'s temp file for this target is gone; the rest are kept');
  // a write that fails half-way leaves the old file and no temp file
  const before = tmpFiles();
  function* failing(): Generator<Uint8Array> { yield enc('partial'); throw new Error('encoder failed'); }
  await t.rejects(writeFileAtomic(a, failing()), /encoder failed/);
  t.equal(readFileSync(a, 'utf8'), 'fresh contents', 'the old contents are intact');
  t.same(tmpFiles(), before, 'no temp file left');
  // a directory, a FIFO or a missing folder as the target is refused naming the path
  await t.rejects(writeFileAtomic(w, enc('x')), { name: 'FileError', reason: 'EISDIR' });
  const fifo = join(w, 'out.fifo');
  t.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  await t.rejects(writeFileAtomic(fifo, enc('x')), { name: 'FileError', reason: 'ENOTREG' });
  t.ok(lstatSync(fifo).isFIFO(), 'the FIFO is not replaced');
  const missing = join(w, 'no-such-dir', 'x.bin');
  await t.rejects(writeFileAtomic(missing, enc('x')), { name: 'FileError', reason: 'ENOENT', message: /no-such-dir\/x\.bin: cannot write/ });
  t.notOk(existsSync(join(w, 'no-such-dir')));
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
