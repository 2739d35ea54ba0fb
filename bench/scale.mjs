#!/usr/bin/env node
// Scale benchmark: IVFPQ on a million vectors, ours (streamed from files: a training sample, then the base in
// chunks) beside Faiss 1.7.3 IndexIVFPQ on the same files, in the same run.
//
// Usage: npm run bench:scale [-- --n 1000000] [--dims 128,384] [--nlist 1024,4096] [--nq 1000] [--nprobe 16,64]
//        [--repeats 3] [--faiss auto|off] [--threads T] [--out DIR (bench/results)] [--cache DIR (bench/cache/scale)]
//        [--data DIR (the wordnet set)] [--seed 1] [--gt-rows R (base rows per ground-truth chunk, 262144)]
//        [--distill-epochs E (3; 0: no distill phase)] [--train-queries T (4000)] [--name NAME (scale)]
//        [--train-seed S (--seed): both sides' training seed, for the seed-to-seed spread]
// Writes DIR/NAME.json and DIR/NAME.md (--name, default scale; machine, load average, adapter, every figure below).
//
// Data (generated once per --n, --nq and --seed into the cache folder, which git ignores; a folder is complete
// when its meta.json exists):
//   synthetic-128 (metric l2): 1,000 Gaussian centres c_k ~ N(0, I_128); centre k has weight ∝ exp(0.5 h_k),
//     h_k ~ N(0, 1) (mildly unequal cluster sizes). A point is x = R (c_k + s_k ⊙ z), z ~ N(0, I), with the
//     anisotropic noise scales s_kj = (j + 1)^(-1/4) · exp(0.5 g_kj), g_kj ~ N(0, 1) (a decaying spectrum with a
//     per-centre shape), and R one fixed random orthogonal 128 x 128 map (so the noise is not axis-aligned).
//     Queries are further draws of the same mixture.
//   wordnet-384 (metric ip): the 50,000 real 512-d USE embeddings of wordnet-use-lite-512-ip, projected to 384-d
//     by P (384 x 512 with orthonormal rows: a seeded Gaussian matrix, Gram-Schmidt) and normalised; then
//     `copies` noisy copies of each of the first S = min(50,000, ceil(n / 20)) sources, copies = ceil(n / S)
//     (20 for n <= 1M): copy c of source s is row c·S + s, normalise(y_s + 0.35 · z / √384), z ~ N(0, I), so a
//     copy has cosine ≈ 0.94 to its source. Queries are the set's real queries (first --nq), projected, normalised.
//   Training queries (the distill phase; a separate file, train-queries-T.fbin, written on demand beside a complete
//     folder, so the cached base, queries and ground truth stay valid): synthetic-128: T further draws of the same
//     mixture from their own seeds; wordnet-384: the set's real queries after the first --nq (at most 3,000 - nq),
//     projected and normalised as the queries.
//   Ground truth: the exact top-100 of every query by our GPU exact search (exactSearch), the base streamed in
//   chunks and the chunks' top-100 merged on the host (ties to the lower id).
// Index: IVF{nlist},PQ{dim/4}x8 (sub-vectors of 4 dims: PQ32x8 at 128-d, PQ96x8 at 384-d), metric as the data,
// k-means training on train()'s own sample of 256 x max(nlist, 256) rows (read with sampleVectors; at most one
// binding of rows), the base added in chunks (vectorChunks). Faiss: the factory IVF{nlist},PQ{m}x8np (no
// polysemous training) with the same metric, trained on a sample of the same size (drawn by numpy), the base
// memory-mapped and added in chunks of 65,536.
// Distill phase (after save and load, on the loaded index): index.distill({ base: the whole base, read into host
// memory; queries: the training queries }) for E epochs with the library's defaults, then search and recall as
// before. Reported: teacher seconds, seconds per epoch, engine.liveBytes at the end of every epoch and the peak
// GPU bytes within it (flat across epochs when nothing leaks; the teacher's peak is given apart, and includes the
// first step, since the first progress report comes after it), validation recall per epoch, recall before and after.
// Each configuration runs in a fresh child process, so its peak RSS is its own: sampled every 20 ms per phase
// (process.memoryUsage().rss) and the kernel's peak (resourceUsage().maxRSS); peak GPU bytes are engine.liveBytes
// sampled the same way. Search: all queries in one batch, k = 100, the median of --repeats runs after a warm-up.
// Open: the saved file opened with IvfPqIndex.open (ranged reads), one query searched, then every query searched in batches of 100 at the
// first nprobe through a 64 MiB cache: time to open, bytes read per batch, ids equal to the in-memory index's.
// A size that cannot run is refused before any work, naming the limit (the codes of n vectors must fit one storage
// binding, maxStorageBufferBindingSize, and one buffer, maxBufferSize; the data must fit the cache folder's disk).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  writeFileSync, mkdirSync, existsSync, readFileSync, openSync, writeSync, closeSync, fsyncSync, renameSync, rmSync,
  statfsSync, statSync,
} from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import {
  createEngine, readVectors, recallAtK, exactSearch, vectorChunks, sampleVectors, countVectors, trainSampleSize,
  wordsPerVector, IvfPqIndex, mulberry32, formatProgress, writeIvecs, readIntVectors,
} from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const arg = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const log = (s) => process.stderr.write(`[bench:scale] ${s}\n`);
const ints = (s, what) => s.split(',').map((x) => {
  const v = Number(x);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${what}: '${x}' is not a positive integer`);
  return v;
});
const K = 100;
const ADD_CHUNK = 65536;
/** the open phase: queries per search, and the opened index's cache */
const OPEN_BATCH = 100;
const OPEN_CACHE = 64 * 2 ** 20;

if (argv[0] === '--worker') {
  await worker(JSON.parse(argv[1]));
  process.exit(0);
}

const n = ints(arg('n', '1000000'), 'n')[0];
const dims = ints(arg('dims', '128,384'), 'dims');
const nlists = ints(arg('nlist', '1024,4096'), 'nlist');
const nq = ints(arg('nq', '1000'), 'nq')[0];
const nprobes = ints(arg('nprobe', '16,64'), 'nprobe');
const repeats = ints(arg('repeats', '3'), 'repeats')[0];
const seed = Number(arg('seed', '1'));
// the training seed of both sides (the sample and k-means start): several runs with other seeds measure the spread
const trainSeed = Number(arg('train-seed', String(seed)));
if (!Number.isInteger(trainSeed)) throw new Error(`--train-seed must be an integer, got ${arg('train-seed')}`);
const threads = ints(arg('threads', String(os.cpus().length)), 'threads')[0];
const outDir = arg('out', join(root, 'bench/results'));
const cacheDir = arg('cache', join(root, 'bench/cache/scale'));
const wordnetDir = arg('data', join(root, '..', 'shared', 'data', 'wordnet-use-lite-512-ip'));
const faissMode = arg('faiss', 'auto');
const gtRows = ints(arg('gt-rows', String(1 << 18)), 'gt-rows')[0];
const distillEpochs = Number(arg('distill-epochs', '3'));
const reportName = arg('name', 'scale');
if (!/^[\w.-]+$/.test(reportName)) throw new Error(`--name must be a plain file name, got ${reportName}`);
const trainQueryCount = ints(arg('train-queries', '4000'), 'train-queries')[0];
if (!Number.isInteger(distillEpochs) || distillEpochs < 0) throw new Error(`--distill-epochs must be a non-negative integer, got ${arg('distill-epochs')}`);
const python = process.env.FAISS_PYTHON || '/usr/bin/python3';
for (const d of dims) if (d !== 128 && d !== 384) throw new Error(`--dims: ${d} is not a dataset (128: synthetic-128, 384: wordnet-384)`);
if (faissMode !== 'auto' && faissMode !== 'off') throw new Error(`--faiss must be auto or off, got ${faissMode}`);
if (n >= 2 ** 31) throw new Error(`--n ${n}: ids are int32, so an index holds fewer than 2^31 vectors`);

const datasets = dims.map((dim) => (dim === 128
  ? { name: 'synthetic-128', dim, metric: 'l2', m: 32 }
  : { name: 'wordnet-384', dim, metric: 'ip', m: 96 }));
for (const ds of datasets) ds.dir = join(cacheDir, `${ds.name}-n${n}-nq${nq}-s${seed}`);

// ---- refuse what cannot run, before any work ----
{
  const engine = await createEngine();
  const { maxStorageBufferBindingSize: maxBinding, maxBufferSize } = engine.limits;
  const adapter = engine.adapterName;
  engine.dispose();
  const problems = [];
  for (const ds of datasets) {
    for (const nlist of nlists) {
      const codeBytes = n * wordsPerVector(ds.m, 8) * 4;
      if (codeBytes > maxBinding) problems.push(`${ds.name} IVF${nlist},PQ${ds.m}x8: the codes of ${n} vectors are ${codeBytes} bytes, over this device's maxStorageBufferBindingSize (${maxBinding} bytes, ${adapter}); at most ${Math.floor(maxBinding / (wordsPerVector(ds.m, 8) * 4))} vectors`);
      if (codeBytes > maxBufferSize) problems.push(`${ds.name}: the codes of ${n} vectors are ${codeBytes} bytes, over this device's maxBufferSize (${maxBufferSize} bytes)`);
      if (n < Math.max(nlist, 256)) problems.push(`${ds.name} IVF${nlist}: ${n} vectors cannot train ${nlist} lists and 256 codewords (need n >= ${Math.max(nlist, 256)})`);
    }
    if (ds.dim === 384) {
      if (!existsSync(join(wordnetDir, 'dataset.json'))) problems.push(`wordnet-384 needs the wordnet set at ${wordnetDir} (--data)`);
      else if (nq > 3000) problems.push(`wordnet-384 has 3,000 real queries; --nq ${nq} is more`);
    }
    if (n < K) problems.push(`--n ${n}: the ground truth is the top ${K}; need n >= ${K}`);
    if (distillEpochs > 0 && ds.dim === 384 && nq + trainQueryCount > 3000) problems.push(`wordnet-384 has 3,000 real queries: --nq ${nq} for search leaves ${Math.max(0, 3000 - nq)} for training, fewer than --train-queries ${trainQueryCount}`);
  }
  mkdirSync(cacheDir, { recursive: true });
  const need = datasets.filter((ds) => !existsSync(join(ds.dir, 'meta.json'))).reduce((s, ds) => s + 8 + n * ds.dim * 4 + nq * ds.dim * 4 + nq * (K + 1) * 4, 0)
    + Math.max(...datasets.map((ds) => n * (ds.m + 4) * 2 + (64 << 20))); // plus the saved index files (ours, then Faiss's)
  const fsInfo = statfsSync(cacheDir);
  const free = fsInfo.bavail * fsInfo.bsize;
  if (need > free) problems.push(`the cache folder ${cacheDir} has ${free} bytes free; the data and index files need ${need}`);
  if (problems.length) {
    log(`refused before any work:\n  ${problems.join('\n  ')}`);
    process.exit(2);
  }
}

