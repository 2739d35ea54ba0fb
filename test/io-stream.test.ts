// Streaming input: vectorChunks concatenates to exactly readVectors' array for every format, part files and odd
// chunk sizes; a bad part fails before the first chunk and a bad row at its own chunk; sampleVectors is seeded,
// distinct, the rows read whole and train()'s own draw; the CLI's train (a sample, then the base in chunks) writes
// the same index bytes as training and adding the whole set in memory.
import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, randomF32, freshSeed, fvecs, getEngine } from './helpers.js';
import { readVectors, readIntVectors } from '../src/io/vectors-node.js';
import { vectorChunks, sampleVectors, countVectors, CHUNK_BYTES, type VectorChunk } from '../src/io/vector-stream.js';
import { mulberry32, sampleDistinct } from '../src/util/random.js';
import { InputError } from '../src/util/errors.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { trainSampleSize } from '../src/index/train.js';
import { main } from '../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'dvq-stream-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed}`);

const raw = (x: Float32Array | Uint8Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
function npy(descr: string, n: number, dim: number, payload: Buffer): Buffer {
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${n}, ${dim}), }`;
  while ((10 + h.length + 1) % 64 !== 0) h += ' ';
  h += '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(h.length, 8);
  return Buffer.concat([head, Buffer.from(h, 'latin1'), payload]);
}
function fbin(x: Float32Array, dim: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeInt32LE(x.length / dim, 0); h.writeInt32LE(dim, 4);
  return Buffer.concat([h, raw(x)]);
}
function bvecs(x: Uint8Array, dim: number): Buffer {
  const n = x.length / dim, b = Buffer.alloc(n * (4 + dim));
  for (let i = 0; i < n; i++) { b.writeInt32LE(dim, i * (4 + dim)); b.set(x.subarray(i * dim, (i + 1) * dim), i * (4 + dim) + 4); }
  return b;
}
const bytesOf = (x: Uint8Array): Float32Array => Float32Array.from(x);

/** Writes x (n x dim) as `format` and returns the path and what reading it gives. */
function writeAs(name: string, format: string, x: Float32Array, dim: number): string {
  const p = join(dir, `${name}.${format === 'npyu8' ? 'npy' : format}`);
  const n = x.length / dim;
  if (format === 'fvecs') writeFileSync(p, fvecs(x, dim));
  else if (format === 'npy') writeFileSync(p, npy('<f4', n, dim, raw(x)));
  else if (format === 'fbin') writeFileSync(p, fbin(x, dim));
  else if (format === 'f32') writeFileSync(p, raw(x));
  else if (format === 'bvecs') writeFileSync(p, bvecs(Uint8Array.from(x), dim));
  else if (format === 'npyu8') writeFileSync(p, npy('|u1', n, dim, raw(Uint8Array.from(x))));
  else throw new Error(format);
  return p;
}

async function collect(paths: string[], opts: Parameters<typeof vectorChunks>[1]): Promise<VectorChunk[]> {
  const out: VectorChunk[] = [];
  for await (const c of vectorChunks(paths, opts)) out.push(c);
  return out;
}

/** Checks chunks are contiguous, of `rowsPerChunk` rows but the last, and concatenate to `want`. */
function checkChunks(t: Test, chunks: VectorChunk[], want: Float32Array, n: number, dim: number, rowsPerChunk: number, what: string): void {
  const got = new Float32Array(n * dim);
  let row = 0, ok = true;
  for (const c of chunks) {
    ok &&= c.firstRow === row && c.dim === dim && c.data.length === c.n * dim && (c.n === rowsPerChunk || row + c.n === n);
    got.set(c.data, row * dim);
    row += c.n;
  }
  t.ok(ok && row === n && chunks.length === Math.ceil(n / rowsPerChunk), `${what}: ${chunks.length} chunks of ${rowsPerChunk} rows, in order`);
  t.ok(Buffer.compare(raw(got), raw(want)) === 0, `${what}: chunks concatenate to readVectors' array`);
}

const ints = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.floor(r() * 256));

