// A small measured Distill-VQ run on Fashion-MNIST (L2, raw pixels 0-255): the first NB (20,000) training images
// as the base, IVF<NL>(64),PQ16x8, test images 0..NQ-1 (1,000) as training queries and the next NE (500) held out;
// recall@10 at nprobe NL/8 against the exact L2 top-10 over the same base, for the k-means start and after
// Distill-VQ with the library defaults (EP epochs, default 3). Prints one JSON line; stages go to stderr.
// Usage: [NB=.. NQ=.. NE=.. NL=.. EP=..] npx tsx bench/distill-l2-smoke.ts [data dir]
import os from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../src/node/create.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { readVectors } from '../src/io/vectors-node.js';
import { exactSearch } from '../src/index/exact.js';
import { recallAtK } from '../src/index/metrics.js';

const dir = process.argv[2] ?? join(import.meta.dirname, '..', '..', 'shared', 'data', 'fashion-mnist-784-l2');
const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const nBase = env('NB', 20000), nTrainQ = env('NQ', 1000), nEval = env('NE', 500), nlist = env('NL', 64), epochs = env('EP', 3);
const nprobe = Math.max(1, nlist / 8);
const stage = (what: string): void => { console.error(`${new Date().toISOString()} ${what}`); };
const base = await readVectors(join(dir, 'base.bvecs'));
const q = await readVectors(join(dir, 'query.bvecs'));
const dim = base.dim;
const X = base.data.subarray(0, nBase * dim);
const trainQ = q.data.subarray(0, nTrainQ * dim), evalQ = q.data.subarray(nTrainQ * dim, (nTrainQ + nEval) * dim);
const engine = await createEngine();
stage('read');
const truth = (await exactSearch(engine, X, nBase, evalQ, nEval, dim, 10, 'l2')).ids;
stage('truth');
const index = new IvfPqIndex(engine, { dim, nlist, m: 16, bits: 8, metric: 'l2' });
const t0 = Date.now();
await index.train(X, { seed: 1234 });
stage('trained');
await index.add(X);
const recall = async () => recallAtK((await index.search(evalQ, { k: 10, nprobe })).ids, 10, truth, 10, nEval, 10);
const start = await recall();
const tD = Date.now();
const report = await index.distill({ base: X, queries: trainQ, epochs, onProgress: (p) => { if (p.phase !== 'distill' || p.done % 8 === 0) stage(JSON.stringify(p)); } });
const after = await recall();
console.log(JSON.stringify({
  nBase, dim, nlist, m: 16, nprobe, trainQueries: report.trainQueries, validationQueries: report.validationQueries, heldOut: nEval,
  kmeansRecall10: start, distillRecall10: after, report, trainSeconds: (tD - t0) / 1000, distillSeconds: (Date.now() - tD) / 1000,
  loadavg: os.loadavg(),
}));
process.exit(0);