// ---- data ----
for (const ds of datasets) {
  if (existsSync(join(ds.dir, 'meta.json'))) { log(`${ds.name}: cached in ${ds.dir}`); continue; }
  rmSync(ds.dir, { recursive: true, force: true });
  mkdirSync(ds.dir, { recursive: true });
  const t0 = performance.now();
  if (ds.name === 'synthetic-128') await makeSynthetic(ds);
  else await makeWordnet(ds);
  log(`${ds.name}: base and queries written in ${((performance.now() - t0) / 1000).toFixed(1)} s; exact top-${K} on the GPU`);
  await groundTruth(ds);
  writeFileSync(join(ds.dir, 'meta.json'), JSON.stringify({ name: ds.name, n, nq, dim: ds.dim, metric: ds.metric, seed, ...(ds.copies ? { copies: ds.copies } : {}), seconds: (performance.now() - t0) / 1000 }, null, 2) + '\n');
}

if (distillEpochs > 0) for (const ds of datasets) ds.trainQueries = await trainQueriesFile(ds, trainQueryCount);

// ---- runs ----
let faissMissing = faissMode === 'off' ? 'turned off (--faiss off)' : null;
if (!faissMissing) {
  try { execFileSync(python, ['-c', 'import faiss, numpy'], { stdio: 'ignore' }); } catch { faissMissing = `not available (${python} cannot import faiss)`; }
}
if (faissMissing) log(`Faiss ${faissMissing}: reporting ours alone`);
const loadStart = os.loadavg();
const results = {
  n, nq, k: K, nprobes, repeats, seed, trainSeed,
  machine: {
    cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memBytes: os.totalmem(), platform: `${os.platform()} ${os.release()}`,
    node: process.version, loadavgAtStart: loadStart,
  },
  faissMissing, runs: [],
};
for (const ds of datasets) {
  for (const nlist of nlists) {
    const cfg = { dataset: ds.name, dir: ds.dir, dim: ds.dim, metric: ds.metric, nlist, m: ds.m, nprobes, repeats, seed: trainSeed, distillEpochs, trainQueries: ds.trainQueries };
    log(`ours ${ds.name} IVF${nlist},PQ${ds.m}x8: a fresh process`);
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--worker', JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) throw new Error(`the worker of ${ds.name} IVF${nlist} failed (exit ${child.status ?? child.signal})`);
    const ours = JSON.parse(child.stdout.trim().split('\n').pop());
    let faiss = null;
    if (!faissMissing) {
      log(`faiss ${ds.name} IVF${nlist},PQ${ds.m}x8: running (${threads} threads)`);
      const out = execFileSync(python, [
        join(root, 'bench/peers/faiss_ivfpq.py'), '--base', join(ds.dir, 'base.fbin'), '--queries', join(ds.dir, 'queries.fbin'),
        '--gt', join(ds.dir, 'gt.ivecs'), '--metric', ds.metric, '--factory', `IVF${nlist},PQ${ds.m}x8np`,
        '--nprobe', nprobes.join(','), '--repeats', String(repeats), '--threads', String(threads),
        '--train-rows', String(ours.trainRows), '--train-seed', String(trainSeed), '--add-chunk', String(ADD_CHUNK),
        '--save', join(ds.dir, `faiss-IVF${nlist}.faissindex`),
      ], { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
      faiss = JSON.parse(out.trim().split('\n').pop());
    }
    results.runs.push({ dataset: ds.name, dim: ds.dim, metric: ds.metric, config: `IVF${nlist},PQ${ds.m}x8`, nlist, m: ds.m, ours, faiss });
  }
}
results.machine.loadavgAtEnd = os.loadavg();
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `${reportName}.json`), JSON.stringify(results, null, 2) + '\n');
writeFileSync(join(outDir, `${reportName}.md`), markdown(results));
log(`wrote ${join(outDir, reportName)}.json and .md`);

