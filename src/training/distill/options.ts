// Distill-VQ's options, their defaults and their checks. `resolveOptions` checks every option before any work
// starts and returns the settings the trainer runs with; each failure names the option.
import type { Tensor } from '../../autograd/tensor.js';
import { listNetLoss, klLoss, mseLoss, marginMseLoss, rankNetLoss, type LossOptions } from '../../autograd/losses.js';
import { toMatrix } from '../../index/validate.js';
import { checkInt } from '../../util/check.js';
import type { LongWorkOptions } from '../../util/progress.js';

export type DistillLoss = 'listnet' | 'kl' | 'mse' | 'margin-mse' | 'ranknet';

export interface DistillOptions extends LongWorkOptions {
  /** the original vectors of the documents (n x dim, as given to add(); the teacher). After training the index
   *  holds exactly these vectors, re-encoded, with ids `ids` (default 0..n-1). */
  base: Float32Array;
  ids?: ArrayLike<number>;
  /** unlabeled training queries (nq x dim). Without them, `pseudoQueries` base documents are used as queries. */
  queries?: Float32Array;
  /** number of base documents used as pseudo-queries, in addition to `queries` (default: 0 when queries are
   *  given, else min(n, 4000)). The validation queries are held out from `queries` when there are some. */
  pseudoQueries?: number;
  loss?: DistillLoss;
  /** temperature of the loss's softmax (ListNet, KL) / logistic (RankNet). Default for an inner-product index
   *  0.05: unit-norm embeddings give scores in a narrow band, so at 1 the teacher's softmax is nearly flat.
   *  Default for an L2 index 'auto': `temperatureScale` times the mean spread of the teacher's top-K scores
   *  (|best - K-th| squared distance), so the softmax is neither flat nor one-hot whatever the scale of the data
   *  (with pixel values in the 100s, squared distances are ~1e6 and a fixed 0.05 makes every softmax one-hot). */
  temperature?: number | 'auto';
  /** factor of the 'auto' loss temperature (default 0.3: of 0.03, 0.1 and 0.3, the best held-out recall on small
   *  clustered L2 sets) */
  temperatureScale?: number;
  /** temperature of the soft code assignment's backward pass. 'auto' (default): `assignTemperatureScale` times
   *  the mean squared distance of a residual sub-vector to its nearest codeword at the start, so the soft
   *  assignment is neither uniform nor one-hot whatever the scale of the vectors. The reference keeps 1, which
   *  for unit-norm vectors (distances ~1e-3) makes the soft assignment uniform and its gradient vanish. */
  assignTemperature?: number | 'auto';
  /** factor of the 'auto' assignment temperature (default 0.05) */
  assignTemperatureScale?: number;
  epochs?: number;
  /** training queries per step */
  batchSize?: number;
  /** teacher candidates per query */
  topK?: number;
  /** add the other queries' candidates to each query's list (the paper: dropping them hurt) */
  inBatch?: boolean;
  /** AdamW learning rate of the PQ codebooks (default 3e-4) */
  lrCodebooks?: number;
  /** learning rate of the IVF centroids (default 1e-4) */
  lrCentroids?: number;
  /** factor on both learning rates. AdamW moves a parameter by about its learning rate per step whatever the
   *  gradient's size, so the rates are in units of the data. Default for an inner-product index 1 (the rates
   *  above suit unit-norm embeddings); for an L2 index 'auto': the start's RMS quantization error per coordinate
   *  (sqrt of the mean squared residual-to-codeword distance / dsub) over 0.02, that of unit-norm 512-d sentence
   *  embeddings, so pixel-scale data (errors ~10-100) gets rates ~1000 times larger instead of standing still. */
  lrScale?: number | 'auto';
  /** optimizer of the IVF centroids: 'adamw' (default) or 'sgd' (as the reference code) */
  centroidOptimizer?: 'sgd' | 'adamw';
  /** fraction of the steps spent in linear warm-up (then linear decay) */
  warmup?: number;
  /** weight of the IVF-only term: 'auto' (rescale once so it starts equal to the PQ term) or a number */
  ivfWeight?: 'auto' | number;
  /** training queries held out to measure recall@10 after each epoch (default min(200, 10%)) */
  validationQueries?: number;
  /** nprobe used for the validation recall */
  validationNprobe?: number;
  /** keep the epoch with the best validation recall (default true) */
  keepBest?: boolean;
  seed?: number;
}

