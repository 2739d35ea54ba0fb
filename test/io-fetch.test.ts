// Loading an index from a URL against hostile HTTP servers on 127.0.0.1 (node:http in this process; every server
// loop is bounded and stops by itself): an endless body, lying Content-Lengths, gzip bombs, stalls, a slow drip, a
// redirect loop, truncated bodies, HTTP errors, a refused connection and cancellation. Each load must end in a
// typed error that names the URL, within a bounded time, with the process's memory (ArrayBuffers and RSS, sampled
// while it runs) growing by less than 100 MB over the size of the valid file. Valid .dvq and Faiss files load.
import t from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';
import { rng } from './helpers.js';
import { randomIvfPq } from './fixtures/random-ivfpq.js';
import { toBytes, DVQ_HEADER_BYTES } from '../src/io/dvq-format.js';
import { toFaissBytes } from '../src/io/faiss-format.js';
import { fetchIndexData } from '../src/io/fetch-bytes.js';
import type { LoadOptions } from '../src/io/index-source.js';
import type { IvfPqData } from '../src/io/ivfpq-data.js';
import { DvqFormatError, FaissFormatError, FileError } from '../src/util/errors.js';

const r = rng(4242);
const data = randomIvfPq(r, { metric: 'l2', dim: 16, m: 4, bits: 8, nlist: 8, ntotal: 2000, rotation: true });
const dvq = toBytes(data);
const faiss = toFaissBytes(data);
const MB = 1 << 20;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** A .dvq header (valid on its own) for a file of ntotal vectors with 64-byte codes: about 68 * ntotal bytes. */
function bigHeader(ntotal: number): Uint8Array {
  const h = dvq.slice(0, DVQ_HEADER_BYTES);
  const dv = new DataView(h.buffer);
  dv.setUint32(16, 64, true); dv.setUint32(20, 1, true); dv.setUint32(24, 64, true); dv.setUint32(28, 8, true);
  dv.setUint32(32, 64, true); dv.setUint32(36, ntotal, true); dv.setUint32(40, 0, true);
  return h;
}

/** Writes `chunk` repeatedly (backpressure respected) until `cap` bytes or the client goes away. Returns bytes sent. */
async function pour(res: ServerResponse | NodeJS.WritableStream, chunk: Uint8Array, cap: number, gone: () => boolean): Promise<number> {
  let sent = 0;
  while (!gone() && sent < cap) {
    sent += chunk.length;
    if (!res.write(chunk)) await new Promise((ok) => { res.once('drain', ok); res.once('close', ok); setTimeout(ok, 1000); });
  }
  return sent;
}

/** Gzip of `head` followed by `zeros` zero bytes, compressed as a stream (the inflated body is never in memory). */
async function gzipBomb(head: Uint8Array, zeros: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise((ok) => gz.on('end', ok));
  gz.write(head);
  await pour(gz, new Uint8Array(MB), zeros, () => false);
  gz.end();
  await done;
  return Buffer.concat(parts);
}

/** The bytes each endless route sent, once it stopped. */
const serverSent = new Map<string, Promise<number>>();
const bombs = {
  // inflates to 256 MiB: a .dvq header implying about 270 MB, then zeros
  header: await gzipBomb(bigHeader(4_000_000), 256 * MB),
  // a valid small .dvq, then 256 MiB of zeros
  trailing: await gzipBomb(dvq, 256 * MB),
  // a Faiss file whose centroids (nlist x d floats) would take 256 MiB, then zeros
  faiss: await (async () => {
    const f = toFaissBytes(randomIvfPq(r, { dim: 64, m: 8, nlist: 1, ntotal: 0 }));
    const dv = new DataView(f.buffer);
    const nlist = (256 * MB) / (64 * 4);
    dv.setBigUint64(4 + 33, BigInt(nlist), true); // IwPQ nlist
    dv.setBigInt64(4 + 33 + 16 + 4 + 4, BigInt(nlist), true); // quantizer ntotal
    dv.setBigUint64(4 + 33 + 16 + 4 + 33, BigInt(nlist * 64), true); // centroid count
    return gzipBomb(f.subarray(0, 4 + 33 + 16 + 4 + 33 + 8), 256 * MB);
  })(),
};
t.comment(`gzip bombs: ${bombs.header.length}, ${bombs.trailing.length}, ${bombs.faiss.length} bytes, each inflating to 256 MiB`);