t.test('every format, single files and mixed part files, odd chunk sizes', async (t) => {
  for (const dim of [1, 5, 16]) {
    const n = 53;
    for (const format of ['fvecs', 'npy', 'fbin', 'f32', 'bvecs', 'npyu8']) {
      const x = format === 'bvecs' || format === 'npyu8' ? ints(n * dim) : randomF32(r, n * dim);
      const p = writeAs(`s${dim}`, format, x, dim);
      const opts = format === 'f32' ? { dim } : {};
      const whole = await readVectors(p, opts);
      t.ok(Buffer.compare(raw(whole.data), raw(x)) === 0, `${format} dim ${dim}: readVectors reads the values`);
      for (const rows of [1, 2, 7, 13, 53, 54, 1000]) {
        checkChunks(t, await collect([p], { ...opts, rowsPerChunk: rows }), whole.data, n, dim, rows, `${format} dim ${dim} rows ${rows}`);
      }
      t.same(await countVectors(p, opts), { n, dim, parts: [n] }, `${format}: countVectors from the header`);
    }
    // parts of several formats, one of them empty, chunks spanning part boundaries
    const sizes = [17, 0, 1, 29, 11];
    const formats = ['fvecs', 'fvecs', 'npy', 'fbin', 'bvecs'];
    const xs = sizes.map((k, i) => (formats[i] === 'bvecs' ? ints(k * dim) : randomF32(r, k * dim)));
    const paths = xs.map((x, i) => writeAs(`part${dim}.${i}`, formats[i]!, x, dim));
    const whole = await readVectors(paths, { dim });
    const total = sizes.reduce((a, b) => a + b, 0);
    t.equal(whole.n, total);
    for (const rows of [1, 3, 16, 17, 18, 31, total]) {
      checkChunks(t, await collect(paths, { rowsPerChunk: rows }), whole.data, total, dim, rows, `parts dim ${dim} rows ${rows}`);
    }
    t.same(await countVectors(paths), { n: total, dim, parts: sizes });
  }
});

t.test('the default chunk is CHUNK_BYTES of float32; bad options are InputErrors', async (t) => {
  const dim = 3, n = 10;
  const p = writeAs('d', 'fvecs', randomF32(r, n * dim), dim);
  const chunks = await collect([p], {});
  t.equal(chunks.length, 1);
  t.equal(chunks[0]!.n, n, `default rows per chunk ${Math.floor(CHUNK_BYTES / (dim * 4))} > n: one chunk`);
  for (const bad of [0, -1, 2.5, NaN]) await t.rejects(collect([p], { rowsPerChunk: bad }), InputError, `rowsPerChunk ${bad}`);
  await t.rejects(collect([p], { dim: 4 }), /dimension 3 but dim 4/);
  await t.rejects(collect([], {}), /no files/);
  const ivecs = join(dir, 'i.ivecs');
  writeFileSync(ivecs, fvecs(randomF32(r, 6), 3));
  await t.rejects(collect([ivecs], {}), /holds int32 values/);
  const ac = new AbortController();
  ac.abort();
  await t.rejects(collect([p], { rowsPerChunk: 1, signal: ac.signal }), { name: 'AbortError' });
});