export interface DistillReport {
  loss: DistillLoss;
  epochs: number;
  steps: number;
  trainQueries: number;
  validationQueries: number;
  /** mean loss per epoch */
  epochLoss: number[];
  /** validation recall@10 before training (index 0) and after each epoch */
  validationRecall: number[];
  bestEpoch: number;
  ivfWeight: number;
  /** temperature of the soft code assignment that was used (resolved when 'auto') */
  assignTemperature: number;
  /** factor on the learning rates that was used (resolved when 'auto') */
  lrScale: number;
  /** temperature of the loss that was used (resolved when 'auto') */
  temperature: number;
  /** whether the index ended better than it started on the validation queries (best validation recall@10 above
   *  the starting one); null when that was not measured (no validation queries, or keepBest off) */
  improved: boolean | null;
  /** a plain sentence on the outcome: what was gained, or that the index kept its start and why it may have */
  message: string;
  secondsPerEpoch: number[];
  teacherSeconds: number;
  totalSeconds: number;
}

/** The defaults of `distill()` (the CLI and the benchmarks read them from here). */
export const DISTILL_DEFAULTS = {
  loss: 'listnet', temperature: 0.05, l2Temperature: 'auto', temperatureScale: 0.3, l2LrScale: 'auto', assignTemperature: 'auto', assignTemperatureScale: 0.05, epochs: 3, batchSize: 32,
  topK: 100, inBatch: true, lrCodebooks: 3e-4, lrCentroids: 1e-4, centroidOptimizer: 'adamw', warmup: 0.1, seed: 1234,
} as const;

export type LossFn = (teacher: Tensor, student: Tensor, o: LossOptions) => Tensor;

const LOSSES: Record<DistillLoss, LossFn> = {
  'listnet': listNetLoss, 'kl': klLoss, 'mse': mseLoss, 'margin-mse': marginMseLoss, 'ranknet': rankNetLoss,
};

/** The checked settings of one distill() call. */
export interface DistillSettings {
  base: Float32Array;
  n: number;
  ids: Int32Array | undefined;
  /** the given training queries (nq x dim), if any */
  queries: { data: Float32Array; n: number } | null;
  pseudoQueries: number;
  /** validation queries asked for (the split caps it) */
  validationQueries: number;
  loss: DistillLoss;
  lossFn: LossFn;
  temperature: number | 'auto';
  temperatureScale: number;
  assignTemperature: number | 'auto';
  assignTemperatureScale: number;
  epochs: number;
  batchSize: number;
  topK: number;
  inBatch: boolean;
  lrCodebooks: number;
  lrCentroids: number;
  lrScale: number | 'auto';
  centroidOptimizer: 'sgd' | 'adamw';
  warmup: number;
  ivfWeight: number | 'auto';
  validationNprobe: number;
  keepBest: boolean;
  seed: number;
}

