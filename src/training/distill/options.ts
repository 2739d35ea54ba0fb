// Distill-VQ's options, their defaults and their checks. `checkDistillOptions` is the one rule of each option (the
// CLI applies it before reading files); `resolveOptions` applies it, then the checks that need the data, before any
// work starts, and returns the settings the trainer runs with. Each failure is an InputError naming the option.
import type { Tensor } from '../../autograd/tensor.js';
import { listNetLoss, klLoss, mseLoss, marginMseLoss, rankNetLoss, type LossOptions } from '../../autograd/losses.js';
import { toMatrix, type OptionName } from '../../index/validate.js';
import { checkInt, checkNumber } from '../../util/check.js';
import { InputError } from '../../util/errors.js';
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
   *  0.1: unit-norm embeddings give scores in a narrow band, so at 1 the teacher's softmax is nearly flat, and
   *  below ~0.05 it puts nearly all the weight on the first few candidates (DISTILL_DEFAULTS says how 0.1 was chosen).
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
  /** learning rate of the IVF centroids. Default: 0 (centroids frozen) when the index has a rotation (OPQ), else
   *  1e-4 (DISTILL_DEFAULTS: lrCentroidsRotated, lrCentroids; the doc comment there says why). */
  lrCentroids?: number;
  /** factor on both learning rates. AdamW moves a parameter by about its learning rate per step whatever the
   *  gradient's size, so the rates are in units of the data. Default for an inner-product index 1 (the rates
   *  above suit unit-norm embeddings); for an L2 index 'auto': the start's RMS quantization error per coordinate
   *  (sqrt of the mean squared residual-to-codeword distance / dsub) over 0.02, that of unit-norm 512-d sentence
   *  embeddings, so pixel-scale data (errors ~10-100) gets rates ~1000 times larger instead of standing still. */
  lrScale?: number | 'auto';
  /** learn the rotation with the codebooks (default false): an index with a rotation (OPQ) starts from it, one
   *  without from the identity, and the result has one. The rotation R is updated by AdamW on the loss's gradient
   *  and kept orthogonal by projecting it onto the nearest orthogonal matrix (the polar factor U V^T of its SVD)
   *  every `orthogonalizeEvery` steps and at the end of each epoch. Each batch's rows are then rotated on the tape,
   *  which costs 2 x (rows x dim x dim) multiply-adds forward and as many backward per step. */
  learnRotation?: boolean;
  /** AdamW learning rate of the rotation's entries (default 2e-5; not scaled by lrScale: the entries of an
   *  orthogonal matrix have no unit) */
  lrRotation?: number;
  /** steps between projections of the learned rotation onto the orthogonal matrices (default 16) */
  orthogonalizeEvery?: number;
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
  /** the start: 'rotated' when the index has a rotation (OPQ), else 'plain' (k-means IVF + PQ only) */
  start: DistillStart;
  /** learning rate of the IVF centroids that was used (its default depends on the start; 0: frozen) */
  lrCentroids: number;
  /** whether the index ended better than it started on the validation queries (best validation recall@10 above
   *  the starting one); null when that was not measured (no validation queries, or keepBest off) */
  improved: boolean | null;
  /** with learnRotation: max |R R^T - I| of the rotation the index ended with (0 up to float32 rounding) */
  rotationOrthogonalityError?: number;
  /** a plain sentence on the outcome: what was gained, or that the index kept its start and why it may have */
  message: string;
  secondsPerEpoch: number[];
  teacherSeconds: number;
  totalSeconds: number;
}

/** Where a distillation starts: an index with a rotation (OPQ) or a plain k-means IVF + PQ index. */
export type DistillStart = 'rotated' | 'plain';

