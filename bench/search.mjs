#!/usr/bin/env node
// Search benchmark: our k-means IVFPQ vs Faiss IndexIVFPQ on wordnet-use-lite-512-ip, run side by side.
// Writes bench/results/search.json, search.md and search.svg (recall@10 vs queries per second).
// Usage: npm run bench:search [-- --data DIR] [--configs IVF256,PQ32x8;IVF256,PQ64x4;OPQ64,IVF256,PQ64x4 (the default: 32 bytes per vector; OPQ: our
//        index trained with opq: true; Faiss's peer OPQ<m>,IVF<nlist>,PQ<m>x<bits>np)] [--nprobe 8,32,128]
//        [--repeats 3] [--singles 200] [--out DIR (default bench/results)] [--faiss auto|off] [--faiss-json DIR] [--fresh]
//        [--fastscan IVF256,PQ64x4fs|off] [--faiss-opq on|off]
// --faiss-opq off gives an OPQ configuration Faiss's peer without the rotation (IVF<nlist>,PQ<m>x<bits>np; its OPQ64
// peer trains for over 10 minutes on 2 cores); the table names the peer's factory in that case.
// Also times one query per call (p50 / p99 latency over --singles calls) at each nprobe.
// --faiss auto (default) runs the Faiss peer with $FAISS_PYTHON (default /usr/bin/python3) when that Python
// can import faiss, and otherwise reports the search without it (the report says so). --faiss-json DIR takes
// the peer's results from DIR/faiss-[OPQ<m>-]IVF<nlist>-PQ<m>x<bits>.json instead (bench/peers/faiss_ivfpq.py's output
// from an earlier run on the same machine and data: bench/device/faiss.sh).
// --fastscan names a Faiss fast-scan factory (4-bit codes, SIMD-shuffled 16-entry tables) reported beside the
// peers at the same nprobe values; from --faiss-json it is read from DIR/faiss-<factory, commas as dashes>.json.
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { createEngine, readVectors, readIntVectors, recallAtK, formatProgress } from '../dist/index.js';
import { kmeansStart } from './kmeans-start.mjs';
import { lineChartSvg } from './plot.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const dataDir = arg('data', join(root, '..', 'shared', 'data', 'wordnet-use-lite-512-ip'));
const configs = arg('configs', 'IVF256,PQ32x8;IVF256,PQ64x4;OPQ64,IVF256,PQ64x4').split(';').map((c) => {
  const m = /^(OPQ\d+,)?IVF(\d+),PQ(\d+)x(\d+)$/.exec(c);
  if (!m) throw new Error(`bad config ${c}`);
  return { name: c, nlist: +m[2], m: +m[3], bits: +m[4], opq: m[1] ? +m[1].slice(3, -1) : 0 };
});
const nprobes = arg('nprobe', '8,32,128').split(',').map(Number);
const repeats = Number(arg('repeats', '3'));
const k = 100;
const singles = Number(arg('singles', '200'));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const percentile = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const log = (s) => process.stderr.write(`[bench:search] ${s}\n`);
const outDir = arg('out', join(root, 'bench/results'));
const python = process.env.FAISS_PYTHON || '/usr/bin/python3';
const faissMode = arg('faiss', 'auto');
if (faissMode !== 'auto' && faissMode !== 'off') throw new Error(`--faiss must be auto or off, got ${faissMode}`);
const faissJsonDir = arg('faiss-json', '');
// Faiss's peer of a configuration: the same factory, with its OPQ rotation when it has one (and np: no polysemous
// training); its cached index and JSON file are named by the factory, so an OPQ peer does not collide with the
// plain one
const faissOpq = arg('faiss-opq', 'on');
if (faissOpq !== 'on' && faissOpq !== 'off') throw new Error(`--faiss-opq must be on or off, got ${faissOpq}`);
const faissFactory = (c) => `${c.opq && faissOpq === 'on' ? `OPQ${c.opq},` : ''}IVF${c.nlist},PQ${c.m}x${c.bits}np`;
const faissJsonPath = (c) => join(faissJsonDir, `faiss-${c.opq ? `OPQ${c.opq}-` : ''}IVF${c.nlist}-PQ${c.m}x${c.bits}.json`);
// Faiss's trained indexes are kept in bench/cache (its OPQ64 peer trains for over 10 minutes on 2 cores) unless --fresh
const faissCache = process.argv.includes('--fresh') ? [] : ['--cache', join(root, 'bench/cache')];
/** Faiss's results for an index_factory string: bench/peers/faiss_ivfpq.py's JSON (its last line of output). */
const runFaiss = (factory) => JSON.parse(execFileSync(python, [join(root, 'bench/peers/faiss_ivfpq.py'), '--data', dataDir,
  '--factory', factory, '--nprobe', nprobes.join(','), '--repeats', String(repeats), ...faissCache],
{ encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop());
const fastscan = arg('fastscan', 'IVF256,PQ64x4fs');
if (fastscan !== 'off' && !/^IVF\d+,PQ\d+x4fs$/.test(fastscan)) throw new Error(`--fastscan must be IVF<n>,PQ<m>x4fs or off, got ${fastscan}`);
const fastscanJsonPath = () => join(faissJsonDir, `faiss-${fastscan.replace(/,/g, '-')}.json`);
let faissMissing = faissMode === 'off' ? 'turned off (--faiss off)' : null;
if (faissJsonDir) {
  const missing = configs.filter((c) => !existsSync(faissJsonPath(c)));
  if (missing.length) throw new Error(`--faiss-json ${faissJsonDir}: no ${missing.map(faissJsonPath).join(', ')}`);
} else if (!faissMissing) {
  try { execFileSync(python, ['-c', 'import faiss, numpy'], { stdio: 'ignore' }); } catch { faissMissing = `not available (${python} cannot import faiss)`; }
}
if (faissMissing) log(`Faiss ${faissMissing}: reporting our index alone`);

if (!existsSync(join(dataDir, 'dataset.json'))) { log(`no data at ${dataDir}`); process.exit(1); }
const meta = JSON.parse(readFileSync(join(dataDir, 'dataset.json'), 'utf8'));
const base = await readVectors(meta.base_files.map((f) => join(dataDir, f.file)));
const queries = await readVectors(join(dataDir, meta.query_file));
const gt = await readIntVectors(join(dataDir, meta.groundtruth_file));
log(`data: ${base.n} x ${base.dim} base, ${queries.n} queries`);

const engine = await createEngine();
const results = { dataset: meta.name, n: base.n, nq: queries.n, k, machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, platform: `${os.platform()} ${os.release()}`, loadavgAtStart: os.loadavg() }, adapter: engine.adapterName, configs: [] };
try {
  for (const c of configs) {
    log(`ours ${c.name}: training (or loading the cached k-means index; --fresh retrains)`);
    let t0;
    let last = 0;
    const onProgress = (p) => { if (performance.now() - last > 2000) { last = performance.now(); log(formatProgress(p)); } };
    const start = await kmeansStart(engine, base, { nlist: c.nlist, m: c.m, bits: c.bits, opq: c.opq > 0, fresh: process.argv.includes('--fresh'), onProgress });
    const index = start.index, trainS = start.trainSeconds, addS = start.addSeconds;
    const ours = { trainSeconds: trainS, addSeconds: addS, cachedTraining: start.cached, runs: [] };
    await index.search(queries.data.subarray(0, 64 * base.dim), { k, nprobe: nprobes[0] }); // compile pipelines
    for (const nprobe of nprobes) {
      const times = [];
      let r;
      for (let i = 0; i < repeats; i++) {
        t0 = performance.now();
        r = await index.search(queries.data, { k, nprobe });
        times.push((performance.now() - t0) / 1000);
      }
      // latency of one query per call (interactive use): p50 / p99 over `singles` calls, queries taken in turn
      const single = [];
      for (let i = 0; i < singles; i++) {
        const q = queries.data.subarray((i % queries.n) * base.dim, (i % queries.n + 1) * base.dim);
        t0 = performance.now();
        await index.search(q, { k, nprobe });
        single.push(performance.now() - t0);
      }
      const s = median(times);
      const run = {
        nprobe, searchSeconds: s, qps: queries.n / s,
        'recall@1': recallAtK(r.ids, k, gt.data, gt.dim, queries.n, 1),
        'recall@10': recallAtK(r.ids, k, gt.data, gt.dim, queries.n, 10),
        'recall@100': recallAtK(r.ids, k, gt.data, gt.dim, queries.n, 100),
        batch1: { calls: singles, p50ms: percentile(single, 50), p99ms: percentile(single, 99) },
      };
      ours.runs.push(run);
      log(`ours ${c.name} nprobe ${nprobe}: R@10 ${run['recall@10'].toFixed(4)} R@100 ${run['recall@100'].toFixed(4)} ${run.qps.toFixed(0)} q/s; one query per call p50 ${run.batch1.p50ms.toFixed(2)} ms, p99 ${run.batch1.p99ms.toFixed(2)} ms`);
    }
    index.dispose();
    if (faissMissing) { results.configs.push({ config: c.name, ours, faiss: null }); continue; }
    let faiss;
    if (faissJsonDir) {
      faiss = JSON.parse(readFileSync(faissJsonPath(c), 'utf8').trim().split('\n').pop());
      const absent = nprobes.filter((p) => !faiss.runs.some((r) => r.nprobe === p));
      if (absent.length) throw new Error(`${faissJsonPath(c)} has no run at nprobe ${absent.join(', ')}`);
      log(`faiss ${c.name}: results from ${faissJsonPath(c)} (${faiss.threads} threads)`);
    } else {
      log(`faiss ${c.name}: running`);
      const factory = faissFactory(c);
      faiss = runFaiss(factory);
    }
    for (const run of faiss.runs) log(`faiss ${c.name} nprobe ${run.nprobe}: R@10 ${run['recall@10'].toFixed(4)} ${run.qps.toFixed(0)} q/s`);
    results.configs.push({ config: c.name, ours, faiss });
  }
} finally {
  engine.dispose();
}

if (faissMissing) results.faissMissing = faissMissing;
else if (fastscan !== 'off') {
  if (faissJsonDir) {
    if (existsSync(fastscanJsonPath())) results.fastscan = JSON.parse(readFileSync(fastscanJsonPath(), 'utf8').trim().split('\n').pop());
    else log(`no ${fastscanJsonPath()}: no fast-scan figures`);
  } else {
    log(`faiss ${fastscan}: running`);
    results.fastscan = runFaiss(fastscan);
  }
  for (const run of results.fastscan?.runs ?? []) log(`faiss ${fastscan} nprobe ${run.nprobe}: R@10 ${run['recall@10'].toFixed(4)} ${run.qps.toFixed(0)} q/s`);
}
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'search.json'), JSON.stringify(results, null, 2) + '\n');
let md = `# Search benchmark: k-means IVFPQ, ours vs Faiss\n\n`;
md += `Data: ${results.dataset} (${results.n} x 512 base, ${results.nq} queries, inner product), k = ${k}, recall of the exact top-k.\n`;
const cachedMark = (cached) => (cached ? ' (cached from an earlier run)' : '');
const fx = (f, key, digits) => (f ? f[key].toFixed(digits) : '-');
md += `Machine: ${results.machine.cpus} cores (${results.machine.cpu}). Our adapter: ${results.adapter}. `;
md += faissMissing ? `Faiss: ${faissMissing}; no peer figures in this run.\n`
  : faissJsonDir ? `Faiss ${results.configs[0]?.faiss.faiss} on the same machine's CPU cores (${results.configs[0]?.faiss.threads} threads), results taken from ${faissJsonDir} (a separate run just before on the same data).\n`
  : `Faiss ${results.configs[0]?.faiss.faiss} on the same cores (${results.configs[0]?.faiss.threads} threads, OpenBLAS-OpenMP), run in the same benchmark.\n`;
