// IvfPqIndex.open: a .dvq file searched by ranged reads (Node positioned reads and HTTP Range requests) returns
// exactly what the loaded index returns, reads a fraction of the file for a small nprobe, keeps its cache within
// cacheBytes, and refuses bad files, truncated reads and servers without Range support with errors naming them.
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEngine, rng, randomF32, freshSeed } from './helpers.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { saveFaissIndex } from '../src/io/faiss-file.js';
import { DvqFormatError, FileError, InputError, UsageError } from '../src/util/errors.js';
import type { OpenedIvfPqIndex } from '../src/index/lazy-index.js';

const dir = mkdtempSync(join(tmpdir(), 'dvq-open-'));

function clustered(seed: number, n: number, dim: number): Float32Array {
  const r = rng(seed);
  const centers = randomF32(r, 24 * dim, 1);
  const x = randomF32(r, n * dim, 0.3);
  for (let i = 0; i < n; i++) { const c = Math.floor(r() * 24); for (let j = 0; j < dim; j++) x[i * dim + j]! += centers[c * dim + j]!; }
  return x;
}

function orthogonal(seed: number, dim: number): Float32Array {
  const r = rng(seed), a = randomF32(r, dim * dim);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < i; j++) { let d = 0; for (let k = 0; k < dim; k++) d += a[i * dim + k]! * a[j * dim + k]!; for (let k = 0; k < dim; k++) a[i * dim + k]! -= d * a[j * dim + k]!; }
    let s = 0; for (let k = 0; k < dim; k++) s += a[i * dim + k]! ** 2; s = Math.sqrt(s);
    for (let k = 0; k < dim; k++) a[i * dim + k]! /= s;
  }
  return a;
}

interface Built { path: string; loaded: IvfPqIndex; q: Float32Array; nq: number; dim: number }

/** Trains, fills and saves an index (nlist 37, n 2003: lists of uneven, prime-ish sizes); returns it loaded back. */
async function build(name: string, o: { metric: 'ip' | 'l2'; bits: 8 | 4; rotate: boolean; refine?: 'sq8' | 'fp16' }): Promise<Built> {
  const engine = await getEngine();
  const dim = 24, n = 2003, nq = 29;
  const x = clustered(o.metric === 'ip' ? 21 : 22, n, dim);
  const index = new IvfPqIndex(engine, { dim, nlist: 37, m: 6, bits: o.bits, metric: o.metric, ...(o.refine ? { refine: o.refine } : {}) });
  try {
    await index.train(x, { seed: 4, ...(o.rotate ? { rotation: orthogonal(9, dim) } : {}) });
    await index.add(x, Int32Array.from({ length: n }, (_, i) => 5 * i + 2));
    const path = join(dir, `${name}.dvq`);
    await index.save(path);
    const loaded = await IvfPqIndex.load(engine, path);
    return { path, loaded, q: clustered(99, nq, dim), nq, dim };
  } finally {
    index.dispose();
  }
}

async function same(t: Tappable, a: OpenedIvfPqIndex, b: IvfPqIndex, q: Float32Array, opts: { k: number; nprobe: number; refineFactor?: number }, what: string): Promise<void> {
  const got = await a.search(q, opts), want = await b.search(q, opts);
  t.same(Array.from(got.ids), Array.from(want.ids), `${what}: same ids`);
  t.same(Array.from(got.scores), Array.from(want.scores), `${what}: same scores`);
  t.ok(want.ids.some((id) => id >= 0), `${what}: the search found vectors`);
}
type Tappable = { same(a: unknown, b: unknown, m: string): void; ok(v: unknown, m: string): void };

const cases: { name: string; metric: 'ip' | 'l2'; bits: 8 | 4; rotate: boolean; refine?: 'sq8' | 'fp16' }[] = [
  { name: 'ip', metric: 'ip', bits: 8, rotate: false },
  { name: 'l2-rot', metric: 'l2', bits: 8, rotate: true },
  { name: 'ip-4bit-rot', metric: 'ip', bits: 4, rotate: true },
  { name: 'l2-4bit', metric: 'l2', bits: 4, rotate: false },
  { name: 'ip-sq8', metric: 'ip', bits: 8, rotate: false, refine: 'sq8' },
  { name: 'l2-fp16-rot', metric: 'l2', bits: 8, rotate: true, refine: 'fp16' },
];