/** Checks every option against the index (dim, nlist) and fills in the defaults. */
export function resolveOptions(index: { dim: number; nlist: number; metric?: 'ip' | 'l2' }, opts: DistillOptions): DistillSettings {
  const def = DISTILL_DEFAULTS;
  const { data: base, n } = toMatrix(opts.base, index.dim, 'distill base');
  if (opts.ids && opts.ids.length !== n) throw new Error(`distill: ${opts.ids.length} ids given for ${n} base vectors`);
  const loss = opts.loss ?? def.loss;
  if (!(loss in LOSSES)) throw new Error(`distill: unknown loss '${loss}' (listnet, kl, mse, margin-mse, ranknet)`);
  const epochs = checkInt(opts.epochs ?? def.epochs, 'epochs', 1, 1000);
  const batchSize = checkInt(opts.batchSize ?? def.batchSize, 'batchSize', 1, 4096);
  const topK = checkInt(opts.topK ?? def.topK, 'topK', 1, Math.min(1024, n));
  const assignTemperature = opts.assignTemperature ?? def.assignTemperature;
  if (assignTemperature !== 'auto' && !(assignTemperature > 0)) throw new Error(`distill: assignTemperature must be > 0 or 'auto' (got ${assignTemperature})`);
  const assignTemperatureScale = opts.assignTemperatureScale ?? def.assignTemperatureScale;
  if (!(assignTemperatureScale > 0)) throw new Error(`distill: assignTemperatureScale must be > 0 (got ${assignTemperatureScale})`);
  const queries = opts.queries ? toMatrix(opts.queries, index.dim, 'distill queries') : null;
  const pseudoQueries = opts.pseudoQueries !== undefined ? checkInt(opts.pseudoQueries, 'pseudoQueries', 0, n) : queries ? 0 : Math.min(n, 4000);
  const valPool = queries ? queries.n : pseudoQueries;
  const validationQueries = opts.validationQueries !== undefined ? checkInt(opts.validationQueries, 'validationQueries', 0) : Math.min(200, Math.floor(valPool * 0.1));
  const temperature = opts.temperature ?? (index.metric === 'l2' ? def.l2Temperature : def.temperature);
  if (temperature !== 'auto') positive(temperature, 'temperature');
  const temperatureScale = positive(opts.temperatureScale ?? def.temperatureScale, 'temperatureScale');
  const lrCodebooks = nonNegative(opts.lrCodebooks ?? def.lrCodebooks, 'lrCodebooks');
  const lrCentroids = nonNegative(opts.lrCentroids ?? def.lrCentroids, 'lrCentroids');
  const lrScale = opts.lrScale ?? (index.metric === 'l2' ? def.l2LrScale : 1);
  if (lrScale !== 'auto') positive(lrScale, 'lrScale');
  const centroidOptimizer = opts.centroidOptimizer ?? def.centroidOptimizer;
  if (centroidOptimizer !== 'sgd' && centroidOptimizer !== 'adamw') throw new Error(`distill: centroidOptimizer must be 'sgd' or 'adamw' (got '${String(centroidOptimizer)}')`);
  const warmup = opts.warmup ?? def.warmup;
  if (!(warmup >= 0 && warmup <= 1)) throw new Error(`distill: warmup must be a fraction in [0, 1] (got ${warmup})`);
  const ivfWeight = opts.ivfWeight ?? 'auto';
  if (ivfWeight !== 'auto') nonNegative(ivfWeight, 'ivfWeight');
  const validationNprobe = Math.min(index.nlist, checkInt(opts.validationNprobe ?? Math.max(1, Math.round(index.nlist / 8)), 'validationNprobe', 1));
  for (const [name, v] of [['inBatch', opts.inBatch], ['keepBest', opts.keepBest]] as const) {
    if (v !== undefined && typeof v !== 'boolean') throw new Error(`distill: ${name} must be true or false (got ${String(v)})`);
  }
  return {
    base, n, ids: opts.ids ? Int32Array.from(opts.ids) : undefined, queries, pseudoQueries, validationQueries,
    loss, lossFn: LOSSES[loss], temperature, temperatureScale, assignTemperature, assignTemperatureScale, epochs, batchSize, topK,
    inBatch: opts.inBatch ?? def.inBatch, lrCodebooks, lrCentroids, lrScale, centroidOptimizer, warmup, ivfWeight, validationNprobe,
    keepBest: opts.keepBest ?? true, seed: opts.seed ?? def.seed,
  };
}

function positive(v: number, name: string): number {
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new Error(`distill: ${name} must be a finite number > 0 (got ${String(v)})`);
  return v;
}

function nonNegative(v: number, name: string): number {
  if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw new Error(`distill: ${name} must be a finite number >= 0 (got ${String(v)})`);
  return v;
}