// ---- the measured run of one configuration (a child process) ----
async function worker(cfg) {
  const engine = await createEngine();
  const base = join(cfg.dir, 'base.fbin');
  const phases = {};
  let phase = 'start';
  const peak = (p) => (phases[p] ??= { rssBytes: 0, gpuBytes: 0 });
  const sample = () => {
    const e = peak(phase);
    e.rssBytes = Math.max(e.rssBytes, process.memoryUsage().rss);
    e.gpuBytes = Math.max(e.gpuBytes, engine.liveBytes);
  };
  const timer = setInterval(sample, 20);
  const enter = (p) => { sample(); phase = p; sample(); };
  let last = 0;
  const onProgress = (p) => { if (performance.now() - last > 5000) { last = performance.now(); log(`  ${formatProgress(p)}`); } };
  const sec = (t0) => (performance.now() - t0) / 1000;
  const out = { adapter: engine.adapterName, maxBinding: engine.maxBinding };
  try {
    const { n: nb, dim } = await countVectors(base);
    const index = new IvfPqIndex(engine, { dim, nlist: cfg.nlist, m: cfg.m, bits: 8, metric: cfg.metric });
    out.trainRows = trainSampleSize(nb, cfg.nlist, 256, dim, engine.maxBinding);
    enter('train');
    let t0 = performance.now();
    let xt = await sampleVectors(base, out.trainRows, cfg.seed);
    out.sampleSeconds = sec(t0);
    t0 = performance.now();
    await index.train(xt.data, { seed: cfg.seed, onProgress });
    xt = null; // as the CLI: the sample is dropped before the base is added
    out.trainSeconds = sec(t0);
    enter('add');
    t0 = performance.now();
    for await (const c of vectorChunks(base, { rowsPerChunk: ADD_CHUNK })) {
      await index.add(c.data, Int32Array.from({ length: c.n }, (_, i) => c.firstRow + i));
      onProgress({ phase: 'add', done: c.firstRow + c.n, total: nb, rate: (c.firstRow + c.n) / sec(t0), eta: (nb - c.firstRow - c.n) / ((c.firstRow + c.n) / sec(t0)) });
    }
    out.addSeconds = sec(t0);
    enter('search');
    const q = await readVectors(join(cfg.dir, 'queries.fbin'));
    const truth = await readIntVectors(join(cfg.dir, 'gt.ivecs'));
    await index.search(q.data.subarray(0, Math.min(16, q.n) * dim), { k: K, nprobe: cfg.nprobes[0] }); // uploads the lists, compiles
    out.runs = [];
    const idsAt = {};
    for (const nprobe of cfg.nprobes) {
      const times = [];
      let r;
      for (let i = 0; i < cfg.repeats; i++) {
        t0 = performance.now();
        r = await index.search(q.data, { k: K, nprobe });
        times.push(sec(t0));
      }
      times.sort((a, b) => a - b);
      const s = times[times.length >> 1];
      idsAt[nprobe] = r.ids;
      const run = { nprobe, searchSeconds: s, qps: q.n / s };
      for (const kk of [1, 10, 100]) run[`recall@${kk}`] = recallAtK(r.ids, K, truth.data, truth.dim, q.n, kk);
      out.runs.push(run);
      log(`  nprobe ${nprobe}: R@10 ${run['recall@10'].toFixed(4)} R@100 ${run['recall@100'].toFixed(4)} ${run.qps.toFixed(0)} q/s`);
    }
    enter('save');
    const file = join(cfg.dir, `ours-IVF${cfg.nlist}.dvq`);
    t0 = performance.now();
    await index.save(file);
    out.saveSeconds = sec(t0);
    out.fileBytes = statSync(file).size;
    out.bytesPerVector = index.bytesPerVector;
    index.dispose();
    enter('load');
    t0 = performance.now();
    const loaded = await IvfPqIndex.load(engine, file);
    out.loadSeconds = sec(t0);
    const again = await loaded.search(q.data, { k: K, nprobe: cfg.nprobes[0] });
    out.sameAfterLoad = again.ids.every((id, i) => id === idsAt[cfg.nprobes[0]][i]);
    out.peakRssBeforeDistillBytes = process.resourceUsage().maxRSS * 1024;
    if (cfg.distillEpochs > 0) out.distill = await distillPhase(engine, loaded, cfg, q, truth, { enter, phases, onProgress });
    loaded.dispose();
    // open: the file searched by positioned reads, the probed lists of each batch of OPEN_BATCH queries read through
    // a cache of OPEN_CACHE bytes; the ids must equal the in-memory index's
    enter('open');
    t0 = performance.now();
    const opened = await IvfPqIndex.open(engine, file, { cacheBytes: OPEN_CACHE });
    out.openSeconds = sec(t0);
    out.openHeadBytes = opened.stats.bytesFetched;
    await opened.search(q.data.subarray(0, dim), { k: K, nprobe: cfg.nprobes[0] });
    out.openOneQueryBytes = opened.stats.bytesFetched - out.openHeadBytes; // one query, cold cache
    const openIds = new Int32Array(q.n * K), batchBytes = [];
    t0 = performance.now();
    for (let b0 = 0; b0 < q.n; b0 += OPEN_BATCH) {
      const rows = Math.min(OPEN_BATCH, q.n - b0), before = opened.stats.bytesFetched;
      const r = await opened.search(q.data.subarray(b0 * dim, (b0 + rows) * dim), { k: K, nprobe: cfg.nprobes[0] });
      openIds.set(r.ids, b0 * K);
      batchBytes.push(opened.stats.bytesFetched - before);
    }
    out.openSearchSeconds = sec(t0);
    batchBytes.sort((a, b) => a - b);
    out.open = { ...opened.stats, batch: OPEN_BATCH, cacheBytes: OPEN_CACHE, batchBytesMedian: batchBytes[batchBytes.length >> 1], batchBytesMax: batchBytes[batchBytes.length - 1] };
    out.sameAfterOpen = openIds.every((id, i) => id === idsAt[cfg.nprobes[0]][i]);
    await opened.dispose();
    log(`  open ${out.openSeconds.toFixed(2)} s (${out.openHeadBytes} bytes), ${q.n} queries in batches of ${OPEN_BATCH}: median ${out.open.batchBytesMedian} bytes a batch, same ids: ${out.sameAfterOpen}`);
    rmSync(file, { force: true });
    enter('end');
  } finally {
    clearInterval(timer);
    engine.dispose();
  }
  out.peak = phases;
  out.peakRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify(out) + '\n');
}