/** Sends `head`, then bytes of value `fill` until the client goes away (at most 1 GiB). */
function endless(req: IncomingMessage, res: ServerResponse, head: Uint8Array, fill: number): void {
  res.write(head);
  const done = pour(res, new Uint8Array(64 * 1024).fill(fill), 2 ** 30, () => res.destroyed).then((n) => { res.end(); return head.length + n; });
  serverSent.set(req.url!, done);
}

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>> = {
  '/good.dvq': (_, res) => { res.setHeader('content-length', dvq.length); res.end(dvq); },
  '/good-chunked.dvq': async (_, res) => { for (let i = 0; i < dvq.length; i += 1000) { res.write(dvq.subarray(i, i + 1000)); await new Promise((ok) => setImmediate(ok)); } res.end(); },
  '/good.faiss': (_, res) => { res.setHeader('content-length', faiss.length); res.end(faiss); },
  '/good-gzip.dvq': async (_, res) => { res.setHeader('content-encoding', 'gzip'); res.end(await gzipBomb(dvq, 0)); },
  '/endless.dvq': (req, res) => endless(req, res, dvq, 7),
  '/endless.faiss': (req, res) => endless(req, res, faiss, 0),
  '/endless-garbage': (req, res) => endless(req, res, new Uint8Array(0), 0x41),
  '/length-larger.dvq': (_, res) => { res.setHeader('content-length', dvq.length + 1_000_000_000); res.write(dvq); setTimeout(() => res.destroy(), 2000); },
  '/length-smaller.dvq': (_, res) => { res.setHeader('content-length', 1000); res.end(dvq.subarray(0, 1000)); },
  '/length-huge.dvq': (_, res) => { res.setHeader('content-length', 10 * 2 ** 30); res.write(dvq.subarray(0, 100)); setTimeout(() => res.destroy(), 2000); },
  '/bomb-header.dvq': (_, res) => { res.setHeader('content-encoding', 'gzip'); res.end(bombs.header); },
  '/bomb-trailing.dvq': (_, res) => { res.setHeader('content-encoding', 'gzip'); res.end(bombs.trailing); },
  '/bomb.faiss': (_, res) => { res.setHeader('content-encoding', 'gzip'); res.end(bombs.faiss); },
  '/stall-headers': (_, res) => { setTimeout(() => res.destroy(), 5000); },
  '/stall-body.dvq': (_, res) => { res.setHeader('content-length', dvq.length); res.write(dvq.subarray(0, 10)); setTimeout(() => res.destroy(), 5000); },
  '/drip.dvq': async (_, res) => {
    res.setHeader('content-length', dvq.length);
    for (let i = 0; i < dvq.length && !res.destroyed; i++) { res.write(dvq.subarray(i, i + 1)); await new Promise((ok) => setTimeout(ok, 50)); }
    res.end();
  },
  '/redirect-loop': (req, res) => { res.statusCode = 302; res.setHeader('location', req.url!); res.end(); },
  '/truncated.dvq': (_, res) => { res.setHeader('content-length', dvq.length); res.write(dvq.subarray(0, dvq.length >> 1)); setTimeout(() => res.destroy(), 50); },
  '/truncated-chunked.dvq': (_, res) => { res.write(dvq.subarray(0, dvq.length >> 1)); res.end(); }, // no Content-Length
  '/missing.dvq': (_, res) => { res.statusCode = 404; res.end('not here'); },
};
const server = createServer((req, res) => {
  const route = routes[(req.url ?? '').split('?')[0]!];
  if (!route) { res.statusCode = 500; res.end(); return; }
  void route(req, res);
});
server.on('connection', (s) => s.on('error', () => undefined));
await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
const port = (server.address() as AddressInfo).port;
const url = (path: string): string => `http://127.0.0.1:${port}${path}`;
t.teardown(() => { server.closeAllConnections(); server.close(); });

