// `distill-vq distill` on indexes that Faiss trained (Debian's python3-faiss 1.7.3, /usr/bin/python3): an OPQ index
// with Faiss's sequential ids, written back as a Faiss file directly, and a plain IVFPQ index with Faiss ids given
// by --ids, written as .dvq and exported with export-faiss. Faiss reads each output and its search equals ours;
// the report names the start and says whether validation improved. Mismatched inputs are refused before any work
// (exit 1 or 2, nothing written). `train --distill` starts from OPQ unless --no-opq.
// Runs the compiled CLI (bin/distill-vq.js -> dist/; npm test's pretest builds it). The Faiss cases are skipped
// (with a message) only when /usr/bin/python3 cannot import faiss.
import t, { type Test } from 'tap';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fvecs, freshSeed, getEngine, randomF32, rng } from './helpers.js';
import { randomIvfPq } from './fixtures/random-ivfpq.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { readIndexData, writeIndexData } from '../src/io/index-file.js';
import { encodeIvecs, parseVectors } from '../src/io/vectors.js';
import { readIntVectors } from '../src/io/vectors-node.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/distill-vq.js');
const built = existsSync(join(root, 'dist/cli/main.js'));
const PY = '/usr/bin/python3';
const HELPER = join(root, 'test/fixtures/faiss_helper.py');
const env = { ...process.env, OMP_NUM_THREADS: '1' }; // Faiss' OpenMP spin-waits badly on a busy 2-core machine
const probe = spawnSync(PY, ['-c', 'import faiss'], { env, encoding: 'utf8' });
const noFaiss = probe.status === 0 ? false : `${PY} cannot import faiss (${(probe.stderr || String(probe.error)).trim().split('\n').pop()}); install python3-faiss`;
const skipCli = built ? false : 'dist/ is not built (npm run build)';

