// Index files from paths: the loaders read in pieces and allocate only what a checked header allows. Big sparse
// files (fs truncate: cheap) that are invalid early fail fast and without a big allocation; sizes of 2 GiB or more
// in one array give a typed error (never a RangeError); a FIFO, a directory or a missing file is a FileError naming
// the path; maxBytes and an AbortSignal bound a load; each format is detected by its first bytes, in a file or in
// bytes in memory.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, ftruncateSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng } from './helpers.js';
import { randomIvfPq } from './fixtures/random-ivfpq.js';
import { toBytes, DVQ_HEADER_BYTES } from '../src/io/dvq-format.js';
import { toFaissBytes } from '../src/io/faiss-format.js';
import { loadIvfPq } from '../src/io/ivfpq-file.js';
import { loadFaissIndex } from '../src/io/faiss-file.js';
import { readIndexData } from '../src/io/index-file.js';
import { openRegularFile, fileChunks } from '../src/io/file-source.js';
import { readIndexSource } from '../src/io/index-source.js';
import { loadIndexData } from '../src/index/ivfpq.js';
import { DvqFormatError, FaissFormatError, FileError } from '../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dvq-file-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const r = rng(777);
const data = randomIvfPq(r, { metric: 'ip', dim: 8, m: 4, bits: 8, nlist: 4, ntotal: 100, rotation: true });
const dvq = toBytes(data);
const faiss = toFaissBytes(data);
const MB = 1 << 20;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** A file of `size` bytes that holds `head` at offset 0 and is a hole (zeros, no disk blocks) elsewhere. */
function sparse(name: string, head: Uint8Array, size: number): string {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  writeSync(fd, head);
  ftruncateSync(fd, size);
  closeSync(fd);
  return p;
}

/** A .dvq header of dim 64, one list, m 64, 8 bits (64-byte codes), no rotation: the file is 65868 + 68 ntotal bytes. */
function header(ntotal: number): Uint8Array {
  const h = new Uint8Array(DVQ_HEADER_BYTES);
  h.set(dvq.subarray(0, 16));
  const dv = new DataView(h.buffer);
  for (const [o, v] of [[16, 64], [20, 1], [24, 64], [28, 8], [32, 64], [36, ntotal], [40, 0]]) dv.setUint32(o!, v!, true);
  return h;
}
const sizeOf = (ntotal: number): number => 65868 + 68 * ntotal;

/** Runs a load; its error, the time taken and the growth of ArrayBuffers (sampled every 5 ms). */
async function measured(f: () => Promise<unknown>): Promise<{ error: unknown; ms: number; arrayBuffers: number }> {
  gc();
  const a0 = process.memoryUsage().arrayBuffers;
  let peak = 0;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().arrayBuffers - a0); }, 5);
  const t0 = performance.now();
  let error: unknown = null;
  try { await f(); } catch (e) { error = e; }
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().arrayBuffers - a0);
  return { error, ms: performance.now() - t0, arrayBuffers: peak };
}

t.test('big sparse files that are invalid early fail fast, allocating little', async (t) => {
  const cases: [string, string, Function, RegExp][] = [
    // Faiss magic, then zeros: the dimension at byte 4 is 0
    ['faiss-zeros', sparse('a.faiss', new TextEncoder().encode('IwPQ'), 1.5 * 2 ** 30), FaissFormatError, /IndexIVFPQ dimension 0 out of range/],
    // a valid Faiss header whose centroid count claims more than the file holds
    ['faiss-claims', sparse('b.faiss', (() => {
      const f = toFaissBytes(randomIvfPq(r, { dim: 64, m: 8, nlist: 1, ntotal: 0 })).slice(0, 98);
      const dv = new DataView(f.buffer);
      dv.setBigUint64(37, 1n << 20n, true); dv.setBigInt64(61, 1n << 20n, true); dv.setBigUint64(90, 64n << 20n, true);
      return f;
    })(), 2 ** 28), FaissFormatError, /quantizer centroids claims 67108864 elements \(268435456 bytes\) but only 268435358 bytes are left/],
    // a self-consistent .dvq header on a 1.9 GB hole: the list offsets (zeros) disagree with ntotal before the ids and codes
    ['dvq-consistent', sparse('c.dvq', header(28_000_000), sizeOf(28_000_000)), DvqFormatError, /list offsets end at 0 but the header says ntotal 28000000/],
    // the same header on a file of another size: refused from the header and the size alone
    ['dvq-size', sparse('d.dvq', header(28_000_000), 2 ** 31 + 5), DvqFormatError, /implies 1904065868 bytes but there are 2147483653 \(trailing bytes\)/],
    // 2 GiB or more in one array: a typed error, not "RangeError: Invalid typed array length"
    ['dvq-2GiB', sparse('e.dvq', header(2 ** 25 + 1), sizeOf(2 ** 25 + 1)), DvqFormatError, /the codes section would take 2147483712 bytes, over the 2147483647-byte limit of one array/],
  ];
  for (const [name, path, E, re] of cases) {
    const m = await measured(() => readIndexData(path));
    t.ok(m.error instanceof E, `${name}: a ${E.name} (${(m.error as Error)?.constructor.name}: ${(m.error as Error)?.message})`);
    t.match((m.error as Error)?.message, re, `${name}: names the problem`);
    t.ok((m.error as Error)?.message.startsWith(`${path}: `), `${name}: names the file`);
    t.ok(m.ms < 2000 && m.arrayBuffers < 20 * MB, `${name}: ${m.ms.toFixed(0)} ms, ArrayBuffers +${(m.arrayBuffers / MB).toFixed(1)} MB`);
  }
  // the 2 GiB header in a tiny file: the same error from the header alone
  writeFileSync(join(dir, 'f.dvq'), Buffer.concat([header(2 ** 25 + 1), Buffer.alloc(100)]));
  await t.rejects(loadIvfPq(join(dir, 'f.dvq')), /the codes section would take 2147483712 bytes/, 'the limit is checked before the size');
});