/**
 * The defaults of `distill()` (the CLI and the benchmarks read them from here). Some depend on the start:
 * - `lrCentroids` 1e-4 from a plain start, `lrCentroidsRotated` 0 (IVF centroids frozen) from a rotated one. On
 *   wordnet-use-lite-512-ip (IVF256,PQ32x8, nprobe 32, 8 epochs; bench/results/distill.md) the OPQ start 0.7300
 *   recall@10 went to 0.7611 with learned centroids and to 0.7737 with frozen ones: on top of OPQ the IVF lists are
 *   not what limits recall, and moving the centroids costs some of the codebooks' gain. From a plain k-means start
 *   (0.5292) learning them helps: 0.5986.
 * The CLI's `train --distill` learns an OPQ rotation first unless told `--no-opq`: the OPQ start and its distillation
 * (0.7300 -> 0.7737) are far above the plain ones (0.5292 -> 0.5986) at the same bytes per vector.
 * - `temperature` 0.1 (inner product) and `epochs` 8: on the same data from the OPQ start (0.7306; 8 epochs, held-out
 *   queries 2000-2999, bench/results/distill-sweep.md) the loss temperature gave 0.7646 at 0.03, 0.7737 at 0.05,
 *   0.7762 at 0.1 and 0.7715 at 0.2 (validation recall 0.790 against 0.774 at 0.05); 3 epochs gave 0.7665 at 0.05,
 *   12 epochs 0.7714 (the validation recall levels off after 5-7 epochs). 8 epochs of 1,800 queries take ~3 minutes
 *   on a quiet 2-core machine with a software GPU.
 */
export const DISTILL_DEFAULTS = {
  loss: 'listnet', temperature: 0.1, l2Temperature: 'auto', temperatureScale: 0.3, l2LrScale: 'auto', assignTemperature: 'auto', assignTemperatureScale: 0.05, epochs: 8, batchSize: 32,
  topK: 100, inBatch: true, lrCodebooks: 3e-4, lrCentroids: 1e-4, lrCentroidsRotated: 0, centroidOptimizer: 'adamw', warmup: 0.1, seed: 1234,
  learnRotation: false, lrRotation: 2e-5, orthogonalizeEvery: 16,
} as const;

/** The options whose default depends on the start (see DISTILL_DEFAULTS), as distill() resolves them. */
export function startDefaults(start: DistillStart): { lrCentroids: number } {
  return { lrCentroids: start === 'rotated' ? DISTILL_DEFAULTS.lrCentroidsRotated : DISTILL_DEFAULTS.lrCentroids };
}

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
  start: DistillStart;
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
  learnRotation: boolean;
  lrRotation: number;
  orthogonalizeEvery: number;
  centroidOptimizer: 'sgd' | 'adamw';
  warmup: number;
  ivfWeight: number | 'auto';
  validationNprobe: number;
  keepBest: boolean;
  seed: number;
}

/** Range of each option that has one, independent of the data (resolveOptions adds the bounds that depend on it). */
const LIMITS = { epochs: [1, 1000], batchSize: [1, 4096], topK: [1, 1024] } as const;

/**
 * Checks every option that does not depend on the data: types, ranges and choices. resolveOptions calls it first;
 * the CLI calls it before reading any file, naming each option by its flag (`name`). Throws an InputError naming
 * the option and the value.
 */
