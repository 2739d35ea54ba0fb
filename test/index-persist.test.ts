// Save -> load gives identical search results; our Faiss export, read by Debian's faiss, returns the same
// top-k as our GPU search (ties aside); the CLI round-trips too.
import t from 'tap';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEngine, rng, randomF32 } from './helpers.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { saveFaissIndex } from '../src/io/faiss-file.js';
import { encodeFvecs } from '../src/io/vectors.js';

const root = resolve(import.meta.dirname, '..');
const PY = '/usr/bin/python3';
const env = { ...process.env, OMP_NUM_THREADS: '1' };
const haveFaiss = spawnSync(PY, ['-c', 'import faiss'], { env }).status === 0;

/** Clustered data so that lists and codes matter (random Gaussian clusters). */
function clustered(seed: number, n: number, dim: number): Float32Array {
  const r = rng(seed);
  const centers = randomF32(r, 12 * dim, 1);
  const x = randomF32(r, n * dim, 0.35);
  for (let i = 0; i < n; i++) { const c = i % 12; for (let j = 0; j < dim; j++) x[i * dim + j]! += centers[c * dim + j]!; }
  return x;
}

async function buildIndex(metric: 'ip' | 'l2', bits: 8 | 4, rotate: boolean) {
  const engine = await getEngine();
  const dim = 32, n = 1500;
  const x = clustered(metric === 'ip' ? 11 : 12, n, dim);
  const index = new IvfPqIndex(engine, { dim, nlist: 10, m: 8, bits, metric });
  let rotation: Float32Array | undefined;
  if (rotate) { // a random orthogonal matrix from Gram-Schmidt
    const r = rng(5), a = randomF32(r, dim * dim);
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < i; j++) { let d = 0; for (let k = 0; k < dim; k++) d += a[i * dim + k]! * a[j * dim + k]!; for (let k = 0; k < dim; k++) a[i * dim + k]! -= d * a[j * dim + k]!; }
      let s = 0; for (let k = 0; k < dim; k++) s += a[i * dim + k]! ** 2; s = Math.sqrt(s);
      for (let k = 0; k < dim; k++) a[i * dim + k]! /= s;
    }
    rotation = a;
  }
  await index.train(x, { seed: 3, ...(rotation ? { rotation } : {}) });
  const ids = Int32Array.from({ length: n }, (_, i) => 3 * i + 1);
  await index.add(x, ids);
  return { index, x, dim, n };
}

