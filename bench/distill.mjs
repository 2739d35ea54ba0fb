#!/usr/bin/env node
// Distill-VQ experiment on a dataset folder (default wordnet-use-lite-512-ip; any folder whose dataset.json names
// base, queries, exact top-100 and metric, e.g. fashion-mnist-784-l2): train on queries 0-1999 (or on base
// documents as pseudo-queries), evaluate on queries 2000 to the last (bench/distill-data.mjs) at nprobe 32 against
// the exact top-k of the dataset's metric. Compares the k-means start (ours, with and without OPQ), Distill-VQ with
// each loss, with and without in-batch candidates, and Faiss IVFPQ / OPQ+IVFPQ at the same bytes per vector, run in
// the same benchmark. Writes bench/results/<out>.json, .md and .svg (out: distill for the default dataset,
// distill-<first word of the dataset's name> otherwise, or --out). Per epoch it records the seconds and the
// engine's live GPU bytes (flat memory across epochs).
// Usage: npm run bench:distill [-- --data DIR] [--configs 32,16] [--runs listnet,listnet-noinb,...|none] [--epochs N]
//        [--faiss off|plain] [--starts plain|opq|none] [--fresh]
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { createEngine, recallAtK, top1InTopK, formatProgress, DISTILL_DEFAULTS, startDefaults } from '../dist/index.js';
import { loadDistillSplit } from './distill-data.mjs';
import { barChartSvg } from './plot.mjs';
import { kmeansStart, DEFAULT_DATASET } from './kmeans-start.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const dataDir = arg('data', join(root, '..', 'shared', 'data', 'wordnet-use-lite-512-ip'));
const defaultData = dataDir.replace(/\/+$/, '').endsWith(DEFAULT_DATASET);
const configs = arg('configs', defaultData ? '32,16' : '16,28').split(',').map(Number);
const nlist = Number(arg('lists', '256'));
const nprobe = Number(arg('nprobe', '32'));
const epochs = Number(arg('epochs', '8'));
const fresh = process.argv.includes('--fresh');
// Run names: <loss>[-noinb][-pseudo|-mixed][-plain]: no in-batch candidates / base documents as pseudo-queries
// instead of the training queries / pseudo-queries in addition to them / start from k-means without OPQ /
// start from whichever start (plain or OPQ) has the higher held-out recall@10 (default: k-means + OPQ).
const LOSSES = ['listnet', 'kl', 'mse', 'margin-mse', 'ranknet'];
function parseRun(name) {
  const m = /^(listnet|kl|mse|margin-mse|ranknet)((?:-noinb|-pseudo|-mixed|-plain|-best)*)$/.exec(name);
  if (!m) throw new Error(`unknown run ${name} (e.g. ${LOSSES.join(', ')}, with -noinb, -pseudo, -mixed, -plain, -best)`);
  const train = m[2].includes('-pseudo') ? 'pseudo' : m[2].includes('-mixed') ? 'mixed' : 'queries';
  return { loss: m[1], inBatch: !m[2].includes('-noinb'), train, plain: m[2].includes('-plain'), best: m[2].includes('-best') };
}
// The default runs on the default dataset: ListNet from both starts at 32 bytes, from the OPQ start at 16 bytes;
// on another dataset: the default loss from the better start. The comparisons of losses and candidates are
// separate invocations (--runs ..., see the README's benchmark section).
const DEFAULT_RUNS = defaultData ? ['listnet', 'listnet-plain'] : [`${DISTILL_DEFAULTS.loss}-best`];
const DEFAULT_RUNS_SMALL = defaultData ? ['listnet'] : DEFAULT_RUNS;
const runsArg = arg('runs', '');
const runNamesFor = (m) => (runsArg === 'none' ? [] : runsArg ? runsArg.split(',').filter(Boolean) : m >= 32 ? DEFAULT_RUNS : DEFAULT_RUNS_SMALL);
// Parts of a config that an invocation (re)measures; the others keep their results from the results file (without
// --fresh): --faiss off skips the Faiss peers (--faiss plain: IVFPQ only, not OPQ), --starts plain|opq|none measures only those of our starts.
const faissArg = arg('faiss', 'on');
if (!['on', 'off', 'plain'].includes(faissArg)) throw new Error(`--faiss ${faissArg}: on, off or plain`);
const withFaiss = faissArg !== 'off';
const startsArg = arg('starts', 'plain,opq');
const measureStarts = startsArg === 'none' ? [] : startsArg.split(',').map((x) => { if (x !== 'plain' && x !== 'opq') throw new Error(`--starts ${startsArg}: plain, opq or none`); return x === 'opq'; });
const tag = arg('tag', ''); // stored as a separate run (<name><tag>) with its own options
// Options given here are passed as is; the others keep the library's defaults (recorded per run, resolved).
const numArg = (name, key) => (arg(name, undefined) === undefined ? {} : { [key]: Number(arg(name)) });
const distillOpts = {
  ...numArg('batch', 'batchSize'), ...numArg('topk', 'topK'), ...numArg('temperature', 'temperature'),
  ...numArg('lr-pq', 'lrCodebooks'), ...numArg('lr-ivf', 'lrCentroids'), ...(arg('opt-ivf') ? { centroidOptimizer: arg('opt-ivf') } : {}),
  ...numArg('assign-temperature', 'assignTemperature'), validationNprobe: nprobe,
};
const pseudo = Number(arg('pseudo', '4000')); // pseudo-queries of the -pseudo and -mixed runs
const log = (s) => process.stderr.write(`[bench:distill] ${s}\n`);
const cacheDir = join(root, 'bench/cache');
mkdirSync(cacheDir, { recursive: true });
const { meta, metric, base, gt, trainQ, evalQ, evalGt, nEval, evalRows } = await loadDistillSplit(dataDir);
const outName = arg('out', defaultData ? 'distill' : `distill-${meta.name.split('-')[0]}`);
const outPath = join(root, `bench/results/${outName}.json`);