// ---- the distill phase of a worker: distills `index` (which holds the base) and measures it ----
async function distillPhase(engine, index, cfg, q, truth, { enter, phases, onProgress }) {
  enter('distill-read');
  const base = await readVectors(join(cfg.dir, 'base.fbin'));
  const tq = await readVectors(cfg.trainQueries);
  const liveAtEpochEnd = [];
  enter('distill-teacher'); // then epoch 1 from its first step; epoch e + 1 from the end of epoch e
  let started = false;
  const report = await index.distill({
    base: base.data, queries: tq.data, epochs: cfg.distillEpochs, seed: cfg.seed,
    onProgress: (p) => {
      if (p.phase === 'distill epoch') {
        liveAtEpochEnd.push(engine.liveBytes);
        log(`  distill epoch ${p.done}/${p.total}: loss ${p.info?.loss?.toFixed?.(5)}, validation R@10 ${p.info?.valRecall10?.toFixed?.(4)}, GPU live ${(engine.liveBytes / 2 ** 20).toFixed(1)} MiB`);
        enter(p.done < p.total ? `distill-${p.done + 1}` : 'distill-end');
      } else {
        if (!started && p.phase === 'distill') { started = true; enter('distill-1'); }
        onProgress(p);
      }
    },
  });
  enter('distill-search');
  const runs = [];
  for (const nprobe of cfg.nprobes) {
    const r = await index.search(q.data, { k: K, nprobe });
    const run = { nprobe };
    for (const kk of [1, 10, 100]) run[`recall@${kk}`] = recallAtK(r.ids, K, truth.data, truth.dim, q.n, kk);
    runs.push(run);
    log(`  distilled, nprobe ${nprobe}: R@10 ${run['recall@10'].toFixed(4)} R@100 ${run['recall@100'].toFixed(4)}`);
  }
  const epochs = report.secondsPerEpoch.length;
  return {
    trainQueries: tq.n, epochs, teacherSeconds: report.teacherSeconds, teacherPeakGpuBytes: phases['distill-teacher']?.gpuBytes ?? null, secondsPerEpoch: report.secondsPerEpoch,
    totalSeconds: report.totalSeconds, liveBytesAtEpochEnd: liveAtEpochEnd,
    peakGpuBytesPerEpoch: Array.from({ length: epochs }, (_, e) => phases[`distill-${e + 1}`]?.gpuBytes ?? null),
    peakRssBytes: Math.max(...Object.entries(phases).filter(([k]) => k.startsWith('distill')).map(([, v]) => v.rssBytes)),
    epochLoss: report.epochLoss, validationRecall: report.validationRecall, bestEpoch: report.bestEpoch,
    improved: report.improved, message: report.message, runs,
  };
}