for (const c of cases) {
  t.test(`open vs load: ${c.name}`, async (t) => {
    const engine = await getEngine();
    const b = await build(c.name, c);
    const size = statSync(b.path).size;
    const opened = await IvfPqIndex.open(engine, b.path, { gapBytes: 0 });
    try {
      t.equal(opened.ntotal, b.loaded.ntotal, 'ntotal');
      t.same(Array.from(opened.listSizes()), Array.from(b.loaded.listSizes()), 'list sizes');
      const head = opened.stats.bytesFetched;
      t.equal(opened.stats.requests, c.refine === 'sq8' ? 3 : 2, 'the head is two reads (three with sq8 ranges)');
      await same(t, opened, b.loaded, b.q.subarray(0, 1 * b.dim), { k: 7, nprobe: 2 }, 'one query, nprobe 2');
      const one = opened.stats.bytesFetched;
      t.ok(one - head < (size - head) / 4, `one query at nprobe 2 read ${one - head} of the ${size - head} bytes after the head`);
      t.ok(one > head, 'the lists were read');
      await same(t, opened, b.loaded, b.q, { k: 10, nprobe: 5 }, `${b.nq} queries, nprobe 5`);
      await same(t, opened, b.loaded, b.q, { k: 13, nprobe: 37 }, 'every list probed');
      const all = opened.stats;
      t.ok(all.bytesFetched <= size - 4, `after probing every list: ${all.bytesFetched} bytes read of ${size}`);
      await same(t, opened, b.loaded, b.q, { k: 10, nprobe: 5 }, 'again, from the cache');
      t.equal(opened.stats.bytesFetched, all.bytesFetched, 'the cached lists are not read again');
      t.ok(opened.stats.cacheHits > all.cacheHits, 'cache hits counted');
      if (c.refine) {
        const plain = opened.stats.bytesFetched;
        await same(t, opened, b.loaded, b.q, { k: 5, nprobe: 4, refineFactor: 3 }, 'refineFactor 3');
        t.ok(plain < size - 2003 * (c.refine === 'sq8' ? 24 : 48), `without refineFactor no refine codes were read (${plain} of ${size} bytes)`);
        t.ok(opened.stats.bytesFetched > plain, 'a refined search reads them');
        await same(t, opened, b.loaded, b.q, { k: 5, nprobe: 37, refineFactor: 200 }, 'refine candidates beyond ntotal');
      }
    } finally {
      await opened.dispose();
      b.loaded.dispose();
    }
  });
}

t.test('the cache stays within cacheBytes; with 0 every search reads its lists', async (t) => {
  const engine = await getEngine();
  const b = await build('cache', { metric: 'l2', bits: 8, rotate: false });
  const perVector = 6 + 4;
  for (const cacheBytes of [0, 40 * perVector, 600 * perVector]) {
    const opened = await IvfPqIndex.open(engine, b.path, { cacheBytes, gapBytes: cacheBytes === 0 ? 0 : 400 });
    try {
      const seed = freshSeed(), r = rng(seed);
      for (let i = 0; i < 6; i++) {
        const nq = 1 + Math.floor(r() * 9), at = Math.floor(r() * (b.nq - nq));
        await same(t, opened, b.loaded, b.q.subarray(at * b.dim, (at + nq) * b.dim), { k: 5, nprobe: 1 + Math.floor(r() * 6) }, `cacheBytes ${cacheBytes}, seed ${seed}, search ${i}`);
        t.ok(opened.stats.cachedBytes <= cacheBytes, `cacheBytes ${cacheBytes}: cache holds ${opened.stats.cachedBytes}`);
      }
      const before = opened.stats.bytesFetched;
      await opened.search(b.q.subarray(0, b.dim), { k: 5, nprobe: 3 });
      await opened.search(b.q.subarray(0, b.dim), { k: 5, nprobe: 3 });
      const twice = opened.stats.bytesFetched - before;
      if (cacheBytes === 0) t.ok(twice > 0 && opened.stats.cacheHits === 0, 'no cache: the lists are read again, no hits');
      if (cacheBytes === 600 * perVector) t.ok(opened.stats.cacheHits > 0, 'a cache that holds the lists: hits');
    } finally {
      await opened.dispose();
    }
  }
  b.loaded.dispose();
  await t.rejects(IvfPqIndex.open(engine, b.path, { cacheBytes: -1 }), InputError, 'a negative cacheBytes is refused');
  await t.rejects(IvfPqIndex.open(engine, b.path, { gapBytes: 0.5 }), InputError, 'a fractional gapBytes is refused');
});