const engine = await createEngine();
const previous = existsSync(outPath) && !fresh ? JSON.parse(readFileSync(outPath, 'utf8')) : null;
const results = {
  dataset: meta.name, ...(meta.subset_of ? { subsetOf: meta.subset_of } : {}), metric, n: base.n, dim: base.dim,
  command: `node bench/distill.mjs ${process.argv.slice(2).join(' ')}`,
  split: `train on queries 0-${trainQ.length / base.dim - 1} (or base documents as pseudo-queries), evaluate on queries ${evalRows[0]}-${evalRows[1] - 1}`,
  nprobe, nlist, epochs, distillOpts, adapter: engine.adapterName,
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, loadavg: os.loadavg() }, configs: previous?.configs ?? {},
};
let last = 0;
// GPU bytes the engine holds after each distillation epoch (the run's own list, reset before each run)
let epochLiveBytes = [];
const onProgress = (p) => {
  if (p.phase === 'distill epoch') epochLiveBytes.push(engine.liveBytes);
  if (performance.now() - last > 5000 || p.phase === 'distill epoch') { last = performance.now(); log(`${formatProgress(p)}${p.phase === 'distill epoch' ? `, GPU ${(engine.liveBytes / 2 ** 20).toFixed(1)} MiB live` : ''}`); }
};

async function evaluate(index) {
  const t0 = performance.now();
  const r = await index.search(evalQ, { k: 100, nprobe });
  return {
    'recall@10': recallAtK(r.ids, 100, evalGt, gt.dim, nEval, 10), 'recall@100': recallAtK(r.ids, 100, evalGt, gt.dim, nEval, 100),
    'top1@10': top1InTopK(r.ids, 100, evalGt, gt.dim, nEval, 10), searchSeconds: (performance.now() - t0) / 1000,
  };
}

/** The k-means start (trained once, cached as .dvq). */
async function start(m, opq) {
  const s = await kmeansStart(engine, base, { nlist, m, opq, metric, dataset: meta.name, fresh, onProgress });
  return { index: s.index, seconds: s.trainSeconds + s.addSeconds };
}