t.test('save -> load gives identical search results', async (t) => {
  const engine = await getEngine();
  const { index, x, dim } = await buildIndex('ip', 8, true);
  const dir = mkdtempSync(join(tmpdir(), 'dvq-persist-'));
  const path = join(dir, 'a.dvq');
  await index.save(path);
  const q = x.subarray(0, 50 * dim);
  const before = await index.search(q, { k: 20, nprobe: 3 });
  const fromFile = await IvfPqIndex.load(engine, path);
  const fromBytes = await IvfPqIndex.load(engine, index.toBytes());
  for (const [what, other] of [['file', fromFile], ['bytes', fromBytes]] as const) {
    const after = await other.search(q, { k: 20, nprobe: 3 });
    t.same(Array.from(after.ids), Array.from(before.ids), `${what}: same ids`);
    t.same(Array.from(after.scores), Array.from(before.scores), `${what}: same scores`);
    other.dispose();
  }
  // over HTTP, as .dvq and as a Faiss file, and a Faiss file's bytes: the same index
  const { toFaissBytes } = await import('../src/io/faiss-format.js');
  const bodies: Record<string, Uint8Array> = { '/a.dvq': readFileSync(path), '/a.faiss': toFaissBytes(index.toData()) };
  const server = createServer((req, res) => { const b = bodies[req.url!]; res.statusCode = b ? 200 : 404; res.end(b); });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const loaded = [
      ['URL .dvq', await IvfPqIndex.load(engine, `${base}/a.dvq`, { timeoutMs: 60_000 })],
      ['URL Faiss', await IvfPqIndex.load(engine, new URL(`${base}/a.faiss`))],
      ['Faiss bytes', await IvfPqIndex.load(engine, bodies['/a.faiss']!)],
    ] as const;
    for (const [what, other] of loaded) {
      const after = await other.search(q, { k: 20, nprobe: 3 });
      t.same(Array.from(after.ids), Array.from(before.ids), `${what}: same ids`);
      t.same(Array.from(after.scores), Array.from(before.scores), `${what}: same scores`);
      other.dispose();
    }
    await t.rejects(IvfPqIndex.load(engine, `${base}/none.dvq`), { name: 'FileError', reason: 'EHTTP', message: `${base}/none.dvq: cannot fetch: HTTP 404 Not Found` });
    await t.rejects(IvfPqIndex.load(engine, `${base}/a.dvq`, { maxBytes: 100 }), { name: 'FileError', reason: 'EFBIG' });
  } finally {
    server.close();
  }
  // a failed save leaves the previous file intact (the target folder does not exist -> nothing half-written)
  await t.rejects(index.save(join(dir, 'missing', 'b.dvq')));
  t.ok(existsSync(path));
  // loading garbage names the problem
  writeFileSync(join(dir, 'bad.dvq'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  await t.rejects(IvfPqIndex.load(engine, join(dir, 'bad.dvq')), /dvq/);
  index.dispose();
});

for (const [metric, bits, rotate] of [['ip', 8, false], ['l2', 8, true], ['ip', 4, true]] as const) {
  t.test(`Faiss reads our export and agrees with our GPU search (${metric}, ${bits}-bit${rotate ? ', rotation' : ''})`, { skip: haveFaiss ? false : 'python3-faiss not importable with /usr/bin/python3' }, async (t) => {
    const { index, x, dim } = await buildIndex(metric, bits, rotate);
    const dir = mkdtempSync(join(tmpdir(), 'dvq-faiss-'));
    const nq = 40, k = 10, nprobe = 3;
    const q = x.slice(100 * dim, (100 + nq) * dim);
    for (let i = 0; i < q.length; i++) q[i]! += 0.05 * Math.sin(i); // not exactly database points
    await saveFaissIndex(join(dir, 'index.faiss'), index.toData());
    writeFileSync(join(dir, 'q.fvecs'), encodeFvecs(q, dim));
    execFileSync(PY, [join(root, 'test/fixtures/faiss_helper.py'), 'search', join(dir, 'index.faiss'), join(dir, 'q.fvecs'), String(k), String(nprobe), join(dir, 'out.bin')], { env });
    const raw = readFileSync(join(dir, 'out.bin'));
    const fIds = new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + nq * k * 8));
    const fD = new Float32Array(raw.buffer.slice(raw.byteOffset + nq * k * 8, raw.byteOffset + nq * k * 12));
    const ours = await index.search(q, { k, nprobe });
    let badScore = 0, differ = 0;
    const ip = metric === 'ip';
    for (let qi = 0; qi < nq; qi++) {
      for (let i = 0; i < k; i++) {
        const at = qi * k + i;
        if (Math.abs(fD[at]! - ours.scores[at]!) > 1e-3 * Math.max(1, Math.abs(fD[at]!))) badScore++;
      }
      // ids must agree except among ties: every id scoring clearly better than the k-th score is in both lists
      const kth = ours.scores[qi * k + k - 1]!;
      const tol = 1e-4 * Math.max(1, Math.abs(kth));
      const clear = (ids: ArrayLike<number | bigint>, sc: ArrayLike<number>) => {
        const s = new Set<number>();
        for (let i = 0; i < k; i++) if (ip ? sc[qi * k + i]! > kth + tol : sc[qi * k + i]! < kth - tol) s.add(Number(ids[qi * k + i]));
        return s;
      };
      const a = clear(ours.ids, ours.scores), b = clear(fIds, fD);
      for (const id of a) if (!b.has(id)) differ++;
      for (const id of b) if (!a.has(id)) differ++;
    }
    t.equal(badScore, 0, 'the score at every rank agrees with Faiss');
    t.ok(differ <= Math.ceil(0.01 * nq * k), `ids agree except among ties (${differ} of ${nq * k} differ)`);
    index.dispose();
  });
}