/** The training queries of the distill phase (see the header), written once beside the cached data; its path. */
async function trainQueriesFile(ds, count) {
  const path = join(ds.dir, `train-queries-${count}.fbin`);
  if (existsSync(path)) return path;
  if (ds.name === 'synthetic-128') {
    const draw = syntheticMixture(ds.dim);
    await writeFbin(path, count, ds.dim, [draw(count, mulberry32(seed * 7919 + 6), gaussian(mulberry32(seed * 7919 + 7)))]);
  } else {
    const meta = JSON.parse(readFileSync(join(wordnetDir, 'dataset.json'), 'utf8'));
    const qs = await readVectors(join(wordnetDir, meta.query_file));
    const P = wordnetProjection(ds.dim, qs.dim);
    const t = project(P, qs.data.subarray(nq * qs.dim, (nq + count) * qs.dim), count, qs.dim, new Float32Array(count * ds.dim));
    normalizeRows(t, count, ds.dim);
    await writeFbin(path, count, ds.dim, [t]);
  }
  log(`${ds.name}: ${count} training queries written to ${path}`);
  return path;
}

// ---- data generation ----
function gaussian(rand) {
  let spare = null;
  return () => {
    if (spare !== null) { const s = spare; spare = null; return s; }
    const u = Math.max(rand(), 1e-12), v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** `rows` x `cols` (rows <= cols) with orthonormal rows: Gram-Schmidt (twice) of a seeded Gaussian matrix. */
function orthonormalRows(rows, cols, g) {
  const a = Array.from({ length: rows }, () => Float64Array.from({ length: cols }, g));
  for (let i = 0; i < rows; i++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        let dot = 0;
        for (let c = 0; c < cols; c++) dot += a[i][c] * a[j][c];
        for (let c = 0; c < cols; c++) a[i][c] -= dot * a[j][c];
      }
    }
    let nrm = 0;
    for (let c = 0; c < cols; c++) nrm += a[i][c] * a[i][c];
    nrm = Math.sqrt(nrm);
    for (let c = 0; c < cols; c++) a[i][c] /= nrm;
  }
  return a;
}