t.test('a truncated part fails before any chunk; a bad row fails at its chunk, after the chunks before it', async (t) => {
  const dim = 4;
  const a = randomF32(r, 20 * dim), b = randomF32(r, 30 * dim);
  const pa = writeAs('ta', 'fvecs', a, dim);
  const pb = join(dir, 'tb.fvecs');
  writeFileSync(pb, fvecs(b, dim).subarray(0, 30 * (4 + 4 * dim) - 5)); // last row cut
  const seen: number[] = [];
  await t.rejects((async () => { for await (const c of vectorChunks([pa, pb], { rowsPerChunk: 7 })) seen.push(c.firstRow); })(),
    /tb\.fvecs: truncated .*row 29 is incomplete/);
  t.same(seen, [], 'nothing was yielded');
  const pf = join(dir, 'tb.fbin');
  writeFileSync(pf, fbin(b, dim).subarray(0, 8 + 29 * 4 * dim));
  await t.rejects(collect([pa, pf], {}), /tb\.fbin: header says 30 rows .*\(truncated\)/);

  // a row with a wrong dim prefix (row 24 of the set: row 4 of the second part), and a NaN (row 41: row 21)
  for (const [what, poke, row, re] of [
    ['dim prefix', (buf: Buffer) => buf.writeInt32LE(dim + 1, 4 * (4 + 4 * dim)), 24, /tb2\.fvecs: row 4 has dimension 5, expected 4/],
    ['NaN', (buf: Buffer) => buf.writeFloatLE(NaN, 21 * (4 + 4 * dim) + 4 + 8), 41, /tb2\.fvecs: row 21, column 2 is NaN/],
  ] as const) {
    const buf = fvecs(b, dim);
    poke(buf);
    const pc = join(dir, 'tb2.fvecs');
    writeFileSync(pc, buf);
    const got: VectorChunk[] = [];
    await t.rejects((async () => { for await (const c of vectorChunks([pa, pc], { rowsPerChunk: 7 })) got.push(c); })(), re, what);
    const whole = new Float32Array([...a, ...b]);
    const before = Math.floor(row / 7);
    t.equal(got.length, before, `${what}: the ${before} chunks before row ${row}'s chunk were yielded`);
    t.ok(got.every((c) => Buffer.compare(raw(c.data), raw(whole.subarray(c.firstRow * dim, (c.firstRow + c.n) * dim))) === 0), `${what}: with the right rows`);
  }

  // a file cut while it is being streamed: the chunk that reaches the cut fails, whether the part is open or not
  const pd = writeAs('td', 'fvecs', b, dim);
  const it = vectorChunks([pa, pd], { rowsPerChunk: 16 });
  t.equal((await it.next()).value?.firstRow, 0);
  t.equal((await it.next()).value?.firstRow, 16, 'rows 16..31: the rest of the first part and rows 0..11 of the second');
  truncateSync(pd, 13 * (4 + 4 * dim));
  await t.rejects(it.next(), /td\.fvecs: unexpected end of file at row 12/);
  writeFileSync(pd, fvecs(b, dim));
  const it2 = vectorChunks([pa, pd], { rowsPerChunk: 16 });
  t.equal((await it2.next()).value?.firstRow, 0);
  truncateSync(pd, 13 * (4 + 4 * dim));
  await t.rejects(it2.next(), /td\.fvecs: file changed size while being read/);
});

t.test('sampleVectors: seeded, distinct, train()\'s draw, the rows read whole, across parts', async (t) => {
  for (const [dim, sizes, count, format] of [
    [3, [1000, 0, 1500, 500], 1000, 'fvecs'], // dense: many rows per read
    [1024, [1200, 1800], 2000, 'fbin'], // 4 KiB rows: reads of several MiB
    [2, [20000], 9, 'bvecs'], // sparse: one row per read
    [5, [7, 3], 10, 'npy'], // the whole set
    [7, [11], 0, 'f32'],
  ] as const) {
    const xs = sizes.map((k) => (format === 'bvecs' ? ints(k * dim) : randomF32(r, k * dim)));
    const paths = xs.map((x, i) => writeAs(`smp${dim}.${i}`, format, x, dim));
    const opts = format === 'f32' ? { dim } : {};
    const whole = await readVectors(paths, opts);
    const s1 = await sampleVectors(paths, count, 77, opts);
    const s2 = await sampleVectors(paths, count, 77, opts);
    const n = whole.n;
    t.same([s1.n, s1.dim], [count, dim]);
    t.same(Array.from(s1.rows), Array.from(sampleDistinct(n, count, mulberry32(77))), `${format}: the draw train() makes with the seed`);
    t.ok(Buffer.compare(raw(s1.data), raw(s2.data)) === 0, `${format}: the same seed gives the same sample`);
    t.equal(new Set(s1.rows).size, count, `${format}: ${count} distinct rows`);
    let same = true;
    for (let i = 0; i < count; i++) {
      const w = whole.data.subarray(s1.rows[i]! * dim, (s1.rows[i]! + 1) * dim);
      same &&= Buffer.compare(raw(s1.data.subarray(i * dim, (i + 1) * dim)), raw(w)) === 0;
    }
    t.ok(same, `${format} dim ${dim}: every sampled row is the row read whole`);
    if (count > 1 && count < n) {
      const s3 = await sampleVectors(paths, count, 78, opts);
      t.not(Array.from(s3.rows).join(), Array.from(s1.rows).join(), 'another seed, another sample');
    }
    await t.rejects(sampleVectors(paths, n + 1, 1, opts), /count must be an integer in \[0, \d+\]/);
  }
  const p = join(dir, 'nan.fvecs');
  const x = randomF32(r, 50 * 2);
  x[31 * 2 + 1] = NaN;
  writeFileSync(p, fvecs(x, 2));
  await t.rejects(sampleVectors(p, 50, 3), /nan\.fvecs: row 31, column 1 is NaN/, 'a sampled row is checked');
});