t.test('gapBytes: lists close together are read in one request per section, with the same results', async (t) => {
  const engine = await getEngine();
  const b = await build('gap', { metric: 'ip', bits: 8, rotate: false });
  const reads: Record<number, { requests: number; bytes: number }> = {};
  for (const gapBytes of [0, 1 << 20]) {
    const opened = await IvfPqIndex.open(engine, b.path, { gapBytes, cacheBytes: 0 });
    const head = opened.stats;
    await same(t, opened, b.loaded, b.q.subarray(0, 4 * b.dim), { k: 6, nprobe: 9 }, `gapBytes ${gapBytes}`);
    reads[gapBytes] = { requests: opened.stats.requests - head.requests, bytes: opened.stats.bytesFetched - head.bytesFetched };
    await opened.dispose();
  }
  t.equal(reads[1 << 20]!.requests, 2, 'a gap larger than the lists: one run, two reads (ids, codes)');
  t.ok(reads[0]!.requests > 2 && reads[0]!.bytes < reads[1 << 20]!.bytes, `gapBytes 0: ${reads[0]!.requests} reads of ${reads[0]!.bytes} bytes, fewer bytes`);
  b.loaded.dispose();
});

t.test('bad files and truncated reads get clear errors', async (t) => {
  const engine = await getEngine();
  const b = await build('bad', { metric: 'ip', bits: 8, rotate: false });
  const bytes = readFileSync(b.path);
  const cut = join(dir, 'cut.dvq');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 5));
  await t.rejects(IvfPqIndex.open(engine, cut), { name: 'DvqFormatError', message: /cut\.dvq: dvq: size mismatch.*\(truncated\)/ }, 'a truncated file: size mismatch at open');
  writeFileSync(cut, bytes.subarray(0, 30));
  await t.rejects(IvfPqIndex.open(engine, cut), DvqFormatError, 'a file shorter than the header');
  await t.rejects(IvfPqIndex.open(engine, join(dir, 'none.dvq')), { name: 'FileError', reason: 'ENOENT' }, 'a missing file');
  await t.rejects(IvfPqIndex.open(engine, dir), { name: 'FileError', reason: 'EISDIR' }, 'a directory');
  const bad = Uint8Array.from(bytes);
  const dv = new DataView(bad.buffer);
  const listOffsets = 64 + 37 * 24 * 4 + 256 * 24 * 4;
  dv.setUint32(listOffsets + 4 * 3, 0xffffff, true);
  const badPath = join(dir, 'offsets.dvq');
  writeFileSync(badPath, bad);
  await t.rejects(IvfPqIndex.open(engine, badPath), { name: 'DvqFormatError', message: /offsets\.dvq: dvq: listOffsets not monotone/ }, 'bad list offsets');
  const negId = Uint8Array.from(bytes);
  new DataView(negId.buffer).setInt32(listOffsets + 38 * 4, -4, true);
  writeFileSync(badPath, negId);
  const o = await IvfPqIndex.open(engine, badPath);
  await t.rejects(o.search(b.q, { k: 3, nprobe: 37 }), { name: 'DvqFormatError', message: /id at position 0 is negative/ }, 'a negative id: found when its list is read');
  await o.dispose();
  // the file shrinks after open: the first read past its new end is a short read naming the file and the range
  const shrink = join(dir, 'shrink.dvq');
  writeFileSync(shrink, bytes);
  const opened = await IvfPqIndex.open(engine, shrink, { cacheBytes: 0 });
  truncateSync(shrink, bytes.length - 100);
  const e = await opened.search(b.q, { k: 3, nprobe: 37 }).catch((x: unknown) => x);
  t.ok(e instanceof FileError, 'a FileError');
  t.match((e as FileError).message, /shrink\.dvq: short read: bytes \d+\.\.\d+ \(\d+ bytes\) gave \d+ bytes/, 'names the file, range and bytes');
  t.equal((e as FileError).reason, 'ESHORT');
  await opened.dispose();
  await t.rejects(opened.search(b.q, { k: 3, nprobe: 2 }), /disposed/, 'search after dispose');
  const faiss = join(dir, 'f.faiss');
  await saveFaissIndex(faiss, b.loaded.toData());
  await t.rejects(IvfPqIndex.open(engine, faiss), { name: 'InputError', message: /Faiss index file: open\(\) reads \.dvq files; use IvfPqIndex\.load\(\)/ }, 'Faiss files are refused');
  const ro = await IvfPqIndex.open(engine, b.path);
  t.throws(() => ro.add(), UsageError, 'add is refused');
  t.throws(() => ro.save(), UsageError, 'save is refused');
  await t.rejects(ro.search(b.q, { k: 3, nprobe: 38 }), InputError, 'nprobe over nlist');
  const ac = new AbortController();
  ac.abort();
  await t.rejects(ro.search(b.q, { k: 3, nprobe: 3, signal: ac.signal }), { name: 'AbortError' }, 'an aborted signal cancels the search');
  await t.rejects(IvfPqIndex.open(engine, b.path, { signal: ac.signal }), { name: 'AbortError' }, 'and the open');
  await ro.dispose();
  b.loaded.dispose();
});