/** y = P x for every row of x (n x cols), P rows x cols; float32 out. */
function project(P, x, nRows, cols, out) {
  const rows = P.length;
  for (let i = 0; i < nRows; i++) {
    const xo = i * cols;
    for (let r = 0; r < rows; r++) {
      const p = P[r];
      let s = 0;
      for (let c = 0; c < cols; c++) s += p[c] * x[xo + c];
      out[i * rows + r] = s;
    }
  }
  return out;
}

function normalizeRows(x, nRows, d) {
  for (let i = 0; i < nRows; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] ** 2;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) x[i * d + j] *= inv;
  }
}

/** Writes a .fbin file from `chunks` (a generator of Float32Array rows), to a temp name then renamed. */
async function writeFbin(path, rows, dim, chunks) {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const head = new Int32Array([rows, dim]);
    writeSync(fd, new Uint8Array(head.buffer));
    let written = 0;
    for await (const c of chunks) {
      const b = new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
      for (let off = 0; off < b.length;) off += writeSync(fd, b, off, b.length - off);
      written += c.length / dim;
    }
    if (written !== rows) throw new Error(`${path}: wrote ${written} rows, expected ${rows}`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The synthetic-128 mixture of the header (its parameters drawn from the run's seed): draw(count, rand, gauss). */
function syntheticMixture(d) {
  const centres = 1000;
  const g = gaussian(mulberry32(seed * 7919 + 1));
  const c = Float32Array.from({ length: centres * d }, g);
  const scale = Float32Array.from({ length: centres * d }, (_, i) => (i % d + 1) ** -0.25 * Math.exp(0.5 * g()));
  const w = Float64Array.from({ length: centres }, () => Math.exp(0.5 * g()));
  const cum = new Float64Array(centres);
  w.reduce((s, v, i) => (cum[i] = s + v), 0);
  const R = orthonormalRows(d, d, g);
  const draw = (count, rand, gg) => {
    const x = new Float32Array(count * d);
    for (let i = 0; i < count; i++) {
      const u = rand() * cum[centres - 1];
      let lo = 0, hi = centres - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid] > u) hi = mid; else lo = mid + 1; }
      for (let j = 0; j < d; j++) x[i * d + j] = c[lo * d + j] + scale[lo * d + j] * gg();
    }
    return project(R, x, count, d, new Float32Array(count * d));
  };
  return draw;
}

async function makeSynthetic(ds) {
  const d = ds.dim;
  const draw = syntheticMixture(d);
  const rand = mulberry32(seed * 7919 + 2), gg = gaussian(mulberry32(seed * 7919 + 3));
  async function* chunks() {
    for (let i = 0; i < n; i += ADD_CHUNK) {
      yield draw(Math.min(ADD_CHUNK, n - i), rand, gg);
      if ((i / ADD_CHUNK) % 4 === 0) log(`  synthetic-128: ${i}/${n} rows`);
    }
  }
  await writeFbin(join(ds.dir, 'base.fbin'), n, d, chunks());
  const qr = mulberry32(seed * 7919 + 4), qg = gaussian(mulberry32(seed * 7919 + 5));
  await writeFbin(join(ds.dir, 'queries.fbin'), nq, d, [draw(nq, qr, qg)]);
}

