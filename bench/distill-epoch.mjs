#!/usr/bin/env node
// Timing of one distillation epoch on wordnet-use-lite-512-ip (the cached k-means IVF256,PQ32x8 start of
// bench/kmeans-start.mjs, the library's default distill options): seconds per epoch and per training query, split
// into the training steps and the end-of-epoch rebuild (re-encode + validation search), with the engine's
// dispatch / submit / readback counts per step and, with --profile, GPU time per kernel (timestamp queries).
// Usage: node bench/distill-epoch.mjs [--queries 2000] [--epochs 1] [--profile] [--dist ../dist] [--json out.json]
//   [--lr-centroids X]
//   --lr-centroids: the distill option lrCentroids (0: frozen centroids, as from the CLI's default OPQ start)
//   --queries: given queries used (the library holds out min(200, 10%) of them for validation)
//   --dist: the build to time (another checkout's dist/, to compare builds interleaved from a shell loop)
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const dist = resolve(arg('dist', join(root, 'dist')));
const lib = await import(pathToFileURL(join(dist, 'index.js')).href);
const dataDir = arg('data', join(root, '..', 'shared', 'data', 'wordnet-use-lite-512-ip'));
const nQueries = Number(arg('queries', '2000'));
const epochs = Number(arg('epochs', '1'));
const profile = process.argv.includes('--profile');
const jsonOut = arg('json', '');
const log = (s) => process.stderr.write(`[distill-epoch] ${s}\n`);

const { readVectors, createEngine, IvfPqIndex, DISTILL_DEFAULTS } = lib;
const batch = DISTILL_DEFAULTS.batchSize;
const meta = JSON.parse(readFileSync(join(dataDir, 'dataset.json'), 'utf8'));
const base = await readVectors(meta.base_files.map((f) => join(dataDir, f.file)));
const queries = await readVectors(join(dataDir, meta.query_file));
const engine = await createEngine({ profile });
const startPath = join(root, 'bench/cache/kmeans-IVF256-PQ32x8.dvq');
// the start is trained (by this checkout's dist/) and cached on the first run
const index = existsSync(startPath) ? await IvfPqIndex.load(engine, startPath)
  : (await (await import('./kmeans-start.mjs')).kmeansStart(engine, base, { nlist: 256, m: 32 })).index;

const counters = () => ({ dispatches: engine.dispatchCount, submits: engine.submitCount, reads: engine.readCount, t: performance.now() });
const steps = [];
let last = null;
const onProgress = (p) => {
  if (p.phase === 'distill') {
    const c = counters();
    if (last) steps.push({ ms: c.t - last.t, dispatches: c.dispatches - last.dispatches, submits: c.submits - last.submits, reads: c.reads - last.reads });
    last = c;
  } else if (p.phase === 'distill epoch') last = null;
};
// each step is timed between two progress reports (the first step of an epoch is not: its interval would hold
// the setup or the previous epoch's rebuild)
const lrCentroids = arg('lr-centroids', '');
const opts = {
  base: base.data, queries: queries.data.subarray(0, nQueries * base.dim), epochs, seed: 1234, onProgress,
  ...(lrCentroids !== '' ? { lrCentroids: Number(lrCentroids) } : {}),
};
const t0 = performance.now();
const report = await index.distill(opts);
const total = (performance.now() - t0) / 1000;
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[s.length >> 1] : NaN; };
const sum = (a) => a.reduce((x, y) => x + y, 0);
const stepMs = steps.map((s) => s.ms);
const out = {
  dist, trainQueries: report.trainQueries, validationQueries: report.validationQueries, batchSize: batch, epochs,
  secondsPerEpoch: report.secondsPerEpoch, msPerQuery: report.secondsPerEpoch.map((s) => (1000 * s) / report.trainQueries),
  teacherSeconds: report.teacherSeconds, totalSeconds: total,
  stepMedianMs: med(stepMs), stepSumMs: sum(stepMs), stepsTimed: steps.length,
  perStep: { dispatches: med(steps.map((s) => s.dispatches)), submits: med(steps.map((s) => s.submits)), reads: med(steps.map((s) => s.reads)) },
  epochLoss: report.epochLoss, validationRecall: report.validationRecall,
};
// the end-of-epoch rebuild (re-encode + validation search): the epoch's time less its steps at the median
out.rebuildSecondsApprox = report.secondsPerEpoch[0] - (out.stepMedianMs * Math.ceil(report.trainQueries / batch)) / 1000;
if (profile && engine.profiler) {
  const k = await engine.profiler.results();
  k.sort((a, b) => b.totalNs - a.totalNs);
  out.kernels = k.map((x) => ({ name: x.name, count: x.count, totalMs: +(x.totalNs / 1e6).toFixed(1), medianUs: +(x.medianNs / 1e3).toFixed(1) }));
}
console.log(JSON.stringify(out, null, 1));
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(out, null, 1));
index.dispose?.();
engine.dispose();