t.test('CLI: train, info, search, eval, export-faiss, import-faiss', { timeout: 600000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dvq-cli-'));
  const dim = 16, n = 800;
  const x = clustered(21, n, dim);
  writeFileSync(join(dir, 'a.fvecs'), encodeFvecs(x.subarray(0, 500 * dim), dim));
  writeFileSync(join(dir, 'b.fvecs'), encodeFvecs(x.subarray(500 * dim), dim));
  writeFileSync(join(dir, 'q.fvecs'), encodeFvecs(x.subarray(0, 30 * dim), dim));
  const cli = (args: string[]) => spawnSync(process.execPath, [join(root, 'bin/distill-vq.js'), ...args], { encoding: 'utf8', env });
  const tr = cli(['train', '--base', join(dir, 'a.fvecs'), join(dir, 'b.fvecs'), '--lists', '4', '--m', '4', '--out', join(dir, 'i.dvq'), '--json']);
  t.equal(tr.status, 0, `train exits 0: ${tr.stderr.slice(-300)}`);
  const summary = JSON.parse(tr.stdout);
  t.equal(summary.n, n, 'both part files were read');
  t.match(tr.stderr, /ETA/, 'progress lines with ETA on stderr');
  const se = cli(['search', '--index', join(dir, 'i.dvq'), '--queries', join(dir, 'q.fvecs'), '--k', '5', '--nprobe', '2', '--out', join(dir, 'ids.ivecs'), '--json']);
  t.equal(se.status, 0, `search exits 0: ${se.stderr.slice(-300)}`);
  t.equal(readFileSync(join(dir, 'ids.ivecs')).length, 30 * (5 + 1) * 4, 'ids.ivecs has 30 rows of 5');
  // ground truth = exact search, so recall@1 of the first query (a database point) is computed by eval
  const gt = new Int32Array(30 * 10);
  for (let i = 0; i < 30; i++) {
    const s = Array.from({ length: n }, (_, j) => { let d = 0; for (let c = 0; c < dim; c++) d += x[i * dim + c]! * x[j * dim + c]!; return [d, j] as [number, number]; });
    s.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (let c = 0; c < 10; c++) gt[i * 10 + c] = s[c]![1];
  }
  const { encodeIvecs } = await import('../src/io/vectors.js');
  writeFileSync(join(dir, 'gt.ivecs'), encodeIvecs(gt, 10));
  const ev = cli(['eval', '--index', join(dir, 'i.dvq'), '--queries', join(dir, 'q.fvecs'), '--gt', join(dir, 'gt.ivecs'), '--nprobe', '4', '--json']);
  t.equal(ev.status, 0, `eval exits 0: ${ev.stderr.slice(-300)}`);
  const e = JSON.parse(ev.stdout);
  for (const key of ['recall@1', 'recall@10', 'qps']) t.type(e[key], 'number', `eval reports ${key}`);
  t.ok(e['recall@10'] > 0.3 && e['recall@10'] <= 1, `recall@10 is a fraction: ${e['recall@10']}`);
  t.equal(cli(['info', '--index', join(dir, 'i.dvq'), '--json']).status, 0, 'info exits 0');
  t.equal(cli(['export-faiss', '--index', join(dir, 'i.dvq'), '--out', join(dir, 'i.faiss')]).status, 0, 'export-faiss exits 0');
  t.equal(cli(['import-faiss', '--in', join(dir, 'i.faiss'), '--out', join(dir, 'back.dvq')]).status, 0, 'import-faiss exits 0');
  t.same(readFileSync(join(dir, 'back.dvq')), readFileSync(join(dir, 'i.dvq')), 'dvq -> faiss -> dvq is byte-identical');
  const bad = cli(['train', '--base', join(dir, 'a.fvecs'), '--lists', '4', '--m', '5', '--out', join(dir, 'x.dvq')]);
  t.equal(bad.status, 1, 'bad m is refused');
  t.match(bad.stderr, /not divisible/, 'with a message naming the problem');
  t.notOk(existsSync(join(dir, 'x.dvq')), 'and nothing is written');
  const typo = cli(['search', '--index', join(dir, 'i.dvq'), '--queris', 'x']);
  t.equal(typo.status, 2, 'unknown options are usage errors');
  // train --distill with the tuning flags: they reach the library (its report says what it used)
  const dv = cli(['train', '--base', join(dir, 'a.fvecs'), '--lists', '4', '--m', '4', '--distill', '--train-queries', join(dir, 'q.fvecs'),
    '--epochs', '1', '--topk', '10', '--lr-codebooks', '5e-4', '--lr-centroids', '0', '--assign-temperature', '0.001', '--pseudo-queries', '50',
    '--out', join(dir, 'd.dvq'), '--json', '--quiet']);
  t.equal(dv.status, 0, `train --distill exits 0: ${dv.stderr.slice(-300)}`);
  const info = JSON.parse(dv.stdout).distillInfo;
  t.equal(info.assignTemperature, 0.001, '--assign-temperature is used');
  t.equal(info.trainQueries + info.validationQueries, 30 + 50, '--train-queries plus --pseudo-queries');
  const badLr = cli(['train', '--base', join(dir, 'a.fvecs'), '--lists', '4', '--m', '4', '--distill', '--lr-codebooks', 'fast', '--out', join(dir, 'y.dvq')]);
  t.equal(badLr.status, 2, 'a non-numeric learning rate is a usage error');
  t.match(badLr.stderr, /--lr-codebooks must be a number/);
});