async function makeWordnet(ds) {
  const meta = JSON.parse(readFileSync(join(wordnetDir, 'dataset.json'), 'utf8'));
  const src = await readVectors(meta.base_files.map((f) => join(wordnetDir, f.file)));
  const S = Math.min(src.n, Math.ceil(n / 20));
  const copies = Math.ceil(n / S);
  const d = ds.dim;
  const P = wordnetProjection(d, src.dim);
  const y = project(P, src.data, S, src.dim, new Float32Array(S * d));
  normalizeRows(y, S, d);
  const ng = gaussian(mulberry32(seed * 7919 + 12));
  const sigma = 0.35 / Math.sqrt(d);
  log(`  wordnet-384: ${S} sources x ${copies} copies`);
  async function* chunks() {
    for (let i = 0; i < n; i += ADD_CHUNK) {
      const rows = Math.min(ADD_CHUNK, n - i);
      const x = new Float32Array(rows * d);
      for (let r = 0; r < rows; r++) {
        const s = (i + r) % S;
        for (let j = 0; j < d; j++) x[r * d + j] = y[s * d + j] + sigma * ng();
      }
      normalizeRows(x, rows, d);
      yield x;
    }
  }
  await writeFbin(join(ds.dir, 'base.fbin'), n, d, chunks());
  const qs = await readVectors(join(wordnetDir, meta.query_file));
  const q = project(P, qs.data, nq, qs.dim, new Float32Array(nq * d));
  normalizeRows(q, nq, d);
  await writeFbin(join(ds.dir, 'queries.fbin'), nq, d, [q]);
  ds.copies = copies;
}

/** P (d x srcDim, orthonormal rows) of wordnet-384, drawn from the run's seed. */
function wordnetProjection(d, srcDim) {
  return orthonormalRows(d, srcDim, gaussian(mulberry32(seed * 7919 + 11)));
}

/** The exact top-K of every query: exactSearch per base chunk, merged on the host (better score, then lower id). */
async function groundTruth(ds) {
  const engine = await createEngine();
  try {
    const q = await readVectors(join(ds.dir, 'queries.fbin'));
    const ip = ds.metric === 'ip';
    let bestI = new Int32Array(0), bestS = new Float32Array(0), have = 0;
    for await (const c of vectorChunks(join(ds.dir, 'base.fbin'), { rowsPerChunk: gtRows })) {
      const k = Math.min(K, c.n);
      const r = await exactSearch(engine, c.data, c.n, q.data, q.n, ds.dim, k, ds.metric);
      const keep = Math.min(K, have + k);
      const nI = new Int32Array(q.n * keep), nS = new Float32Array(q.n * keep);
      for (let i = 0; i < q.n; i++) {
        const cand = [];
        for (let j = 0; j < have; j++) cand.push([bestS[i * have + j], bestI[i * have + j]]);
        for (let j = 0; j < k; j++) cand.push([r.scores[i * k + j], r.ids[i * k + j] + c.firstRow]);
        cand.sort((a, b) => (ip ? b[0] - a[0] : a[0] - b[0]) || a[1] - b[1]);
        for (let j = 0; j < keep; j++) { nS[i * keep + j] = cand[j][0]; nI[i * keep + j] = cand[j][1]; }
      }
      bestI = nI; bestS = nS; have = keep;
      log(`  ground truth: ${c.firstRow + c.n}/${n} rows`);
    }
    await writeIvecs(join(ds.dir, 'gt.ivecs'), bestI, K);
  } finally {
    engine.dispose();
  }
}