function faiss(factory) {
  const out = execFileSync('/usr/bin/python3', [join(root, 'bench/peers/faiss_ivfpq.py'), '--data', dataDir, '--factory', factory, '--nprobe', String(nprobe),
    '--query-rows', evalRows.join(':'), '--cache', cacheDir, '--repeats', '1'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const r = JSON.parse(out.trim().split('\n').pop());
  return { factory, trainSeconds: r.train_seconds, cachedTraining: r.cached_training, ...r.runs[0] };
}

const reportOnly = process.argv.includes('--report-only');
if (previous?.notes) results.notes = previous.notes;
if (reportOnly && previous) Object.assign(results, previous);
try {
  for (const m of reportOnly ? [] : configs) {
    const key = `IVF${nlist},PQ${m}x8`;
    const cfg = (results.configs[key] ??= { bytesPerVector: m + 4, runs: {} });
    if (withFaiss) {
      log(`${key}: Faiss peers`);
      cfg.faiss = faiss(`IVF${nlist},PQ${m}np`);
      if (faissArg === 'on') cfg.faissOpq = faiss(`OPQ${m},IVF${nlist},PQ${m}np`);
    }
    for (const opq of measureStarts) {
      const s = await start(m, opq);
      cfg[opq ? 'kmeansOpq' : 'kmeans'] = { trainSeconds: s.seconds, ...(await evaluate(s.index)) };
      s.index.dispose();
    }
    log(`${key}: k-means ${JSON.stringify(cfg.kmeans ?? null)} / OPQ ${JSON.stringify(cfg.kmeansOpq ?? null)}`);
    for (const name of runNamesFor(m)) {
      const run = parseRun(name);
      if (run.best) run.plain = !cfg.kmeansOpq || (cfg.kmeans !== undefined && cfg.kmeans['recall@10'] > cfg.kmeansOpq['recall@10']);
      const startR = run.plain ? cfg.kmeans : cfg.kmeansOpq;
      if (!startR) throw new Error(`${key}: run ${name} starts from ${run.plain ? 'plain k-means' : 'k-means + OPQ'}, which has no results yet (--starts)`);
      const s = await start(m, !run.plain);
      log(`${key}: distill ${name}${run.best ? ` (from ${run.plain ? 'k-means' : 'k-means + OPQ'})` : ''}`);
      epochLiveBytes = [];
      const loadStart = os.loadavg();
      const liveBefore = engine.liveBytes;
      const report = await s.index.distill({
        base: base.data, ...(run.train !== 'pseudo' ? { queries: trainQ } : {}), ...(run.train !== 'queries' ? { pseudoQueries: pseudo } : {}),
        loss: run.loss, inBatch: run.inBatch, epochs, ...distillOpts, onProgress,
      });
      cfg.runs[name + tag] = { ...run, options: { ...distillOpts, epochs, ...(run.train !== 'queries' ? { pseudoQueries: pseudo } : {}), assignTemperature: report.assignTemperature }, start: run.plain ? 'k-means (ours)' : 'k-means + OPQ (ours)', ...(await evaluate(s.index)), startRecall10: startR['recall@10'], report,
        command: results.command, loadavg: { start: loadStart, end: os.loadavg() },
        gpuLiveBytes: { beforeDistill: liveBefore, afterEpoch: epochLiveBytes, after: engine.liveBytes } };
      log(`${key}: ${name}${tag}: R@10 ${cfg.runs[name + tag]['recall@10'].toFixed(4)} (start ${startR['recall@10'].toFixed(4)}), ${report.totalSeconds.toFixed(0)} s; ${report.improved === false ? 'NO GAIN: ' : ''}${report.message}`);
      s.index.dispose();
      writeFileSync(outPath, JSON.stringify(results, null, 2) + '\n'); // partial results survive an interrupted run
    }
  }
} finally {
  engine.dispose();
}

mkdirSync(join(root, 'bench/results'), { recursive: true });
if (!reportOnly) {
  results.machine.loadavgEnd = os.loadavg();
  writeFileSync(outPath, JSON.stringify(results, null, 2) + '\n');
}
const f4 = (x) => (x === undefined ? '-' : x.toFixed(4));
const metricWords = (results.metric ?? 'ip') === 'l2' ? 'L2 (squared Euclidean)' : 'inner-product';
const la = (l) => l.map((x) => x.toFixed(2)).join(' / ');
let md = `# Distill-VQ on ${results.dataset}\n\n${results.split}; nprobe ${results.nprobe}; recall of the exact ${metricWords} top-k` +
  `${results.n ? ` over the ${results.n.toLocaleString('en-US')} x ${results.dim} base` : ''}.\n`;
md += `Adapter: ${results.adapter}; ${results.machine.cpus} CPU cores (${results.machine.cpu}); load average (1/5/15 min) ${la(results.machine.loadavg)} at the start` +
  `${results.machine.loadavgEnd ? `, ${la(results.machine.loadavgEnd)} at the end` : ''}${results.machine.cpus <= 2 ? ' (a shared machine: times are under that load; recall is what this benchmark is for)' : ''}. ` +
  `Epochs: ${results.epochs}. Faiss 1.7.3 on the same cores, same run.\n`;
md += `Distill-VQ starts from our k-means IVFPQ with OPQ (parametric + refinement) unless marked, with the library's default options (README; from the OPQ start the IVF centroids are frozen, from plain k-means they are learned at 1e-4) except those listed in its row; the epoch with the best recall on 200 held-out training queries is kept (epoch 0 = the start). τ: the soft-assignment temperature each run used ('auto' resolves it from the start's quantization error). Δ: recall@10 gained over the run's own start.\n`;
md += results.subsetOf ? `**A subset of ${results.subsetOf}**: the first ${results.n.toLocaleString('en-US')} base vectors, with their own exact top-100 (\`bench/distill-subset.py\`); its recall is not comparable with the full base's.\n` : '';
md += `Repeat with \`${results.command ?? 'npm run bench:distill'}\` (uses the cached k-means starts and Faiss indexes in bench/cache when present; \`--fresh\` retrains them).\n\n`;
const series = [];
for (const [key, cfg] of Object.entries(results.configs)) {
  md += `## ${key} (${cfg.bytesPerVector} bytes per vector incl. id)\n\n| method | R@10 | Δ | R@100 | top-1 in top-10 | τ | training s | s/epoch |\n|---|---|---|---|---|---|---|---|\n`;
  const row = (name, r, train, perEpoch, tau) => {
    const delta = r?.startRecall10 !== undefined ? (r['recall@10'] - r.startRecall10 >= 0 ? '+' : '') + (r['recall@10'] - r.startRecall10).toFixed(4) : '-';
    md += `| ${name} | ${f4(r?.['recall@10'])} | ${delta} | ${f4(r?.['recall@100'])} | ${f4(r?.['top1@10'])} | ${tau ?? '-'} | ${train ?? '-'} | ${perEpoch ?? '-'} |\n`;
    if (r) series.push({ group: key, name, value: r['recall@10'] });
  };
  const faissTrain = (f) => (f ? (f.cachedTraining ? 'cached' : f.trainSeconds.toFixed(0)) : '-');
  row('Faiss IVFPQ (k-means)', cfg.faiss, faissTrain(cfg.faiss));
  row('Faiss OPQ+IVFPQ', cfg.faissOpq, faissTrain(cfg.faissOpq));
  row('ours k-means', cfg.kmeans, cfg.kmeans?.trainSeconds?.toFixed(0));
  row('ours k-means + OPQ (start)', cfg.kmeansOpq, cfg.kmeansOpq?.trainSeconds?.toFixed(0));
  for (const [name, r] of Object.entries(cfg.runs)) {
    const per = r.report.secondsPerEpoch.map((s) => s.toFixed(0)).join(', ') + ` (best epoch ${r.report.bestEpoch})`;
    // the centroids' rate: the one the run used (runs recorded before the report said it used the option or 1e-4),
    // listed when it is not the default from the run's start (frozen from OPQ, learned from plain k-means)
    const lrC = r.options.lrCentroids ?? r.report.lrCentroids ?? 1e-4;
    const lrCOwn = lrC !== startDefaults(r.plain ? 'plain' : 'rotated').lrCentroids ? [['lrCentroids', lrC]] : [];
    const own = [...lrCOwn, ...Object.entries(r.options).filter(([k, v]) => !['assignTemperature', 'pseudoQueries', 'validationNprobe', 'lrCentroids'].includes(k) && DISTILL_DEFAULTS[k] !== v)]
      .map(([k, v]) => `${k} ${v}`).join(', ');
    const train = r.train === 'pseudo' ? `, ${r.options.pseudoQueries} pseudo-queries` : r.train === 'mixed' ? `, queries + ${r.options.pseudoQueries} pseudo-queries` : '';
    row(`Distill-VQ ${r.loss}${r.inBatch ? ' + in-batch' : ''}${train}${r.plain ? ' (from k-means, no OPQ)' : ''}${own ? ` [${own}]` : ''}`, r, r.report.totalSeconds.toFixed(0), per, r.options.assignTemperature.toExponential(1));
  }
  md += '\n';
  md += runNotes(key, cfg);
}
// notes kept in the results file (what a run could not show, e.g. a partial run), rendered as they are
if (results.notes?.length) md += `## Notes\n\n${results.notes.map((n) => `- ${n}`).join('\n')}\n\n`;
md += `![recall@10 by method](${outName}.svg)\n`;
writeFileSync(join(root, `bench/results/${outName}.md`), md);
writeFileSync(join(root, `bench/results/${outName}.svg`), barChartSvg({ title: `Recall@10 at nprobe ${results.nprobe} (${results.split.replace(/.*evaluate on /, '')})`, series }));
process.stdout.write(md);

/** Per run, in words: whether distillation gained anything over its start (plainly, when it did not), how it
 *  compares with Faiss OPQ at the same bytes, and the GPU memory the engine held after each epoch. */
function runNotes(key, cfg) {
  let out = '';
  for (const [name, r] of Object.entries(cfg.runs)) {
    const d = r['recall@10'] - r.startRecall10;
    const gain = r.report.improved === false
      ? `**no gain**: distillation ended with the start's parameters (held-out recall@10 ${f4(r.startRecall10)} -> ${f4(r['recall@10'])}; the library says: "${r.report.message}")`
      : d <= 0
        ? `**no gain on the held-out queries**: recall@10 ${f4(r.startRecall10)} -> ${f4(r['recall@10'])}${r.report.message ? ` although validation said ${r.report.message}` : ''}`
        : `held-out recall@10 ${f4(r.startRecall10)} -> ${f4(r['recall@10'])} (+${d.toFixed(4)})${r.report.message ? `; validation: ${r.report.message}` : ''}`;
    const vs = (what, peer) => (peer === undefined ? ` ${what} was not measured in these results.`
      : ` Against ${what} at the same bytes (${f4(peer)}): ${r['recall@10'] > peer ? 'ahead' : 'behind'} by ${Math.abs(r['recall@10'] - peer).toFixed(4)}.`);
    const vsFaiss = vs('Faiss IVFPQ', cfg.faiss?.['recall@10']) + vs('Faiss OPQ+IVFPQ', cfg.faissOpq?.['recall@10']);
    const mib = (b) => (b / 2 ** 20).toFixed(1);
    const mem = r.gpuLiveBytes ? ` GPU memory held by the engine (MiB): ${mib(r.gpuLiveBytes.beforeDistill)} before, ${r.gpuLiveBytes.afterEpoch.map(mib).join(', ')} after each epoch, ${mib(r.gpuLiveBytes.after)} after.` : '';
    const res = r.report;
    const how = r.command ? ` Made by \`${r.command}\`${r.loadavg ? ` at load average ${la(r.loadavg.start)} -> ${la(r.loadavg.end)}` : ''}.` : '';
    // reports recorded by older builds lack some of these fields: they are shown as 'not recorded'
    const p = (x, digits) => (typeof x === 'number' ? x.toPrecision(digits) : 'not recorded');
    const list = (xs, fmt) => (Array.isArray(xs) ? xs.map(fmt).join(', ') : 'not recorded');
    const resolved = ` Resolved: loss temperature ${p(res.temperature, 4)}, lrScale ${p(res.lrScale, 4)}, assignment temperature ${p(res.assignTemperature, 4)}, IVF weight ${p(res.ivfWeight, 3)}; loss per epoch ${list(res.epochLoss, (x) => x.toPrecision(4))}; validation recall@10 per epoch (0 = start) ${list(res.validationRecall, (x) => x.toFixed(4))}.`;
    out += `- ${key} ${name}: ${gain}.${vsFaiss}${mem}${resolved}${how}\n`;
  }
  return out ? out + '\n' : '';
}