t.test('file problems are FileErrors naming the path', async (t) => {
  const fifo = join(dir, 'pipe.dvq');
  const made = spawnSync('mkfifo', [fifo]).status === 0;
  t.ok(made, 'mkfifo made a named pipe');
  mkdirSync(join(dir, 'folder.dvq'));
  const cases: [string, string][] = [[fifo, 'ENOTREG'], [join(dir, 'folder.dvq'), 'EISDIR'], [join(dir, 'none.dvq'), 'ENOENT']];
  for (const [path, reason] of cases) {
    for (const load of [readIndexData, loadIvfPq, loadFaissIndex]) {
      const m = await measured(() => load(path));
      const e = m.error as FileError;
      t.ok(e instanceof FileError && e.reason === reason && e.path === path && e.message.startsWith(`${path}: cannot read`),
        `${load.name}(${reason}): ${e?.constructor.name} ${e?.message}`);
      t.ok(m.ms < 2000, 'at once (a FIFO does not block)');
    }
  }
});

t.test('maxBytes and a signal bound a load from a path', async (t) => {
  const p = join(dir, 'ok.dvq');
  writeFileSync(p, dvq);
  await t.rejects(readIndexData(p, { maxBytes: 1000 }), { name: 'FileError', reason: 'EFBIG', message: `${p}: the index is ${dvq.length} bytes, more than maxBytes = 1000` });
  const ac = new AbortController();
  ac.abort();
  await t.rejects(readIndexData(p, { signal: ac.signal }), { name: 'AbortError' }, 'an aborted signal');
  // aborted while the file is being read, piece by piece
  const ac2 = new AbortController();
  const { fh, size } = await openRegularFile(p);
  const pieces = fileChunks(fh, p, size, 64);
  let calls = 0;
  const source = { next: () => { if (++calls === 3) ac2.abort(); return pieces.next(); } };
  await t.rejects(readIndexSource(p, source, { length: size, signal: ac2.signal }), { name: 'AbortError', message: `loading ${p} was cancelled` }, 'aborted mid-file');
  t.equal(calls, 3, 'no piece is read after the abort');
  await fh.close();
});

t.test('each format is told by its first bytes, in files and in bytes', async (t) => {
  const pd = join(dir, 'x.dvq'), pf = join(dir, 'x.faiss');
  writeFileSync(pd, dvq);
  writeFileSync(pf, faiss);
  const same = (a: unknown): boolean => Buffer.compare(Buffer.from(toBytes(a as typeof data)), Buffer.from(dvq)) === 0;
  t.ok(same(await readIndexData(pd)) && same(await readIndexData(pf)), 'readIndexData reads both');
  t.ok(same(await loadIndexData(pd)) && same(await loadIndexData(pf)), 'loadIndexData reads both paths');
  t.ok(same(await loadIndexData(faiss)) && same(await loadIndexData(dvq.buffer.slice(0) as ArrayBuffer)), 'and both as bytes');
  t.ok(same(await loadIvfPq(pd)) && same(await loadFaissIndex(pf)), 'the format loaders read their own format');
  await t.rejects(loadIvfPq(pf), new RegExp(`^${pf}: dvq: bad magic "IxPT"`), 'loadIvfPq refuses a Faiss file');
  await t.rejects(loadFaissIndex(pd), new RegExp(`^${pf.replace('faiss', 'dvq')}: faiss: index type 'DVQI' is not an IndexIVFPQ`), 'loadFaissIndex refuses a .dvq file');
  // a file that shrinks to nothing: its header is missing
  writeFileSync(join(dir, 'empty.dvq'), new Uint8Array(0));
  await t.rejects(readIndexData(join(dir, 'empty.dvq')), /empty\.dvq: dvq: file too short \(0 bytes\)/);
});