// ---- report ----
function markdown(res) {
  const gib = (b) => (b === undefined ? '-' : (b / 2 ** 30).toFixed(2));
  const f = (x, digits) => (x === undefined || x === null ? '-' : x.toFixed(digits));
  const m = res.machine;
  let md = `# Scale benchmark: ${res.n.toLocaleString('en')} vectors, ours (streamed) vs Faiss\n\n`;
  md += `Machine: ${m.cpus} x ${m.cpu}, ${gib(m.memBytes)} GiB, ${m.platform}, Node ${m.node}. Our adapter: ${res.runs[0]?.ours.adapter ?? '-'}. `;
  md += res.faissMissing ? `Faiss: ${res.faissMissing}.\n` : `Faiss ${res.runs[0]?.faiss?.faiss} on the same machine (${res.runs[0]?.faiss?.threads} threads), run in the same benchmark.\n`;
  md += `Load average at the start ${m.loadavgAtStart.map((x) => x.toFixed(1)).join(', ')}, at the end ${m.loadavgAtEnd.map((x) => x.toFixed(1)).join(', ')}.\n`;
  md += `Data and method: bench/scale.mjs (its header states the recipes). ${res.nq} queries, k = ${res.k}; search time is the median of ${res.repeats} runs over all queries in one batch; recall of the exact top-k. Data seed ${res.seed}, training seed ${res.trainSeed ?? res.seed} (both sides).\n\n`;
  md += `## Build, save, load\n\n| dataset | config | train rows | sample s | train s | add s | save s | load s | file MiB | peak RSS GiB (train / add / search / all) | peak GPU GiB | Faiss train s | Faiss add s | Faiss save s | Faiss load s | Faiss file MiB | Faiss peak RSS GiB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n`;
  for (const r of res.runs) {
    const o = r.ours, F = r.faiss;
    const gpu = Math.max(...Object.values(o.peak).map((p) => p.gpuBytes));
    md += `| ${r.dataset} | ${r.config} | ${o.trainRows} | ${f(o.sampleSeconds, 2)} | ${f(o.trainSeconds, 1)} | ${f(o.addSeconds, 1)} | ${f(o.saveSeconds, 2)} | ${f(o.loadSeconds, 2)} | ${(o.fileBytes / 2 ** 20).toFixed(1)} | ${gib(o.peak.train?.rssBytes)} / ${gib(o.peak.add?.rssBytes)} / ${gib(o.peak.search?.rssBytes)} / ${gib(o.peakRssBytes)} | ${gib(gpu)} | ${f(F?.train_seconds, 1)} | ${f(F?.add_seconds, 1)} | ${f(F?.save_seconds, 2)} | ${f(F?.load_seconds, 2)} | ${F ? (F.file_bytes / 2 ** 20).toFixed(1) : '-'} | ${gib(F?.peakRssBytes?.end)} |\n`;
  }
  md += `\n## Search\n\n| dataset | config | nprobe | R@10 ours | R@10 Faiss | R@100 ours | R@100 Faiss | q/s ours | q/s Faiss | ratio |\n|---|---|---|---|---|---|---|---|---|---|\n`;
  for (const r of res.runs) {
    for (const o of r.ours.runs) {
      const F = r.faiss?.runs.find((x) => x.nprobe === o.nprobe);
      md += `| ${r.dataset} | ${r.config} | ${o.nprobe} | ${o['recall@10'].toFixed(4)} | ${f(F?.['recall@10'], 4)} | ${o['recall@100'].toFixed(4)} | ${f(F?.['recall@100'], 4)} | ${o.qps.toFixed(0)} | ${f(F?.qps, 0)} | ${F ? (o.qps / F.qps).toFixed(3) : '-'} |\n`;
    }
  }
  md += distillMarkdown(res);
  md += `\nOur index after save and load gives the same ids: ${res.runs.every((r) => r.ours.sameAfterLoad) ? 'yes, in every configuration' : 'NO (see scale.json)'}.\n`;
  md += `\n## Open (ranged reads, IvfPqIndex.open)\n\nThe saved file opened (header, tables, list offsets), then one query searched (cold cache), then every query in batches of ${OPEN_BATCH} at the first nprobe through a ${OPEN_CACHE / 2 ** 20} MiB cache.\n\n| dataset | config | open s | head MiB | 1 query MiB (cold) | search s | MiB a batch (median / max) | MiB read in all | file MiB | requests | cache hits | peak RSS GiB (open) | same ids |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n`;
  for (const r of res.runs) {
    const o = r.ours, op = o.open;
    if (!op) continue;
    const mib = (b) => (b / 2 ** 20).toFixed(2);
    md += `| ${r.dataset} | ${r.config} | ${f(o.openSeconds, 2)} | ${mib(o.openHeadBytes)} | ${mib(o.openOneQueryBytes)} | ${f(o.openSearchSeconds, 2)} | ${mib(op.batchBytesMedian)} / ${mib(op.batchBytesMax)} | ${mib(op.bytesFetched)} | ${mib(o.fileBytes)} | ${op.requests} | ${op.cacheHits} | ${gib(o.peak.open?.rssBytes)} | ${o.sameAfterOpen ? 'yes' : 'NO'} |\n`;
  }
  return md;
}

/** The distill phase's tables (empty when no run distilled). */
function distillMarkdown(res) {
  const runs = res.runs.filter((r) => r.ours.distill);
  if (!runs.length) return '';
  const mib = (b) => (b === null || b === undefined ? '-' : (b / 2 ** 20).toFixed(1));
  let md = `\n## Distillation (after save and load; the library's defaults)\n\n| dataset | config | train queries | epochs | teacher s (peak GPU MiB) | s per epoch | GPU MiB live at each epoch's end | peak GPU MiB in each epoch | validation R@10 (start, epochs) | peak RSS GiB |\n|---|---|---|---|---|---|---|---|---|---|\n`;
  for (const r of runs) {
    const d = r.ours.distill;
    md += `| ${r.dataset} | ${r.config} | ${d.trainQueries} | ${d.epochs} | ${d.teacherSeconds.toFixed(1)} (${mib(d.teacherPeakGpuBytes)}) | ${d.secondsPerEpoch.map((x) => x.toFixed(1)).join(' / ')} | ${d.liveBytesAtEpochEnd.map(mib).join(' / ')} | ${d.peakGpuBytesPerEpoch.map(mib).join(' / ')} | ${d.validationRecall.map((x) => x.toFixed(4)).join(' / ')} | ${(d.peakRssBytes / 2 ** 30).toFixed(2)} |\n`;
  }
  md += `\n| dataset | config | nprobe | R@10 before | R@10 after | R@100 before | R@100 after |\n|---|---|---|---|---|---|---|\n`;
  for (const r of runs) {
    for (const a of r.ours.distill.runs) {
      const b = r.ours.runs.find((x) => x.nprobe === a.nprobe);
      md += `| ${r.dataset} | ${r.config} | ${a.nprobe} | ${b['recall@10'].toFixed(4)} | ${a['recall@10'].toFixed(4)} | ${b['recall@100'].toFixed(4)} | ${a['recall@100'].toFixed(4)} |\n`;
    }
  }
  md += `\n${runs.map((r) => `${r.dataset} ${r.config}: ${r.ours.distill.message}`).join('\n\n')}\n`;
  return md;
}