/** Runs `f`, sampling memory every 5 ms; the growth of ArrayBuffers and RSS over the start, and the time taken. */
async function measured<T>(f: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number; arrayBuffers: number; rss: number }> {
  gc();
  const m0 = process.memoryUsage();
  let ab = 0, rss = 0;
  const sample = (): void => { const m = process.memoryUsage(); ab = Math.max(ab, m.arrayBuffers - m0.arrayBuffers); rss = Math.max(rss, m.rss - m0.rss); };
  const timer = setInterval(sample, 5);
  const t0 = performance.now();
  try {
    return { value: await f(), ms: performance.now() - t0, arrayBuffers: ab, rss };
  } catch (error) {
    return { error, ms: performance.now() - t0, arrayBuffers: ab, rss };
  } finally {
    clearInterval(timer);
    sample();
  }
}

const same = (a: IvfPqData, b: IvfPqData): boolean => Buffer.compare(Buffer.from(toBytes(a)), Buffer.from(toBytes(b))) === 0;
const BOUND = 100 * MB + dvq.length;

for (const path of ['/good.dvq', '/good-chunked.dvq', '/good.faiss', '/good-gzip.dvq']) {
  t.test(`a valid file loads: ${path}`, async (t) => {
    const m = await measured(() => fetchIndexData(url(path)));
    t.ok(m.value && same(m.value, data), `${path} reads to the same index (${m.ms.toFixed(0)} ms)`);
  });
}

interface Hostile { path: string; opts?: LoadOptions; type: Function; code?: string; message: RegExp; ms: number; abortAfterMs?: number }
const cases: Hostile[] = [
  { path: '/endless.dvq', type: DvqFormatError, message: /more bytes than the \d+ the header implies/, ms: 5000 },
  { path: '/endless.faiss', type: FaissFormatError, message: /unexpected bytes after the index/, ms: 5000 },
  { path: '/endless-garbage', type: DvqFormatError, message: /bad magic "AAAA"/, ms: 5000 },
  { path: '/length-larger.dvq', type: DvqFormatError, message: /size mismatch: .* implies \d+ bytes but there are 1000\d+ \(trailing bytes\)/, ms: 5000 },
  { path: '/length-smaller.dvq', type: DvqFormatError, message: /size mismatch: .* implies \d+ bytes but there are 1000 \(truncated\)/, ms: 5000 },
  { path: '/length-huge.dvq', type: FileError, code: 'EFBIG', message: /the index is 10737418240 bytes, more than maxBytes = 4294967296/, ms: 5000 },
  { path: '/bomb-header.dvq', opts: { maxBytes: 16 * MB }, type: FileError, code: 'EFBIG', message: /the index is at least \d+ bytes, more than maxBytes = 16777216/, ms: 5000 },
  { path: '/bomb-trailing.dvq', type: DvqFormatError, message: /more bytes than the \d+ the header implies/, ms: 5000 },
  { path: '/bomb.faiss', opts: { maxBytes: 16 * MB }, type: FileError, code: 'EFBIG', message: /at least 268435\d+ bytes, more than maxBytes = 16777216/, ms: 5000 },
  { path: '/stall-headers', opts: { stallTimeoutMs: 300 }, type: FileError, code: 'ETIMEDOUT', message: /the server sent nothing for stallTimeoutMs = 300 ms \(0 bytes received\)/, ms: 3000 },
  { path: '/stall-body.dvq', opts: { stallTimeoutMs: 300 }, type: FileError, code: 'ETIMEDOUT', message: /the server sent nothing for stallTimeoutMs = 300 ms \(10 bytes received\)/, ms: 3000 },
  { path: '/drip.dvq', opts: { timeoutMs: 800 }, type: FileError, code: 'ETIMEDOUT', message: /not complete within timeoutMs = 800 ms/, ms: 3000 },
  { path: '/redirect-loop', type: FileError, message: /cannot fetch: fetch failed: redirect count exceeded/, ms: 5000 },
  { path: '/truncated.dvq', type: FileError, message: /cannot fetch \(after \d+ bytes of the body\): terminated/, ms: 5000 },
  { path: '/truncated-chunked.dvq', type: DvqFormatError, message: /truncated: the data ends after \d+ bytes/, ms: 5000 },
  { path: '/missing.dvq', type: FileError, code: 'EHTTP', message: /cannot fetch: HTTP 404 Not Found/, ms: 5000 },
  { path: '/stall-body.dvq', abortAfterMs: 200, type: Error, message: /^loading http:\/\/127\.0\.0\.1:\d+\/stall-body\.dvq was cancelled$/, ms: 3000 },
];

