// Shards: train once, add pieces of the data to copies of the trained index, merge them (mergeIvfPq / `distill-vq
// merge`) or search them together (searchShards / `search` with several --index). The oracle is one index that
// adds all the vectors in the same order: its .dvq bytes and its search results must be exactly the merged ones.
// Errors: quantizers that differ, ids two shards share, id offsets past 2^31-1, an output that is an input.
// The Faiss oracle (when /usr/bin/python3 has faiss): Faiss's own IndexIVF.merge_from of our exported shards writes
// the same bytes as our merged index exported.
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getEngine, rng, freshSeed, randomF32 } from './helpers.js';
import { randomIvfPq } from './fixtures/random-ivfpq.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { mergeIvfPq, quantizerDifference } from '../src/io/merge.js';
import { searchShards, mergeShardResults, listOfData } from '../src/index/shard-search.js';
import { toBytes } from '../src/io/dvq-format.js';
import { toFaissBytes } from '../src/io/faiss-format.js';
import { encodeFvecs } from '../src/io/vectors.js';
import type { IvfPqData } from '../src/io/ivfpq-data.js';
import type { SearchResult } from '../src/index/search.js';
import { InputError } from '../src/util/errors.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed}`);
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/distill-vq.js');
const built = existsSync(join(root, 'dist/cli/main.js'));
const dir = mkdtempSync(join(tmpdir(), 'dvq-shards-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** Splits n rows into pieces of the given sizes (their sum is n). */
function pieces(x: Float32Array, dim: number, sizes: number[]): { rows: Float32Array; start: number }[] {
  let start = 0;
  return sizes.map((s) => { const p = { rows: x.subarray(start * dim, (start + s) * dim), start }; start += s; return p; });
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

t.test('shards added to copies of one trained index merge into exactly the index that adds everything', async (t) => {
  const engine = await getEngine(t);
  const cases = [
    { metric: 'ip' as const, dim: 16, nlist: 7, m: 4, bits: 8 as const, opq: false, sizes: [1, 97, 0, 203] },
    { metric: 'l2' as const, dim: 12, nlist: 5, m: 6, bits: 4 as const, opq: false, sizes: [131, 1, 69] },
    { metric: 'l2' as const, dim: 8, nlist: 3, m: 2, bits: 8 as const, opq: true, sizes: [53, 53, 53, 141] },
  ];
  for (const c of cases) {
    const label = `${c.metric} dim ${c.dim} nlist ${c.nlist} m ${c.m} bits ${c.bits}${c.opq ? ' opq' : ''} shards ${c.sizes.join('+')}`;
    const n = c.sizes.reduce((s, x) => s + x, 0);
    const x = randomF32(r, n * c.dim);
    const trained = new IvfPqIndex(engine, c);
    await trained.train(x, { seed: 7, opq: c.opq });
    const empty = trained.toData();
    // the one index: everything added in order, ids 0..n-1
    await trained.add(x);
    const whole = trained.toData();
    trained.dispose();
    const shards: IvfPqData[] = [];
    for (const p of pieces(x, c.dim, c.sizes)) {
      const s = IvfPqIndex.fromData(engine, empty);
      if (p.rows.length) await s.add(p.rows, Int32Array.from({ length: p.rows.length / c.dim }, (_, i) => p.start + i));
      shards.push(s.toData());
      s.dispose();
    }
    const before = shards.map(toBytes);
    const merged = mergeIvfPq(shards);
    t.ok(same(toBytes(merged), toBytes(whole)), `${label}: merged .dvq bytes = one add of all vectors`);
    t.ok(shards.every((s, i) => same(toBytes(s), before[i]!)), `${label}: the shards are left unchanged`);
    t.not(merged.centroids, shards[0]!.centroids, `${label}: the result has its own tables`);

    // searching the shards together = searching the merged index, ids and scores bit for bit
    const q = randomF32(r, 23 * c.dim);
    const mergedIndex = IvfPqIndex.fromData(engine, merged);
    const live = shards.map((s) => IvfPqIndex.fromData(engine, s));
    for (const [k, nprobe] of [[1, 1], [10, 2], [Math.min(n, 150), c.nlist]] as const) {
      const want = await mergedIndex.search(q, { k, nprobe });
      const got = await searchShards(live, q, { k, nprobe });
      t.same(Array.from(got.ids), Array.from(want.ids), `${label} k ${k} nprobe ${nprobe}: searchShards ids = the merged index's`);
      t.ok(same(new Uint8Array(got.scores.buffer), new Uint8Array(want.scores.buffer)), `${label} k ${k} nprobe ${nprobe}: scores bit for bit (NaN padding included)`);
    }
    mergedIndex.dispose();
    live.forEach((s) => s.dispose());
  }
});

t.test('equal scores across shards come out in the merged index order', async (t) => {
  const engine = await getEngine(t);
  const dim = 8, nlist = 4;
  const base = randomF32(r, 40 * dim);
  const trained = new IvfPqIndex(engine, { dim, nlist, m: 4, metric: 'l2' });
  await trained.train(randomF32(r, 300 * dim), { seed: 3 });
  const empty = trained.toData();
  trained.dispose();
  // every vector three times, once in each shard, with ids that decrease from shard to shard: ties everywhere
  const ids = (s: number) => Int32Array.from({ length: 40 }, (_, i) => (2 - s) * 1000 + i);
  const all = new Float32Array(3 * 40 * dim);
  for (let s = 0; s < 3; s++) all.set(base, s * 40 * dim);
  const one = IvfPqIndex.fromData(engine, empty);
  await one.add(all, Int32Array.from([...ids(0), ...ids(1), ...ids(2)]));
  const shards = [0, 1, 2].map((s) => IvfPqIndex.fromData(engine, empty));
  for (let s = 0; s < 3; s++) await shards[s]!.add(base, ids(s));
  const q = randomF32(r, 9 * dim);
  for (const k of [3, 20, 120]) {
    const want = await one.search(q, { k, nprobe: 3 });
    const got = await searchShards(shards, q, { k, nprobe: 3 });
    t.same(Array.from(got.ids), Array.from(want.ids), `k ${k}: tied scores ordered as in the merged index (list, then shard)`);
  }
  one.dispose();
  shards.forEach((s) => s.dispose());
});

t.test('mergeShardResults: best score first, ties by list, then shard, then rank; padding', async (t) => {
  // a float64 reference: all hits sorted by (score, list, shard, rank)
  for (const metric of ['ip', 'l2'] as const) {
    const nq = 5, shards = 3, lists = 4;
    const listOfId = new Map<string, number>();
    const results: SearchResult[] = [];
    for (let s = 0; s < shards; s++) {
      const k = [1, 4, 6][s]!;
      const ids = new Int32Array(nq * k).fill(-1), scores = new Float32Array(nq * k).fill(NaN);
      for (let q = 0; q < nq; q++) {
        const have = Math.floor(r() * (k + 1)); // some rows padded
        const sc = Array.from({ length: have }, () => Math.floor(r() * 4)).sort((a, b) => (metric === 'ip' ? b - a : a - b));
        for (let j = 0; j < have; j++) {
          const id = s * 100 + q * 10 + j;
          ids[q * k + j] = id; scores[q * k + j] = sc[j]!;
          listOfId.set(`${s}:${id}`, Math.floor(r() * lists));
        }
        // a shard's own order of ties is by list (database position)
        const row = Array.from({ length: have }, (_, j) => ({ id: ids[q * k + j]!, s: scores[q * k + j]! }));
        row.sort((a, b) => (metric === 'ip' ? b.s - a.s : a.s - b.s) || listOfId.get(`${s}:${a.id}`)! - listOfId.get(`${s}:${b.id}`)!);
        row.forEach((h, j) => { ids[q * k + j] = h.id; scores[q * k + j] = h.s; });
      }
      results.push({ ids, scores, k, nq });
    }
    let asked = 0;
    const got = mergeShardResults(results, 8, metric, (s, id) => { asked++; return listOfId.get(`${s}:${id}`)!; });
    for (let q = 0; q < nq; q++) {
      const hits: { id: number; score: number; list: number; shard: number; rank: number }[] = [];
      results.forEach((res, s) => {
        for (let j = 0; j < res.k; j++) if (res.ids[q * res.k + j]! >= 0) hits.push({ id: res.ids[q * res.k + j]!, score: res.scores[q * res.k + j]!, list: listOfId.get(`${s}:${res.ids[q * res.k + j]}`)!, shard: s, rank: j });
      });
      hits.sort((a, b) => (metric === 'ip' ? b.score - a.score : a.score - b.score) || a.list - b.list || a.shard - b.shard || a.rank - b.rank);
      const want = Array.from({ length: 8 }, (_, j) => hits[j]?.id ?? -1);
      t.same(Array.from(got.ids.subarray(q * 8, q * 8 + 8)), want, `${metric} query ${q}: merged ids`);
      const padded = Array.from(got.scores.subarray(q * 8 + Math.min(8, hits.length), q * 8 + 8));
      t.ok(padded.every(Number.isNaN), `${metric} query ${q}: ${padded.length} missing results are NaN`);
    }
    t.ok(asked > 0, `${metric}: ties asked for lists (${asked} look-ups)`);
  }
  t.throws(() => mergeShardResults([], 1, 'ip', () => 0), InputError, 'no results');
});

t.test('listOfData finds the list of an id', async (t) => {
  const d = randomIvfPq(r, { nlist: 9, ntotal: 300, emptyLists: true });
  d.ids.set(Int32Array.from({ length: 300 }, (_, i) => (i * 7919) % 1000003));
  const listOf = listOfData([() => d]);
  let bad = 0;
  for (let l = 0; l < d.nlist; l++) for (let i = d.listOffsets[l]!; i < d.listOffsets[l + 1]!; i++) if (listOf(0, d.ids[i]!) !== l) bad++;
  t.equal(bad, 0, 'every id maps to its list');
  t.throws(() => listOf(0, 5), /does not hold/, 'an id the shard does not hold');
});

t.test('mergeIvfPq refuses what cannot be merged, naming the problem', async (t) => {
  const base = randomIvfPq(r, { dim: 8, nlist: 4, m: 4, ntotal: 60, rotation: true });
  base.ids.set(Int32Array.from({ length: 60 }, (_, i) => i));
  const other = (f: (d: IvfPqData) => IvfPqData): IvfPqData => {
    const d = f({ ...base, rotation: base.rotation!.slice(), centroids: base.centroids.slice(), codebooks: base.codebooks.slice(), ids: base.ids.map((i) => i + 1000) });
    return d;
  };
  t.throws(() => mergeIvfPq([]), /no indexes to merge/, 'empty input');
  const flip = (a: Float32Array, i: number): Float32Array => { const b = a.slice(); new Uint32Array(b.buffer)[i]! ^= 1; return b; };
  const cases: [string, IvfPqData, RegExp][] = [
    ['metric', other((d) => ({ ...d, metric: 'ip' })), /has metric ip \(not l2\)/],
    ['bits', randomIvfPq(r, { dim: 8, nlist: 4, m: 4, bits: 4, ntotal: 3 }), /has bits 4 \(not 8\)/],
    ['nlist', randomIvfPq(r, { dim: 8, nlist: 5, m: 4, ntotal: 3 }), /has nlist 5 \(not 4\)/],
    ['m', randomIvfPq(r, { dim: 8, nlist: 4, m: 2, ntotal: 3 }), /has m 2 \(not 4\)/],
    ['dim', randomIvfPq(r, { dim: 12, nlist: 4, m: 4, ntotal: 3 }), /has dim 12 \(not 8\)/],
    ['no rotation', other((d) => ({ ...d, rotation: null })), /has no rotation \(the first has one\)/],
    ['rotation one bit off', other((d) => ({ ...d, rotation: flip(d.rotation!, 5) })), /has another rotation/],
    ['centroids one bit off', other((d) => ({ ...d, centroids: flip(d.centroids, 31) })), /has other IVF centroids/],
    ['codebooks one bit off', other((d) => ({ ...d, codebooks: flip(d.codebooks, 100) })), /has other PQ codebooks/],
    ['0 and -0 in the codebooks', other((d) => { const c = d.codebooks.slice(); c[0] = 0; return { ...d, codebooks: c }; }), /has other PQ codebooks/],
  ];
  const withZero = { ...base, codebooks: base.codebooks.slice() };
  withZero.codebooks[0] = -0;
  for (const [name, d, re] of cases) {
    const first = name.startsWith('0 and') ? withZero : base;
    t.throws(() => mergeIvfPq([first, d], { names: ['a.dvq', 'b.dvq'] }), re, `${name}: refused`);
    t.throws(() => mergeIvfPq([first, d], { names: ['a.dvq', 'b.dvq'] }), /b\.dvq was trained with other quantizers than a\.dvq/, `${name}: names both files`);
    t.type(quantizerDifference(first, d), 'string');
  }
  t.equal(quantizerDifference(base, other((d) => d)), null, 'copies of one index have the same quantizers');

  // ids: an overlap between two shards is refused naming an id and both shards; repeats inside one shard are kept
  const a = other((d) => ({ ...d, ids: Int32Array.from({ length: 60 }, (_, i) => i * 2) }));
  const b = other((d) => ({ ...d, ids: Int32Array.from({ length: 60 }, (_, i) => 1001 + i) }));
  const c = other((d) => ({ ...d, ids: Int32Array.from({ length: 60 }, (_, i) => (i === 59 ? 1030 : 5000 + i)) }));
  t.throws(() => mergeIvfPq([a, b, c]), /id 1030 is in both shard 1 and shard 2: shards must hold disjoint ids/, 'overlap named');
  const rep = other((d) => ({ ...d, ids: Int32Array.from({ length: 60 }, (_, i) => 9000 + (i % 7)) }));
  const m = mergeIvfPq([a, rep]);
  t.equal(m.ids.length, 120, 'an id repeated inside one shard is no overlap');
  t.throws(() => mergeIvfPq([a, { ...b, ids: b.ids.map(() => -3) }]), /mergeIvfPq: shard 1: id at position 0 is negative/, 'invalid data is named');
  t.ok(mergeIvfPq([a]).ids !== a.ids && same(toBytes(mergeIvfPq([a])), toBytes(a)), 'one shard: a copy of it');
});

t.test('searchShards refuses shards with other quantizers and a k over their total', async (t) => {
  const engine = await getEngine(t);
  const dim = 8;
  const x = randomF32(r, 300 * dim);
  const a = new IvfPqIndex(engine, { dim, nlist: 3, m: 2 });
  await a.train(x, { seed: 1 });
  const b = new IvfPqIndex(engine, { dim, nlist: 3, m: 2 });
  await b.train(x, { seed: 2 });
  await a.add(x.subarray(0, 10 * dim));
  await b.add(x.subarray(10 * dim, 20 * dim), Int32Array.from({ length: 10 }, (_, i) => 10 + i));
  const q = randomF32(r, 2 * dim);
  await t.rejects(searchShards([a, b], q, { k: 3, nprobe: 1 }), /shard 1 was trained with other quantizers than shard 0: it has other IVF centroids/);
  const a2 = IvfPqIndex.fromData(engine, { ...a.toData(), ids: Int32Array.from({ length: 10 }, (_, i) => 100 + i) });
  await t.rejects(searchShards([a, a2], q, { k: 21, nprobe: 1 }), /k = 21 is larger than the 20 vectors in the shards/);
  await t.rejects(searchShards([], q, { k: 1, nprobe: 1 }), /no shards/);
  const got = await searchShards([a, a2], q, { k: 20, nprobe: 3 });
  t.equal(got.ids.filter((i) => i >= 0).length, 40, 'k = the total size: every vector of both shards');
  [a, b, a2].forEach((i) => i.dispose());
});

// ----------------------------------------------------------------------------------------------------- the CLI
interface Run { code: number | null; stdout: string; stderr: string }
function cli(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (b) => { stdout += b; });
  child.stderr.on('data', (b) => { stderr += b; });
  return new Promise((done) => child.on('exit', (code) => done({ code, stdout, stderr })));
}
async function ok(t: Test, args: string[]): Promise<Record<string, unknown>> {
  const res = await cli([...args, '--json', '--quiet']);
  t.equal(res.code, 0, `${args.slice(0, 1).join(' ')} exits 0 ${res.stderr.split('\n').filter((l) => !l.startsWith('Warning')).join(' ').slice(-300)}`);
  return res.code === 0 ? JSON.parse(res.stdout.trim().split('\n').pop()!) as Record<string, unknown> : {};
}
async function fails(t: Test, args: string[], code: number, re: RegExp, label: string): Promise<void> {
  const res = await cli(args);
  t.equal(res.code, code, `${label}: exit ${code}`);
  t.match(res.stderr, re, `${label}: message`);
}
const file = (name: string): Buffer => readFileSync(join(dir, name));

t.test('distill-vq train --no-add, add, merge, search over shards', { skip: !built && 'dist/ is not built (npm run build)' }, async (t) => {
  const dim = 16, sizes = [150, 1, 149];
  const x = randomF32(r, 300 * dim);
  writeFileSync(join(dir, 'all.fvecs'), encodeFvecs(x, dim));
  pieces(x, dim, sizes).forEach((p, i) => writeFileSync(join(dir, `part${i}.fvecs`), encodeFvecs(p.rows, dim)));
  writeFileSync(join(dir, 'q.fvecs'), encodeFvecs(randomF32(r, 20 * dim), dim));
  const train = ['train', '--base', 'all.fvecs', '--lists', '6', '--m', '4', '--metric', 'l2', '--seed', '5'];
  const [tr] = await Promise.all([ok(t, [...train, '--no-add', '--out', 'trained.dvq']), ok(t, [...train, '--out', 'whole.dvq'])]);
  t.match(tr, { command: 'train', n: 300, added: 0 }, 'train --no-add trains on all and saves no vectors');
  const offsets = [0, 150, 151];
  const adds = await Promise.all(sizes.map((_, i) => ok(t, ['add', '--index', 'trained.dvq', '--base', `part${i}.fvecs`, '--id-offset', String(offsets[i]), '--out', `shard${i}.dvq`])));
  t.match(adds[2], { command: 'add', added: 149, firstId: 151, lastId: 299, ntotal: 149 });
  const mg = await ok(t, ['merge', '--index', 'shard0.dvq', 'shard1.dvq', '--index', 'shard2.dvq', '--out', 'merged.dvq']);
  t.match(mg, { command: 'merge', shards: 3, ntotal: 300 });
  t.ok(file('merged.dvq').equals(file('whole.dvq')), 'merged shards = train with every vector added, byte for byte');

  const shardSearch = ok(t, ['search', '--index', 'shard0.dvq', 'shard1.dvq', 'shard2.dvq', '--queries', 'q.fvecs', '--k', '10', '--nprobe', '2', '--out', 'shards.ivecs']);
  const wholeSearch = ok(t, ['search', '--index', 'whole.dvq', '--queries', 'q.fvecs', '--k', '10', '--nprobe', '2', '--out', 'whole.ivecs']);
  t.match(await shardSearch, { command: 'search', shards: 3, ntotal: 300, nq: 20 });
  await wholeSearch;
  t.ok(file('shards.ivecs').equals(file('whole.ivecs')), 'search over the three shards = search of the merged index');

  // add to a file that already holds vectors: its ids continue by default; an overlapping --id-offset is refused
  const more = await ok(t, ['add', '--index', 'shard0.dvq', '--base', 'part1.fvecs', '--out', 'more.dvq']);
  t.match(more, { firstId: 150, lastId: 150, ntotal: 151 }, 'the default --id-offset is the index size');
  await Promise.all([
    fails(t, ['add', '--index', 'shard0.dvq', '--base', 'part1.fvecs', '--id-offset', '149', '--out', 'x.dvq'], 1, /already holds id 149, inside the new ids 149\.\.149; choose another --id-offset/, 'add: ids the index holds'),
    fails(t, ['add', '--index', 'trained.dvq', '--base', 'part0.fvecs', '--id-offset', String(2 ** 31 - 100), '--out', 'x.dvq'], 1, /--id-offset 2147483548 with 150 vectors would give ids up to 2147483697, past the largest id 2147483647/, 'add: ids past 2^31-1'),
    fails(t, ['add', '--index', 'trained.dvq', '--base', 'part0.fvecs', '--id-offset', '-1', '--out', 'x.dvq'], 2, /--id-offset must be an integer >= 0 and <= 2147483647, got '-1'/, 'add: negative offset'),
    fails(t, ['add', '--index', 'trained.dvq', '--base', 'q8.fvecs', '--out', 'x.dvq'], 1, /q8\.fvecs/, 'add: a missing file'),
    fails(t, ['merge', '--index', 'shard0.dvq', 'shard1.dvq', '--out', 'shard1.dvq'], 1, /shard1\.dvq: --out is the same file as --index shard1\.dvq; refusing to overwrite an input/, 'merge: output is an input'),
    fails(t, ['merge', '--index', 'shard0.dvq', 'more.dvq', '--out', 'x.dvq'], 1, /id 0 is in both shard0\.dvq and more\.dvq/, 'merge: overlapping ids'),
    fails(t, ['merge', '--out', 'x.dvq'], 2, /--index is required/, 'merge: no inputs'),
  ]);
  t.notOk(existsSync(join(dir, 'x.dvq')), 'nothing written by the refused commands');
  // other quantizers (another seed), another shape: refused at merge and at search
  writeFileSync(join(dir, 'd8.fvecs'), encodeFvecs(randomF32(r, 300 * 8), 8));
  await Promise.all([
    ok(t, ['train', '--base', 'all.fvecs', '--lists', '6', '--m', '4', '--metric', 'l2', '--seed', '6', '--out', 'other.dvq']),
    ok(t, ['train', '--base', 'd8.fvecs', '--lists', '6', '--m', '4', '--metric', 'l2', '--out', 'small.dvq']),
  ]);
  await Promise.all([
    fails(t, ['merge', '--index', 'shard0.dvq', 'other.dvq', '--out', 'x.dvq'], 1, /other\.dvq was trained with other quantizers than shard0\.dvq: it has other IVF centroids/, 'merge: other quantizers'),
    fails(t, ['merge', '--index', 'shard0.dvq', 'small.dvq', '--out', 'x.dvq'], 1, /--index small\.dvq has dim 8 but shard0\.dvq has 16/, 'merge: another shape, from the headers'),
    fails(t, ['search', '--index', 'shard0.dvq', 'other.dvq', '--queries', 'q.fvecs', '--k', '5', '--nprobe', '1', '--out', 'x.ivecs'], 1, /--index other\.dvq was trained with other quantizers than shard0\.dvq/, 'search: other quantizers'),
    fails(t, ['search', '--index', 'shard1.dvq', 'trained.dvq', '--queries', 'q.fvecs', '--k', '2', '--nprobe', '1', '--out', 'x.ivecs'], 1, /--k 2 is larger than the 1 vectors in the --index files/, 'search: k over the total'),
    fails(t, ['add', '--index', 'trained.dvq', '--base', 'd8.fvecs', '--out', 'x.dvq'], 1, /--base d8\.fvecs has dimension 8 but the index trained\.dvq has 16/, 'add: another dimension'),
  ]);
});

// ----------------------------------------------------------------------------------------------------- Faiss
const PY = '/usr/bin/python3';
const env = { ...process.env, OMP_NUM_THREADS: '1' };
const probe = spawnSync(PY, ['-c', 'import faiss'], { env, encoding: 'utf8' });
const noFaiss = probe.status === 0 ? false : `${PY} cannot import faiss; install python3-faiss to run the Faiss oracle`;

// Faiss merges the exported shards itself (IndexIVF::merge_from appends each list of the other index, ids kept)
const MERGE_PY = `
import sys, faiss
out, paths = sys.argv[1], sys.argv[2:]
first = faiss.read_index(paths[0])
ivf = faiss.extract_index_ivf(first)
for p in paths[1:]:
    other = faiss.read_index(p)  # held while its lists are merged (extract_index_ivf does not keep it alive)
    ivf.merge_from(faiss.extract_index_ivf(other), 0)
first.ntotal = ivf.ntotal
faiss.write_index(first, out)
`;

// Faiss's on-disk merge (faiss.contrib.ondisk.merge_ondisk, its recipe for indexes past one machine's RAM) of our
// exported trained index and shards searches as our merged index exported does
const ONDISK_PY = `
import sys, faiss, numpy as np
from faiss.contrib.ondisk import merge_ondisk
trained, merged, ivfdata, qpath, k, nprobe, shards = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7:]
ondisk = faiss.read_index(trained)
merge_ondisk(ondisk, shards, ivfdata)
ours = faiss.read_index(merged)
q = np.fromfile(qpath, dtype='<i4')
q = q.reshape(-1, q[0] + 1)[:, 1:].copy().view('<f4')
out = []
for index in (ondisk, ours):
    faiss.extract_index_ivf(index).nprobe = nprobe
    D, I = index.search(q, k)
    out.append(I)
sys.stdout.write('%d %d %d\\n' % (ondisk.ntotal, ours.ntotal, int((out[0] == out[1]).all())))
`;

t.test('Faiss merges our exported shards into the same file as our merged index exported', { skip: noFaiss }, async (t) => {
  for (const rotation of [false, true]) {
    const base = randomIvfPq(r, { metric: rotation ? 'ip' : 'l2', dim: 16, nlist: 6, m: 8, bits: 8, ntotal: 0, rotation });
    const shards = [37, 0, 101, 1].map((n, s) => {
      const d = randomIvfPq(r, { dim: 16, nlist: 6, m: 8, bits: 8, ntotal: n, emptyLists: s === 2 });
      return { ...base, listOffsets: d.listOffsets, codes: d.codes, ids: Int32Array.from({ length: n }, (_, i) => s * 1000 + i) };
    });
    const paths = shards.map((d, i) => { const p = join(dir, `faiss-shard${i}.faissindex`); writeFileSync(p, toFaissBytes(d)); return p; });
    const outPath = join(dir, 'faiss-merged.faissindex');
    const res = spawnSync(PY, ['-c', MERGE_PY, outPath, ...paths], { env, encoding: 'utf8' });
    t.equal(res.status, 0, `faiss merge_from ran ${res.stderr.slice(-300)}`);
    const ours = toFaissBytes(mergeIvfPq(shards));
    t.ok(readFileSync(outPath).equals(Buffer.from(ours)), `${rotation ? 'with a rotation (IndexPreTransform)' : 'IndexIVFPQ'}: Faiss's merge_from writes our merged export byte for byte`);
    if (rotation) continue; // merge_ondisk takes a bare IndexIVF
    const trainedPath = join(dir, 'faiss-trained.faissindex'), qPath = join(dir, 'faiss-q.fvecs');
    writeFileSync(trainedPath, toFaissBytes(base));
    writeFileSync(qPath, encodeFvecs(randomF32(r, 15 * 16), 16));
    const od = spawnSync(PY, ['-c', ONDISK_PY, trainedPath, outPath, join(dir, 'merged.ivfdata'), qPath, '10', '3', ...paths], { env, encoding: 'utf8' });
    t.equal(od.status, 0, `faiss merge_ondisk ran ${od.stderr.slice(-300)}`);
    t.equal(od.stdout.trim().split('\n').pop(), '139 139 1', 'merge_ondisk of our trained index and shards: 139 vectors, the same search results as our merge');
  }
});