export function checkDistillOptions(opts: Partial<DistillOptions>, name: OptionName = (o) => `distill: ${o}`): void {
  if (opts.loss !== undefined && !Object.hasOwn(LOSSES, opts.loss)) {
    throw new InputError(`${name('loss')}: unknown loss '${String(opts.loss)}' (one of ${Object.keys(LOSSES).join(', ')})`);
  }
  for (const k of ['epochs', 'batchSize', 'topK'] as const) if (opts[k] !== undefined) checkInt(opts[k], name(k), LIMITS[k][0], LIMITS[k][1]);
  for (const k of ['pseudoQueries', 'validationQueries'] as const) if (opts[k] !== undefined) checkInt(opts[k], name(k), 0);
  if (opts.validationNprobe !== undefined) checkInt(opts.validationNprobe, name('validationNprobe'), 1);
  for (const k of ['assignTemperatureScale', 'temperatureScale'] as const) if (opts[k] !== undefined) checkNumber(opts[k], name(k), { gt: 0 });
  for (const k of ['temperature', 'assignTemperature', 'lrScale'] as const) {
    const v = opts[k];
    if (v !== undefined && v !== 'auto' && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new InputError(`${name(k)} must be a finite number > 0 or 'auto', got ${String(v)}`);
  }
  if (opts.orthogonalizeEvery !== undefined) checkInt(opts.orthogonalizeEvery, name('orthogonalizeEvery'), 1);
  for (const k of ['lrCodebooks', 'lrCentroids', 'lrRotation'] as const) if (opts[k] !== undefined) checkNumber(opts[k], name(k), { min: 0 });
  if (opts.ivfWeight !== undefined && opts.ivfWeight !== 'auto') checkNumber(opts.ivfWeight, name('ivfWeight'), { min: 0 });
  if (opts.warmup !== undefined && !(typeof opts.warmup === 'number' && opts.warmup >= 0 && opts.warmup <= 1)) {
    throw new InputError(`${name('warmup')} must be a fraction in [0, 1], got ${String(opts.warmup)}`);
  }
  if (opts.centroidOptimizer !== undefined && opts.centroidOptimizer !== 'sgd' && opts.centroidOptimizer !== 'adamw') {
    throw new InputError(`${name('centroidOptimizer')} must be 'sgd' or 'adamw', got '${String(opts.centroidOptimizer)}'`);
  }
  for (const k of ['inBatch', 'keepBest', 'learnRotation'] as const) {
    if (opts[k] !== undefined && typeof opts[k] !== 'boolean') throw new InputError(`${name(k)} must be true or false, got ${String(opts[k])}`);
  }
}

/** The bounds that depend on the base's size n: topK and pseudoQueries at most n (an InputError naming the option
 *  by `name`; `what` names the base). The CLI applies it from the files' headers, before reading them. */
export function checkDistillSizes(opts: Pick<DistillOptions, 'topK' | 'pseudoQueries'>, n: number,
  name: OptionName = (o) => `distill: ${o}`, what = 'base vectors'): void {
  const topK = opts.topK ?? DISTILL_DEFAULTS.topK;
  if (topK > n) throw new InputError(`${name('topK')} ${topK} is more than the ${n} ${what} (the teacher ranks that many per query)`);
  if (opts.pseudoQueries !== undefined && opts.pseudoQueries > n) throw new InputError(`${name('pseudoQueries')} ${opts.pseudoQueries} is more than the ${n} ${what}`);
}

/**
 * Checks every option (checkDistillOptions, then against the data and the index: dim, nlist) and fills in the
 * defaults, some of which depend on the metric and on the start (`index.rotated`: the index has a rotation).
 */
export function resolveOptions(index: { dim: number; nlist: number; metric?: 'ip' | 'l2'; rotated?: boolean }, opts: DistillOptions): DistillSettings {
  const def = DISTILL_DEFAULTS;
  checkDistillOptions(opts);
  const { data: base, n } = toMatrix(opts.base, index.dim, 'distill base');
  if (opts.ids && opts.ids.length !== n) throw new InputError(`distill: ${opts.ids.length} ids given for ${n} base vectors`);
  const queries = opts.queries ? toMatrix(opts.queries, index.dim, 'distill queries') : null;
  checkDistillSizes(opts, n);
  const topK = opts.topK ?? def.topK;
  const pseudoQueries = opts.pseudoQueries ?? (queries ? 0 : Math.min(n, 4000));
  const valPool = queries ? queries.n : pseudoQueries;
  const loss = opts.loss ?? def.loss;
  const l2 = index.metric === 'l2';
  const start: DistillStart = index.rotated ? 'rotated' : 'plain';
  return {
    base, n, ids: opts.ids ? Int32Array.from(opts.ids) : undefined, queries, start, pseudoQueries,
    validationQueries: opts.validationQueries ?? Math.min(200, Math.floor(valPool * 0.1)),
    loss, lossFn: LOSSES[loss], temperature: opts.temperature ?? (l2 ? def.l2Temperature : def.temperature),
    temperatureScale: opts.temperatureScale ?? def.temperatureScale, lrScale: opts.lrScale ?? (l2 ? def.l2LrScale : 1),
    assignTemperature: opts.assignTemperature ?? def.assignTemperature, assignTemperatureScale: opts.assignTemperatureScale ?? def.assignTemperatureScale,
    epochs: opts.epochs ?? def.epochs, batchSize: opts.batchSize ?? def.batchSize, topK, inBatch: opts.inBatch ?? def.inBatch,
    lrCodebooks: opts.lrCodebooks ?? def.lrCodebooks, lrCentroids: opts.lrCentroids ?? startDefaults(start).lrCentroids,
    learnRotation: opts.learnRotation ?? def.learnRotation, lrRotation: opts.lrRotation ?? def.lrRotation,
    orthogonalizeEvery: opts.orthogonalizeEvery ?? def.orthogonalizeEvery,
    centroidOptimizer: opts.centroidOptimizer ?? def.centroidOptimizer, warmup: opts.warmup ?? def.warmup,
    ivfWeight: opts.ivfWeight ?? 'auto',
    validationNprobe: Math.min(index.nlist, opts.validationNprobe ?? Math.max(1, Math.round(index.nlist / 8))),
    keepBest: opts.keepBest ?? true, seed: opts.seed ?? def.seed,
  };
}