/** A file server with Range support (one range), or a broken one ('short': from the 4th request, after the head). */
function serve(files: Record<string, Uint8Array>, mode: 'range' | 'ignore-range' | 'short' | 'wrong-range'): (req: IncomingMessage, res: ServerResponse) => void {
  let requests = 0;
  return (req, res) => {
    requests++;
    const body = files[req.url!];
    if (!body) { res.statusCode = 404; res.end(); return; }
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m || mode === 'ignore-range') { res.statusCode = 200; res.setHeader('content-length', body.length); res.end(body); return; }
    const a = Number(m[1]), z = Math.min(Number(m[2]), body.length - 1);
    res.statusCode = 206;
    const from = mode === 'wrong-range' ? a + 1 : a;
    res.setHeader('content-range', `bytes ${from}-${z}/${body.length}`);
    const part = body.subarray(a, z + 1);
    res.end(mode === 'short' && requests > 3 ? part.subarray(0, part.length >> 1) : part);
  };
}

t.test('open by URL: HTTP Range requests', async (t) => {
  const engine = await getEngine();
  const b = await build('url', { metric: 'l2', bits: 8, rotate: true, refine: 'sq8' });
  const files = { '/i.dvq': new Uint8Array(readFileSync(b.path)) };
  const size = files['/i.dvq'].length;
  for (const mode of ['range', 'ignore-range', 'short', 'wrong-range'] as const) {
    const server = createServer(serve(files, mode));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/i.dvq`;
    try {
      if (mode === 'range') {
        const opened = await IvfPqIndex.open(engine, new URL(url), { gapBytes: 0 });
        try {
          await same(t, opened, b.loaded, b.q.subarray(0, 3 * b.dim), { k: 8, nprobe: 3 }, 'URL, nprobe 3');
          t.ok(opened.stats.bytesFetched < size / 2, `URL: read ${opened.stats.bytesFetched} of ${size} bytes`);
          await same(t, opened, b.loaded, b.q, { k: 8, nprobe: 6, refineFactor: 4 }, 'URL, refined');
        } finally {
          await opened.dispose();
        }
        await t.rejects(IvfPqIndex.open(engine, url.replace('i.dvq', 'missing.dvq')), { name: 'FileError', message: /missing\.dvq: cannot read bytes 0\.\.63: HTTP 404/ }, 'HTTP 404');
      } else if (mode === 'ignore-range') {
        await t.rejects(IvfPqIndex.open(engine, url), { name: 'FileError', reason: 'ENORANGE', message: /ignored the Range header \(HTTP 200/ }, 'a server that ignores Range is refused at once');
      } else if (mode === 'short') {
        const opened = await IvfPqIndex.open(engine, url);
        await t.rejects(opened.search(b.q, { k: 3, nprobe: 2 }), { name: 'FileError', reason: 'ESHORT', message: /i\.dvq: short read: bytes \d+\.\.\d+/ }, 'a short body');
        await opened.dispose();
      } else {
        await t.rejects(IvfPqIndex.open(engine, url), { name: 'FileError', reason: 'ERANGE', message: /Content-Range "bytes 1-63/ }, 'a Content-Range that does not match');
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  }
  b.loaded.dispose();
});

t.test('CLI: search --lazy [--cache-mib N] writes what search writes', { timeout: 600000 }, async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { encodeFvecs } = await import('../src/io/vectors.js');
  const b = await build('cli', { metric: 'ip', bits: 8, rotate: false });
  b.loaded.dispose();
  const q = join(dir, 'q.fvecs');
  writeFileSync(q, encodeFvecs(b.q, b.dim));
  const cli = (args: string[]) => spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin/distill-vq.js'), ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const common = ['search', '--index', b.path, '--queries', q, '--k', '6', '--nprobe', '3', '--json'];
  const full = cli([...common, '--out', join(dir, 'full.ivecs')]);
  t.equal(full.status, 0, `search exits 0: ${full.stderr.slice(-300)}`);
  const lazy = cli([...common, '--lazy', '--cache-mib', '1', '--out', join(dir, 'lazy.ivecs')]);
  t.equal(lazy.status, 0, `search --lazy exits 0: ${lazy.stderr.slice(-300)}`);
  t.same(readFileSync(join(dir, 'lazy.ivecs')), readFileSync(join(dir, 'full.ivecs')), 'the same ids');
  const s = JSON.parse(lazy.stdout);
  t.ok(s.lazy.bytesFetched > 0 && s.lazy.bytesFetched < statSync(b.path).size, `reports the bytes read: ${s.lazy.bytesFetched}`);
  t.equal(s.lazy.cacheMib, 1, 'and the cache size');
  const bad = cli([...common, '--cache-mib', '4', '--out', join(dir, 'x.ivecs')]);
  t.equal(bad.status, 2, '--cache-mib without --lazy is a usage error');
  t.match(bad.stderr, /--cache-mib needs --lazy/, 'naming the problem');
});