const dir = mkdtempSync(join(tmpdir(), 'dvq-distill-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const seed = freshSeed();
t.comment(`seed ${seed}`);
const r = rng(seed);

interface Run { code: number | null; stdout: string; stderr: string }
function cli(args: string[]): Run {
  const p = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  return { code: p.status, stdout: p.stdout, stderr: p.stderr };
}
/** The same, without blocking: the refusals run two at a time (they are mostly Node's start-up). */
function cliAsync(args: string[]): Promise<Run> {
  return new Promise((done) => {
    const c = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    let stdout = '', stderr = '';
    c.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    c.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    c.on('close', (code) => done({ code, stdout, stderr }));
  });
}
function json(t: Test, run: Run, what: string): Record<string, any> {
  t.equal(run.code, 0, `${what}: exit 0 ${run.code === 0 ? '' : run.stderr.slice(-800)}`);
  return JSON.parse(run.stdout || '{}') as Record<string, any>;
}
function py(args: string[]): void {
  execFileSync(PY, [HELPER, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Builds a small index with Faiss (random data) in a new folder: index.faiss, base.fvecs, ids.ivecs, queries.fvecs. */
function faissBuild(factory: string, metric: 'ip' | 'l2', d: number, n: number, seq: boolean): string {
  const out = mkdtempSync(join(dir, 'build-'));
  py(['build', factory, metric, String(d), String(n), String(seed % 100000), out, ...(seq ? ['seq'] : [])]);
  return out;
}

/** Faiss's search of `file` equals ours: the same scores rank by rank, the same ids except among equal scores. */
async function sameSearch(t: Test, file: string, queries: string, k: number, nprobe: number, label: string): Promise<void> {
  const of = join(dir, 'faiss-out.bin');
  py(['search', file, queries, String(k), String(nprobe), of]);
  const raw = readFileSync(of);
  const q = parseVectors(queries, new Uint8Array(readFileSync(queries)));
  const fIds = new BigInt64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + q.n * k * 8));
  const fScores = new Float32Array(raw.buffer.slice(raw.byteOffset + q.n * k * 8, raw.byteOffset + q.n * k * 12));
  const engine = await getEngine(t);
  const index = await IvfPqIndex.load(engine, file);
  const ours = await index.search(q.data, { k, nprobe });
  index.dispose();
  let bad = 0;
  const msgs: string[] = [];
  for (let i = 0; i < q.n * k; i++) {
    const tol = 1e-4 * Math.max(1, Math.abs(fScores[i]!));
    if (!(Math.abs(ours.scores[i]! - fScores[i]!) <= tol)) { bad++; msgs.push(`q${Math.floor(i / k)} rank ${i % k}: ours ${ours.scores[i]} faiss ${fScores[i]}`); continue; }
    if (ours.ids[i] === Number(fIds[i])) continue;
    // a different id at this rank is a tie only if Faiss ranks ours at an equal score within the query
    const row = Math.floor(i / k) * k;
    let tie = false;
    for (let j = row; j < row + k; j++) if (Number(fIds[j]) === ours.ids[i] && Math.abs(fScores[j]! - fScores[i]!) <= tol) tie = true;
    if (!tie && i % k !== k - 1) { bad++; msgs.push(`q${Math.floor(i / k)} rank ${i % k}: ours id ${ours.ids[i]} faiss ${fIds[i]}`); }
  }
  t.equal(bad, 0, `${label}: Faiss's search of the output equals ours (${q.n} queries, k ${k}, nprobe ${nprobe}) ${msgs.slice(0, 3).join('; ')}`);
}

/** The report says whether validation improved, and that agrees with its validation recalls. */
function checkReport(t: Test, out: Record<string, any>, start: 'rotated' | 'plain', lrCentroids: number, label: string): void {
  const rep = out.distillInfo;
  t.equal(out.start, start, `${label}: the start is ${start}`);
  t.equal(rep.start, start, `${label}: the report names the start`);
  t.equal(rep.lrCentroids, lrCentroids, `${label}: lrCentroids ${lrCentroids} (the default from this start)`);
  const v = rep.validationRecall as number[];
  t.equal(v.length, rep.epochs + 1, `${label}: validation recall at the start and after each epoch`);
  t.equal(out.improved, v[rep.bestEpoch]! > v[0]!, `${label}: improved = ${out.improved} agrees with the validation recalls ${v.join(' ')}`);
  t.match(rep.message, out.improved ? /^validation recall@10 0\.\d+ -> 0\.\d+/ : /^no gain: validation recall@10/, `${label}: the message says so`);
  t.equal(out.codesMatching, 1, `${label}: the base encodes with the index's parameters exactly as Faiss stored it`);
}

t.test('an OPQ index Faiss trained, sequential ids: distilled, written as a Faiss file, searched the same by Faiss', { skip: skipCli || noFaiss }, async (t) => {
  const b = faissBuild('OPQ4,IVF8,PQ4np', 'ip', 16, 1500, true);
  const out = join(b, 'out.faissindex');
  const run = cli(['distill', '--index', join(b, 'index.faiss'), '--base', join(b, 'base.fvecs'), '--epochs', '2', '--topk', '20',
    '--nprobe', '3', '--out', out, '--json', '--quiet']);
  const res = json(t, run, 'distill');
  t.match(run.stderr, /\[distill-vq\] distill from a rotated \(OPQ\) start, IVF centroids frozen: (validation recall@10|no gain)/, 'the outcome and the start on stderr');
  checkReport(t, res, 'rotated', 0, 'OPQ');
  t.same([res.format, res.n, res.dim, res.lists, res.m], ['faiss', 1500, 16, 8, 4], 'the summary');
  const back = await readIndexData(out);
  const start = await readIndexData(join(b, 'index.faiss'));
  t.same(Array.from(back.rotation ?? []), Array.from(start.rotation ?? [0]), 'the output keeps the rotation');
  t.same(Array.from(back.centroids), Array.from(start.centroids), 'the IVF centroids stayed frozen');
  t.same(Array.from(back.ids).sort((x, y) => x - y), Array.from({ length: 1500 }, (_, i) => i), 'the output holds ids 0..n-1');
  await sameSearch(t, out, join(b, 'queries.fvecs'), 10, 3, 'OPQ');
});

t.test('an IVFPQ index Faiss trained with its own ids: --ids, .dvq out, export-faiss, searched the same by Faiss', { skip: skipCli || noFaiss }, async (t) => {
  const b = faissBuild('IVF8,PQ4np', 'l2', 16, 1200, false);
  const dvq = join(b, 'out.dvq');
  const refused = cli(['distill', '--index', join(b, 'index.faiss'), '--base', join(b, 'base.fvecs'), '--epochs', '1', '--out', dvq]);
  t.equal(refused.code, 1, 'without --ids the Faiss ids (not 0..n-1) are refused');
  t.match(refused.stderr, /holds id \d+, which is not in 0\.\.1199; the i-th --base vector is taken as the one with id i \(give --ids F/);
  t.notOk(existsSync(dvq), 'nothing written');
  const run = cli(['distill', '--index', join(b, 'index.faiss'), '--base', join(b, 'base.fvecs'), '--ids', join(b, 'ids.ivecs'),
    '--epochs', '2', '--topk', '20', '--loss', 'kl', '--out', dvq, '--json', '--quiet']);
  const res = json(t, run, 'distill --ids');
  checkReport(t, res, 'plain', 1e-4, 'IVFPQ');
  t.equal(res.distillInfo.loss, 'kl', 'the shared distill flags reach the library');
  const back = await readIndexData(dvq);
  const want = (await readIntVectors(join(b, 'ids.ivecs'))).data;
  t.same(Array.from(back.ids).sort((x, y) => x - y), Array.from(want).sort((x, y) => x - y), 'the output holds the ids of --ids');
  const fi = join(b, 'out.faissindex');
  json(t, cli(['export-faiss', '--index', dvq, '--out', fi, '--json']), 'export-faiss');
  await sameSearch(t, fi, join(b, 'queries.fvecs'), 10, 4, 'IVFPQ');
  // a base in another order is caught by its codes (the ids alone cannot tell)
  const x = parseVectors('base.fvecs', new Uint8Array(readFileSync(join(b, 'base.fvecs'))));
  const shuffled = new Float32Array(x.data.length);
  for (let i = 0; i < x.n; i++) shuffled.set(x.data.subarray(((i + 1) % x.n) * 16, ((i + 1) % x.n) * 16 + 16), i * 16);
  writeFileSync(join(b, 'rolled.fvecs'), fvecs(shuffled, 16));
  const rolled = cli(['distill', '--index', join(b, 'index.faiss'), '--base', join(b, 'rolled.fvecs'), '--ids', join(b, 'ids.ivecs'), '--epochs', '1', '--out', join(b, 'rolled.dvq')]);
  t.equal(rolled.code, 1, 'a base out of order: exit 1');
  t.match(rolled.stderr, /only \d+\.\d% of its vectors encode as the index .* stores them \(id by id\); the base is not the vectors the index holds with the ids of --ids/);
  t.notOk(existsSync(join(b, 'rolled.dvq')), 'nothing written');
});

t.test('mismatched inputs are refused before any work, nothing written', { skip: skipCli }, async (t) => {
  const d = randomIvfPq(r, { dim: 8, m: 4, nlist: 4, ntotal: 60 });
  d.ids.set(Array.from({ length: 60 }, (_, i) => i));
  await writeIndexData(join(dir, 'i.dvq'), d);
  await writeIndexData(join(dir, 'empty.dvq'), randomIvfPq(r, { dim: 8, m: 4, nlist: 4, ntotal: 0 }));
  const dup = randomIvfPq(r, { dim: 8, m: 4, nlist: 4, ntotal: 60 });
  dup.ids.set(Array.from({ length: 60 }, (_, i) => Math.min(i, 58)));
  await writeIndexData(join(dir, 'dup.dvq'), dup);
  writeFileSync(join(dir, 'b8.fvecs'), fvecs(randomF32(r, 60 * 8), 8));
  writeFileSync(join(dir, 'b8short.fvecs'), fvecs(randomF32(r, 59 * 8), 8));
  writeFileSync(join(dir, 'b12.fvecs'), fvecs(randomF32(r, 60 * 12), 12));
  writeFileSync(join(dir, 'q12.fvecs'), fvecs(randomF32(r, 10 * 12), 12));
  writeFileSync(join(dir, 'ids59.ivecs'), encodeIvecs(Int32Array.from({ length: 59 }, (_, i) => i), 1));
  writeFileSync(join(dir, 'idsdup.ivecs'), encodeIvecs(Int32Array.from({ length: 60 }, (_, i) => (i === 5 ? 4 : i)), 1));
  writeFileSync(join(dir, 'idsother.ivecs'), encodeIvecs(Int32Array.from({ length: 60 }, (_, i) => i + 1), 1));
  const base = (f = 'b8.fvecs', out = 'o.dvq') => ['distill', '--index', 'i.dvq', '--base', f, '--topk', '10', '--out', out];
  const cases: [string[], 1 | 2, RegExp][] = [
    [['distill', '--base', 'b8.fvecs', '--out', 'o.dvq'], 2, /--index is required/],
    [['distill', '--index', 'i.dvq', '--out', 'o.dvq'], 2, /--base is required/],
    [[...base(), '--epochs', '0'], 2, /--epochs must be an integer in \[1, 1000\], got 0/],
    [[...base(), '--nprobe', '4'], 2, /--nprobe \(the nprobe stored in a Faiss file\) only applies when --out ends in \.faissindex/],
    [[...base(), '--opq'], 2, /unknown option --opq/],
    [base('b12.fvecs'), 1, /--base b12\.fvecs: dimension 12, but the index i\.dvq has dimension 8/],
    [base('b8short.fvecs'), 1, /--base b8short\.fvecs: 59 vectors, but the index i\.dvq holds 60; the base must be the vectors the index holds/],
    [['distill', '--index', 'empty.dvq', '--base', 'b8.fvecs', '--out', 'o.dvq'], 1, /--index empty\.dvq: the index is empty/],
    [['distill', '--index', 'dup.dvq', '--base', 'b8.fvecs', '--topk', '10', '--out', 'o.dvq'], 1, /--index dup\.dvq: holds id 58 twice/],
    [[...base(), '--ids', 'ids59.ivecs'], 1, /--ids ids59\.ivecs: 59 x 1 values; expected one id per base vector \(60 x 1\)/],
    [[...base(), '--ids', 'idsdup.ivecs'], 1, /--ids idsdup\.ivecs: id 4 is given twice/],
    [[...base(), '--ids', 'idsother.ivecs'], 1, /--index i\.dvq: holds id 0, which --ids idsother\.ivecs does not give/],
    [['distill', '--index', 'i.dvq', '--base', 'b8.fvecs', '--out', 'o.dvq'], 1, /--topk 100 is more than the 60 vectors of --base/],
    [[...base(), '--train-queries', 'q12.fvecs'], 1, /--train-queries q12\.fvecs: dimension 12, but the index i\.dvq has dimension 8/],
    [base('b8.fvecs', 'b8.fvecs'), 1, /--out is the same file as --base b8\.fvecs/],
    [base('b8.fvecs', 'i.dvq'), 1, /--out is the same file as --index i\.dvq/],
  ];
  const runs: Run[] = [];
  for (let i = 0; i < cases.length; i += 2) runs.push(...await Promise.all(cases.slice(i, i + 2).map(([args]) => cliAsync(args))));
  for (const [i, [args, code, re]] of cases.entries()) {
    const run = runs[i]!;
    t.equal(run.code, code, `${args.slice(1).join(' ')}: exit ${code}`);
    t.match(run.stderr, re, `${args.slice(1).join(' ')}: the message`);
    t.equal(run.stdout, '', 'nothing on stdout');
  }
  t.notOk(existsSync(join(dir, 'o.dvq')), 'nothing written');
});

t.test('train --distill starts from OPQ unless --no-opq; the centroids freeze from the rotated start', { skip: skipCli }, async (t) => {
  writeFileSync(join(dir, 'tb.fvecs'), fvecs(randomF32(r, 600 * 16), 16));
  const train = (...more: string[]) => ['train', '--base', 'tb.fvecs', '--lists', '4', '--m', '4', '--distill', '--epochs', '1', '--topk', '20', '--quiet', '--json', ...more];
  const opq = json(t, cli(train('--out', 'opq.dvq')), 'train --distill');
  t.equal(opq.opq, true, 'OPQ on by default with --distill');
  t.equal(opq.distillInfo.start, 'rotated', 'the report names the rotated start');
  t.equal(opq.distillInfo.lrCentroids, 0, 'centroids frozen');
  const plain = json(t, cli(train('--no-opq', '--out', 'plain.dvq')), 'train --distill --no-opq');
  t.equal(plain.opq, false, '--no-opq: no rotation');
  t.equal(plain.distillInfo.start, 'plain', 'the plain start');
  t.equal(plain.distillInfo.lrCentroids, 1e-4, 'centroids learned');
  const set = json(t, cli(train('--lr-centroids', '2e-4', '--out', 'set.dvq')), 'train --distill --lr-centroids');
  t.equal(set.distillInfo.lrCentroids, 2e-4, 'a learning rate the user sets is kept from the rotated start');
  const both = cli(['train', '--base', 'tb.fvecs', '--lists', '4', '--m', '4', '--distill', '--opq', '--no-opq', '--out', 'x.dvq']);
  t.equal(both.code, 2, '--opq --no-opq: usage error');
  t.match(both.stderr, /--opq and --no-opq contradict each other/);
  const stray = cli(['train', '--base', 'tb.fvecs', '--lists', '4', '--m', '4', '--no-opq', '--out', 'x.dvq']);
  t.equal(stray.code, 2, '--no-opq without --distill: usage error');
  t.match(stray.stderr, /--no-opq only applies with --distill/);
});
