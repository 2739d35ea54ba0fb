#!/usr/bin/env node
// One Distill-VQ run with the given options on wordnet-use-lite-512-ip (train on queries 0-1999, evaluate
// queries 2000-2999 at nprobe 32), from the cached k-means start (bench/kmeans-start.mjs). Appends a line to
// bench/results/distill-sweep.jsonl and rewrites distill-sweep.md: how the defaults were chosen.
// Usage: npm run build && node bench/distill-sweep.mjs '<DistillOptions as JSON>' [m=32] [opq=1|0]
//   e.g. node bench/distill-sweep.mjs '{"epochs":2,"lrCodebooks":3e-4,"lrCentroids":0,"assignTemperature":1e-4}'
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync, appendFileSync, writeFileSync, existsSync } from 'node:fs';
import { createEngine, recallAtK, formatProgress } from '../dist/index.js';
import { loadDistillSplit } from './distill-data.mjs';
import { kmeansStart } from './kmeans-start.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const logPath = join(root, 'bench/results/distill-sweep.jsonl'), mdPath = join(root, 'bench/results/distill-sweep.md');
const reportOnly = process.argv.includes('--report-only');
if (!reportOnly) {
  const dataDir = process.env.DATA ?? join(root, '..', 'shared', 'data', 'wordnet-use-lite-512-ip');
  const opts = JSON.parse(process.argv[2] ?? '{}');
  const m = Number(process.argv[3] ?? 32), opq = (process.argv[4] ?? '1') === '1';
  const { base, gt, trainQ, evalQ, evalGt, nEval, metric, name } = await loadDistillSplit(dataDir);
  const engine = await createEngine();
  const s = await kmeansStart(engine, base, { nlist: 256, m, opq, metric, dataset: name });
  const ev = async (idx) => { const r = await idx.search(evalQ, { k: 100, nprobe: 32 }); return [recallAtK(r.ids, 100, evalGt, gt.dim, nEval, 10), recallAtK(r.ids, 100, evalGt, gt.dim, nEval, 100)]; };
  const startEval = await ev(s.index);
  let last = 0;
  const t0 = performance.now();
  const rep = await s.index.distill({ base: base.data, queries: opts.noQueries ? undefined : trainQ, epochs: 2, validationNprobe: 32, ...opts,
    onProgress: (p) => { if (performance.now() - last > 20000 || p.phase === 'distill epoch') { last = performance.now(); console.error(formatProgress(p)); } } });
  const line = { opts, m, opq, start: startEval, eval: await ev(s.index), val: rep.validationRecall, loss: rep.epochLoss, best: rep.bestEpoch,
    assignTemperature: rep.assignTemperature, s: Math.round((performance.now() - t0) / 1000), adapter: engine.adapterName, date: new Date().toISOString() };
  console.log(JSON.stringify(line));
  appendFileSync(logPath, JSON.stringify(line) + '\n');
  engine.dispose();
}
// The markdown table of every logged run.
const rows = existsSync(logPath) ? readFileSync(logPath, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
let md = '# Distill-VQ option sweep (wordnet-use-lite-512-ip, IVF256, nprobe 32, train queries 0-1999, eval 2000-2999)\n\n';
md += 'One line per run of `node bench/distill-sweep.mjs \'<options>\' [m] [opq]` (bench/results/distill-sweep.jsonl). ';
md += 'Options not listed are the library defaults of the time; `assignTemperature` shows the value used. val: validation recall@10 (200 held-out training queries) before training and after each epoch (- where the run held none out: `validationQueries 0`).\n\n';
md += '| start | options | τ used | R@10 start → end | R@100 end | val by epoch | best epoch | s |\n|---|---|---|---|---|---|---|---|\n';
for (const r of rows) {
  const o = Object.entries(r.opts).filter(([k]) => k !== 'assignTemperature').map(([k, v]) => `${k} ${v}`).join(', ');
  const tau = r.assignTemperature == null ? '?' : Number(r.assignTemperature).toExponential(1);
  md += `| PQ${r.m}${r.opq ? ' OPQ' : ''} | ${o} | ${r.opts.assignTemperature === 'auto' ? 'auto = ' : ''}${tau} | ${r.start[0].toFixed(4)} → **${r.eval[0].toFixed(4)}** | ${r.eval[1].toFixed(4)} | ${r.val.map((v) => (v == null ? '-' : v.toFixed(3))).join(' ')} | ${r.best} | ${r.s} |\n`;
}
writeFileSync(mdPath, md);
if (reportOnly) process.stdout.write(md);