t.test('CLI train: the sample and the chunks give the index that training and adding the whole set gives', async (t) => {
  const engine = await getEngine(t);
  const dim = 8;
  for (const [n, nlist, bits] of [[300, 4, 4], [5000, 2, 4]] as const) {
    const x = randomF32(r, n * dim);
    const cut = Math.floor(n / 3);
    const paths = [writeAs(`cli${n}.0`, 'fvecs', x.subarray(0, cut * dim), dim), writeAs(`cli${n}.1`, 'fbin', x.subarray(cut * dim), dim)];
    const sampleRows = trainSampleSize(n, nlist, 2 ** bits, dim, engine.maxBinding);
    t.equal(sampleRows < n, n === 5000, `n ${n}: ${sampleRows} training rows`);
    const out = join(dir, `cli${n}.dvq`);
    const code = await main(['train', '--base', ...paths, '--lists', String(nlist), '--m', '2', '--bits', String(bits), '--seed', '99', '--out', out, '--quiet']);
    t.equal(code, 0, 'train exits 0');
    const ref = new IvfPqIndex(engine, { dim, nlist, m: 2, bits, metric: 'ip' });
    await ref.train(x, { seed: 99 });
    await ref.add(x);
    const want = ref.toBytes();
    ref.dispose();
    const got = readFileSync(out);
    t.ok(Buffer.compare(got, want) === 0, `n ${n}: the CLI's file is byte for byte the index trained and filled in memory`);
    const loaded = await IvfPqIndex.load(engine, out);
    t.equal(loaded.ntotal, n);
    const res = await loaded.search(x.subarray(0, 40 * dim), { k: 3, nprobe: nlist });
    t.ok(res.ids.every((id) => id >= 0 && id < n), 'the index searches');
    loaded.dispose();
    // search reads its queries in chunks (here two part files): the ids are the library's
    const qp = [writeAs(`q${n}.0`, 'fvecs', x.subarray(0, 13 * dim), dim), writeAs(`q${n}.1`, 'npy', x.subarray(13 * dim, 40 * dim), dim)];
    const idsOut = join(dir, `ids${n}.ivecs`);
    t.equal(await main(['search', '--index', out, '--queries', ...qp, '--k', '3', '--nprobe', String(nlist), '--out', idsOut, '--quiet']), 0);
    t.same(Array.from((await readIntVectors(idsOut)).data), Array.from(res.ids), 'CLI search gives the library\'s ids');
  }
});

t.test('adding chunk by chunk (ids firstRow..) stores what one add of the whole set stores', async (t) => {
  const engine = await getEngine(t);
  const dim = 6, n = 1234;
  const x = randomF32(r, n * dim);
  const p = writeAs('addc', 'fvecs', x, dim);
  const a = new IvfPqIndex(engine, { dim, nlist: 5, m: 3, bits: 4, metric: 'l2' });
  await a.train(x, { seed: 5 });
  const b = IvfPqIndex.fromData(engine, a.toData());
  await a.add(x);
  for await (const c of vectorChunks(p, { rowsPerChunk: 97 })) {
    await b.add(c.data, Int32Array.from({ length: c.n }, (_, i) => c.firstRow + i));
  }
  t.ok(Buffer.compare(raw(a.toBytes()), raw(b.toBytes())) === 0, '13 chunks of 97 rows and one add give the same bytes');
  a.dispose(); b.dispose();
});