md += `Search time is the median of ${repeats} runs over all ${results.nq} queries in one batch. Load average at the start: ${results.machine.loadavgAtStart.map((x) => x.toFixed(1)).join(', ')} (other jobs may have shared the cores; compare the ratio).\n\n`;
md += `| config | nprobe | R@10 ours | R@10 Faiss | R@100 ours | R@100 Faiss | q/s ours | q/s Faiss | q/s ratio ours/Faiss |\n|---|---|---|---|---|---|---|---|---|\n`;
for (const c of results.configs) {
  for (const r of c.ours.runs) {
    const f = c.faiss?.runs.find((x) => x.nprobe === r.nprobe);
    const peer = c.faiss && c.config.startsWith('OPQ') && faissOpq === 'off' ? ` (Faiss: ${c.faiss.factory})` : '';
    md += `| ${c.config}${peer} | ${r.nprobe} | ${r['recall@10'].toFixed(4)} | ${fx(f, 'recall@10', 4)} | ${r['recall@100'].toFixed(4)} | ${fx(f, 'recall@100', 4)} | ${r.qps.toFixed(0)} | ${fx(f, 'qps', 0)} | ${f ? (r.qps / f.qps).toFixed(3) : '-'} |\n`;
  }
}
if (results.fastscan) {
  const fs = results.fastscan;
  md += `\nFaiss's own fast-scan, ${fs.factory} (${fs.threads} threads; train ${fs.train_seconds.toFixed(1)} s, add ${fs.add_seconds.toFixed(1)} s):\n\n| nprobe | R@10 | R@100 | q/s |\n|---|---|---|---|\n`;
  for (const r of fs.runs) md += `| ${r.nprobe} | ${r['recall@10'].toFixed(4)} | ${r['recall@100'].toFixed(4)} | ${r.qps.toFixed(0)} |\n`;
}
md += `\nLatency of one query per call (ours; ${singles} calls, queries in turn, k = ${k}):\n\n| config | nprobe | p50 ms | p99 ms |\n|---|---|---|---|\n`;
for (const c of results.configs) for (const r of c.ours.runs) md += `| ${c.config} | ${r.nprobe} | ${r.batch1.p50ms.toFixed(2)} | ${r.batch1.p99ms.toFixed(2)} |\n`;
md += `\n| config | train s ours | train s Faiss | add s ours | add s Faiss |\n|---|---|---|---|---|\n`;
for (const c of results.configs) md += `| ${c.config} | ${c.ours.trainSeconds.toFixed(1)}${cachedMark(c.ours.cachedTraining)} | ${fx(c.faiss, 'train_seconds', 1)}${cachedMark(c.faiss?.cached_training)} | ${c.ours.addSeconds.toFixed(1)} | ${fx(c.faiss, 'add_seconds', 1)} |\n`;
md += `\n![recall vs throughput](search.svg)\n`;
writeFileSync(join(outDir, 'search.md'), md);
const series = [];
for (const c of results.configs) {
  series.push({ name: `ours ${c.config}`, points: c.ours.runs.map((r) => [r.qps, r['recall@10']]) });
  if (c.faiss) series.push({ name: `Faiss ${c.config}`, points: c.faiss.runs.map((r) => [r.qps, r['recall@10']]), dashed: true });
}
if (results.fastscan) series.push({ name: `Faiss ${results.fastscan.factory}`, points: results.fastscan.runs.map((r) => [r.qps, r['recall@10']]), dashed: true });
writeFileSync(join(outDir, 'search.svg'), lineChartSvg({ title: `Recall@10 vs queries/s (nprobe ${nprobes.join(', ')})`, xLabel: 'queries per second (log)', yLabel: 'Recall@10', logX: true, series }));
process.stdout.write(md);