for (const c of cases) {
  t.test(`${c.path}${c.opts ? ` ${JSON.stringify(c.opts)}` : ''}${c.abortAfterMs ? ' aborted' : ''}`, async (t) => {
    const ac = new AbortController();
    const timer = c.abortAfterMs ? setTimeout(() => ac.abort(), c.abortAfterMs) : undefined;
    const u = url(c.path);
    const m = await measured(() => fetchIndexData(u, { ...c.opts, ...(c.abortAfterMs ? { signal: ac.signal } : {}) }));
    clearTimeout(timer);
    const e = m.error as Error & { code?: string; reason?: string; path?: string };
    t.ok(e instanceof c.type, `a ${c.type.name}: ${e?.constructor?.name}: ${e?.message}`);
    if (c.abortAfterMs) t.equal(e?.name, 'AbortError', 'named AbortError');
    if (c.code) t.equal(e?.reason, c.code, `reason ${c.code}`);
    if (e instanceof FileError) t.equal(e.path, u, 'FileError.path is the URL');
    t.ok(e?.message.includes(u), 'the message names the URL');
    t.match(e?.message, c.message, 'the message says what went wrong');
    t.ok(m.ms < c.ms, `ends in ${m.ms.toFixed(0)} ms (bound ${c.ms} ms)`);
    t.ok(m.arrayBuffers < BOUND && m.rss < BOUND,
      `memory bounded: ArrayBuffers +${(m.arrayBuffers / MB).toFixed(1)} MB, RSS +${(m.rss / MB).toFixed(1)} MB (bound ${(BOUND / MB).toFixed(0)} MB)`);
    const stopped = serverSent.get(c.path);
    if (stopped) {
      const sent = await Promise.race([stopped, new Promise<number>((ok) => setTimeout(() => ok(Infinity), 5000))]);
      t.ok(sent < 64 * MB, `the server stopped after ${(sent / MB).toFixed(1)} MB of its endless body`);
    }
  });
}

t.test('a signal aborted before the call, and a refused connection', async (t) => {
  const ac = new AbortController();
  ac.abort();
  await t.rejects(fetchIndexData(url('/good.dvq'), { signal: ac.signal }), { name: 'AbortError', message: /good\.dvq was cancelled/ });
  const closed = createServer();
  await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
  const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x.dvq`;
  await new Promise((ok) => closed.close(ok));
  const m = await measured(() => fetchIndexData(dead));
  t.ok(m.error instanceof FileError, 'a FileError');
  t.equal((m.error as FileError).reason, 'ECONNREFUSED', 'reason ECONNREFUSED');
  t.match((m.error as Error).message, `${dead}: cannot fetch: fetch failed`, 'names the URL');
});
