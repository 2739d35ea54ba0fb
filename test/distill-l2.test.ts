// Distill-VQ on an L2 index over data of a large scale (2,000 x 32, Gaussian clusters with coordinates in the
// 100s, as pixel data): the teacher ranks by L2 distance, the students by negative squared distance, the loss
// temperature and the learning rates follow the scale of the data, so the loss falls and held-out recall@10
// rises over the k-means start. The training and held-out queries come from 5 of the 40 clusters: the index
// learns where the queries are, which k-means (query-blind) cannot. With the inner-product defaults (fixed
// temperature 0.1, learning rates for unit-norm data) the same run stands still, and the report says so.
import t from 'tap';
import { getEngine } from './helpers.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { exactSearchRef } from './reference/ivfpq.js';
import { recallAtK } from '../src/index/metrics.js';
import { mulberry32 } from '../src/util/random.js';
import { resolveOptions, DISTILL_DEFAULTS } from '../src/training/distill/options.js';

const n = 2000, dim = 32, nq = 600, nVal = 100, nEval = 200, nc = 40, topK = 20;
const r = mulberry32(11);
const gauss = (): number => { let u = 0; while (u === 0) u = r(); return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r()); };
const centers = Float32Array.from({ length: nc * dim }, () => 100 + 60 * gauss());
const rows = (count: number, clusters: number): Float32Array => {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    const c = Math.floor(r() * clusters);
    for (let j = 0; j < dim; j++) out[i * dim + j] = centers[c * dim + j]! + 25 * gauss();
  }
  return out;
};
const base = rows(n, nc), queries = rows(nq, 5), evalQ = rows(nEval, 5);
const truth = exactSearchRef(base, n, evalQ, nEval, dim, 10, 'l2');
const settings = { base, queries, topK, batchSize: 32, epochs: 6, validationQueries: nVal, validationNprobe: 4, seed: 5 };

async function startIndex(): Promise<IvfPqIndex> {
  const index = new IvfPqIndex(await getEngine(), { dim, nlist: 16, m: 8, bits: 4, metric: 'l2' });
  await index.train(base, { seed: 3 });
  await index.add(base);
  return index;
}
const heldOut = async (index: IvfPqIndex): Promise<number> => recallAtK((await index.search(evalQ, { k: 10, nprobe: 4 })).ids, 10, truth, 10, nEval, 10);

t.test('L2 distillation lowers the loss and raises held-out recall@10 over the k-means start', async (t) => {
  const index = await startIndex();
  const before = await heldOut(index);
  const report = await index.distill(settings);
  const after = await heldOut(index);
  t.comment(`loss ${report.epochLoss.map((x) => x.toFixed(3)).join(' ')}; validation ${report.validationRecall.join(' ')}; held-out recall@10 ${before} -> ${after}; T ${report.temperature}, lrScale ${report.lrScale.toFixed(1)}`);
  t.ok(report.epochLoss[report.epochLoss.length - 1]! < 0.99 * report.epochLoss[0]!, 'the loss falls (by more than 1%: ListNet keeps the teacher entropy as its floor)');
  t.ok(after >= before + 0.015, `held-out recall@10 rises (${before} -> ${after})`);
  t.equal(report.improved, true, 'the report says it improved');
  t.ok(report.bestEpoch > 0 && report.validationRecall[report.bestEpoch]! > report.validationRecall[0]!, 'a trained epoch is kept');
  t.match(report.message, /^validation recall@10 0\.\d+ -> 0\.\d+ \(epoch \d of 6 kept\)$/);
  // 'auto' temperature: 0.3 x the mean over the training queries of d^2(K-th) - d^2(1st) (float64 reference)
  const spread = spreadRef(queries, nq - nVal);
  t.ok(Math.abs(report.temperature - 0.3 * spread) <= 1e-3 * report.temperature, `auto loss temperature ${report.temperature} = 0.3 x ${spread}`);
  // 'auto' learning-rate scale: the start's RMS error per coordinate (~25 here) over 0.02
  const rms = Math.sqrt(report.assignTemperature / 0.05 / (dim / 8));
  t.ok(Math.abs(report.lrScale - rms / 0.02) <= 1e-6 * report.lrScale && report.lrScale > 100, `auto lrScale ${report.lrScale} = ${rms} / 0.02`);
  index.dispose();
});

t.test('with the inner-product defaults the same run gains nothing, and the report says so plainly', async (t) => {
  const index = await startIndex();
  const before = await heldOut(index);
  const report = await index.distill({ ...settings, epochs: 2, temperature: DISTILL_DEFAULTS.temperature, lrScale: 1 });
  t.comment(`loss ${report.epochLoss.map((x) => x.toFixed(3)).join(' ')}; validation ${report.validationRecall.join(' ')}`);
  t.equal(report.improved, false, 'improved: false');
  t.equal(report.bestEpoch, 0, 'the start is kept');
  t.match(report.message, /^no gain: validation recall@10 0\.\d+ at the start, at best 0\.\d+ after 2 epoch\(s\); the index keeps its starting parameters/);
  t.equal(await heldOut(index), before, 'the index is the start, re-encoded');
  index.dispose();
});

t.test('the defaults depend on the metric; bad values are refused', async (t) => {
  const ip = resolveOptions({ dim, nlist: 16, metric: 'ip' }, { base });
  t.equal(ip.temperature, DISTILL_DEFAULTS.temperature, 'ip: the fixed default temperature');
  t.equal(DISTILL_DEFAULTS.temperature, 0.1, 'which is 0.1');
  t.equal(ip.lrScale, 1, 'ip: learning rates as given');
  const l2 = resolveOptions({ dim, nlist: 16, metric: 'l2' }, { base });
  t.equal(l2.temperature, 'auto');
  t.equal(l2.lrScale, 'auto');
  t.equal(resolveOptions({ dim, nlist: 16, metric: 'l2' }, { base, temperature: 2, lrScale: 3 }).temperature, 2, 'a given temperature wins');
  t.throws(() => resolveOptions({ dim, nlist: 16 }, { base, lrScale: 0 }), /lrScale must be a finite number > 0/);
  t.throws(() => resolveOptions({ dim, nlist: 16 }, { base, temperatureScale: -1 }), /temperatureScale must be a finite number > 0/);
  t.throws(() => resolveOptions({ dim, nlist: 16 }, { base, temperature: 'hot' as 'auto' }), /temperature must be a finite number > 0/);
});

/** mean over the first nTrain queries of |d^2 to the K-th nearest - d^2 to the nearest| (float64) */
function spreadRef(q: Float32Array, nTrain: number): number {
  let sum = 0;
  const d2 = new Float64Array(n);
  for (let i = 0; i < nTrain; i++) {
    for (let b = 0; b < n; b++) { let s = 0; for (let j = 0; j < dim; j++) s += (q[i * dim + j]! - base[b * dim + j]!) ** 2; d2[b] = s; }
    const sorted = Float64Array.from(d2).sort();
    sum += sorted[topK - 1]! - sorted[0]!;
  }
  return sum / nTrain;
}
