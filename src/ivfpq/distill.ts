// Distill-VQ (Xiao et al., SIGIR 2022): the dense embeddings are the teacher, the IVFPQ index the student.
// Starting from a trained index, the IVF centroids and PQ codebooks are learned so that the index's scores
// reproduce the teacher's ranking of each training query's candidates; no labels are needed.
//
// One step, for a batch of training queries (everything on the GPU, recorded on the autograd tape):
//   candidates  = the teacher's top-K documents of each query (+ the other queries' candidates: in-batch)
//   o_d         = IVF centroid of the document's list (fixed list during training, learned centroid)
//   u_d         = x_d - o_d                                    residual
//   a_d         = straight-through one-hot of argmin_j ||u_d^m - c_j^m||^2 per sub-space m
//                 (forward hard, backward through softmax(-dist / tau_assign))
//   r_d         = o_d + a_d . C                                 reconstruction
//   teacher     t(q, d) = <q, x_d>;  students s_pq(q, d) = <q, r_d> and s_ivf(q, d) = <q, o_d>
//   loss        = L(t, s_pq) + w * L(t, s_ivf)   (w rescales the IVF term once so both start equal)
// then backward, optimizer step. After training, documents are re-assigned and re-encoded.
import type { IvfPqIndex } from './index.js';
import { Tape, type Tensor } from '../autograd/tensor.js';
import { gatherRows, sub, add, scale, reshape } from '../autograd/ops.js';
import { matmulT, scoresBatched } from '../autograd/ops-vq.js';
import { softAssignReconstruct } from '../autograd/ops-fused.js';
import { listNetLoss, klLoss, mseLoss, marginMseLoss, rankNetLoss, type LossOptions } from '../autograd/losses.js';
import { AdamW, SGD, linearWarmupDecay } from '../autograd/optim.js';
import { scores } from '../kernels/scores.js';
import { assignNearest } from '../kernels/kmeans.js';
import { exactSearch } from './exact.js';
import { recallAtK } from './metrics.js';
import { toMatrix, checkInt } from './validate.js';
import { throwIfAborted } from '../util/abort.js';
import { now, type LongWorkOptions } from '../util/progress.js';
import { mulberry32, shuffled } from '../util/random.js';

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
  /** temperature of the loss's softmax (ListNet, KL) / logistic (RankNet). Default 0.05: these unit-norm
   *  embeddings give scores in a narrow band, so at 1 the teacher's softmax is nearly flat. */
  temperature?: number;
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
  secondsPerEpoch: number[];
  teacherSeconds: number;
  totalSeconds: number;
}

/** The defaults of `distill()` (the CLI and the benchmarks read them from here). */
export const DISTILL_DEFAULTS = {
  loss: 'listnet', temperature: 0.05, assignTemperature: 'auto', assignTemperatureScale: 0.05, epochs: 3, batchSize: 32,
  topK: 100, inBatch: true, lrCodebooks: 3e-4, lrCentroids: 1e-4, centroidOptimizer: 'adamw', warmup: 0.1, seed: 1234,
} as const;

const LOSSES: Record<DistillLoss, (t: Tensor, s: Tensor, o: LossOptions) => Tensor> = {
  'listnet': listNetLoss, 'kl': klLoss, 'mse': mseLoss, 'margin-mse': marginMseLoss, 'ranknet': rankNetLoss,
};

export async function distillIndex(index: IvfPqIndex, opts: DistillOptions): Promise<DistillReport> {
  const t0 = now();
  const e = index.engine;
  const dim = index.dim;
  const { data: base, n } = toMatrix(opts.base, dim, 'distill base');
  if (opts.ids && opts.ids.length !== n) throw new Error(`distill: ${opts.ids.length} ids given for ${n} base vectors`);
  const def = DISTILL_DEFAULTS;
  const loss = opts.loss ?? def.loss;
  if (!(loss in LOSSES)) throw new Error(`distill: unknown loss '${loss}' (listnet, kl, mse, margin-mse, ranknet)`);
  const lossFn = LOSSES[loss];
  const epochs = checkInt(opts.epochs ?? def.epochs, 'epochs', 1, 1000);
  const batch = checkInt(opts.batchSize ?? def.batchSize, 'batchSize', 1, 4096);
  const topK = checkInt(opts.topK ?? def.topK, 'topK', 1, Math.min(1024, n));
  const inBatch = opts.inBatch ?? def.inBatch;
  const temperature = opts.temperature ?? def.temperature;
  const tauOpt = opts.assignTemperature ?? def.assignTemperature;
  if (tauOpt !== 'auto' && !(tauOpt > 0)) throw new Error(`distill: assignTemperature must be > 0 or 'auto' (got ${tauOpt})`);
  const tauScale = opts.assignTemperatureScale ?? def.assignTemperatureScale;
  if (!(tauScale > 0)) throw new Error(`distill: assignTemperatureScale must be > 0 (got ${tauScale})`);
  const seed = opts.seed ?? def.seed;
  const rand = mulberry32(seed);

  // Training queries: the given ones and/or base documents as pseudo-queries. Validation queries are held out
  // from the given queries when there are some, else from the pseudo-queries. Row layout:
  // [given (training) | pseudo-queries | given (validation)].
  const real = opts.queries ? toMatrix(opts.queries, dim, 'distill queries') : null;
  const nReal = real?.n ?? 0;
  const np = opts.pseudoQueries !== undefined ? checkInt(opts.pseudoQueries, 'pseudoQueries', 0, n) : real ? 0 : Math.min(n, 4000);
  const nq = nReal + np;
  const valPool = real ? nReal : np;
  const valWanted = opts.validationQueries !== undefined ? checkInt(opts.validationQueries, 'validationQueries', 0) : Math.min(200, Math.floor(valPool * 0.1));
  const nVal = Math.max(0, Math.min(valWanted, real && np > 0 ? nReal : valPool - 1));
  const nTrain = nq - nVal;
  if (nTrain < 1) throw new Error('distill: no training queries left after the validation split');
  const queries = new Float32Array(nq * dim);
  const self = np > 0 ? new Uint32Array(nq).fill(NO_SELF) : null; // base row of each pseudo-query (left out of its candidates)
  if (real) {
    const nRealTrain = nReal - nVal;
    queries.set(real.data.subarray(0, nRealTrain * dim), 0);
    queries.set(real.data.subarray(nRealTrain * dim, nReal * dim), (nq - nVal) * dim);
  }
  const pseudoAt = real ? nReal - nVal : 0;
  shuffled(n, rand).subarray(0, np).forEach((r, i) => {
    queries.set(base.subarray(r * dim, (r + 1) * dim), (pseudoAt + i) * dim);
    self![pseudoAt + i] = r;
  });

  // The teacher: exact top-K of every query (training and validation) by inner product, once, on the GPU.
  const tTeacher = now();
  const found = await exactSearch(e, base, n, queries, nq, dim, Math.min(n, topK + (self ? 1 : 0)), 'ip', {
    ...(opts.onProgress ? { onProgress: (p) => opts.onProgress!({ ...p, phase: 'distill: teacher top-K' }) } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const teacher = self ? { ids: dropSelf(found.ids, found.k, topK, self) } : found;
  const teacherSeconds = (now() - tTeacher) / 1000;
  const valK = Math.min(10, topK);
  const valQueries = queries.subarray(nTrain * dim, nq * dim);
  const valTruth = new Int32Array(nVal * valK);
  for (let i = 0; i < nVal; i++) valTruth.set(found.ids.subarray((nTrain + i) * found.k, (nTrain + i) * found.k + valK), i * valK);
  const valNprobe = Math.min(index.nlist, opts.validationNprobe ?? Math.max(1, Math.round(index.nlist / 8)));
  const ids = opts.ids ? Int32Array.from(opts.ids) : undefined;

  const start = index.toData();
  const tape = new Tape(e);
  const report: DistillReport = {
    loss, epochs, steps: 0, trainQueries: nTrain, validationQueries: nVal, epochLoss: [], validationRecall: [],
    bestEpoch: 0, ivfWeight: 0, assignTemperature: NaN, secondsPerEpoch: [], teacherSeconds, totalSeconds: 0,
  };
  const rebuild = async (p: { centroids: Float32Array; codebooks: Float32Array }): Promise<number> => {
    index.setParameters(p);
    index.reset();
    await index.add(base, ids, opts.signal ? { signal: opts.signal } : {});
    if (nVal === 0) return NaN;
    const r = await index.search(valQueries, { k: valK, nprobe: valNprobe });
    return recallAtK(r.ids, valK, valTruth, valK, nVal, valK);
  };
  try {
    // Constant tensors (rotated into the index's space) and the parameters.
    const X = rotated(tape, index, base, n, 'distill base');
    const Q = rotated(tape, index, queries.subarray(0, nTrain * dim), nTrain, 'distill queries');
    const O = tape.keep(tape.tensor(start.centroids, [index.nlist, dim], { requiresGrad: true, label: 'ivf centroids' }));
    const C = tape.keep(tape.tensor(start.codebooks, [index.m, index.ksub, index.dsub], { requiresGrad: true, label: 'pq codebooks' }));
    // Fixed IVF list of every document during training (from the starting centroids).
    const listBuf = e.buffer(n * 4, 'distill doc lists'), bestScore = e.buffer(n * 4, 'distill assign scores');
    assignNearest(e, X.buffer, O.buffer, listBuf, bestScore, n, 1, index.nlist, dim, index.metric === 'ip' ? 0 : 1);
    const listOf = await e.read(listBuf, Int32Array, 0, n * 4);
    listBuf.dispose(); bestScore.dispose();
    // 'auto': relative to the start's quantization error. Documents that sit exactly on codewords (a toy index)
    // give 0: then the reference's 1.
    const nearest = tauOpt === 'auto' ? meanNearestSqDist(index, start, base, n, listOf) : 0;
    const tauAssign = tauOpt !== 'auto' ? tauOpt : nearest > 0 ? tauScale * nearest : 1;
    report.assignTemperature = tauAssign;

    const stepsPerEpoch = Math.ceil(nTrain / batch);
    const totalSteps = stepsPerEpoch * epochs;
    const schedule = linearWarmupDecay(Math.floor((opts.warmup ?? def.warmup) * totalSteps), totalSteps);
    const lrC = opts.lrCodebooks ?? def.lrCodebooks, lrO = opts.lrCentroids ?? def.lrCentroids;
    const optC = new AdamW([{ params: [C], lr: lrC }], { schedule });
    const optO = (opts.centroidOptimizer ?? def.centroidOptimizer) === 'sgd'
      ? new SGD([{ params: [O], lr: lrO }], { schedule })
      : new AdamW([{ params: [O], lr: lrO }], { schedule });
    let ivfWeight = typeof opts.ivfWeight === 'number' ? opts.ivfWeight : NaN;
    let best = { recall: -1, epoch: 0, centroids: start.centroids, codebooks: start.codebooks };
    if (nVal > 0 && (opts.keepBest ?? true)) {
      const r0 = await rebuild(start);
      report.validationRecall.push(r0);
      best = { ...best, recall: r0 };
    }
    let step = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const tEpoch = now();
      const order = shuffled(nTrain, rand);
      let lossSum = 0, lossCount = 0;
      for (let b0 = 0; b0 < nTrain; b0 += batch) {
        throwIfAborted(opts.signal);
        const qIdx = order.subarray(b0, Math.min(nTrain, b0 + batch));
        const value = await tape.scope(async () => {
          const { pq, ivf } = studentAndTeacher(tape, X, Q, O, C, listOf, teacher.ids, topK, qIdx, inBatch, tauAssign);
          const lossPq = lossFn(pq.teacher, pq.student, { temperature });
          const lossIvf = lossFn(ivf.teacher, ivf.student, { temperature });
          if (Number.isNaN(ivfWeight)) {
            const [a, b] = [await lossPq.item(), await lossIvf.item()];
            ivfWeight = opts.ivfWeight === 'auto' || opts.ivfWeight === undefined ? (b > 0 ? a / b : 1) : 1;
          }
          const total = add(lossPq, scale(lossIvf, ivfWeight));
          tape.backward(total);
          optC.step();
          optO.step();
          C.zeroGrad(); O.zeroGrad();
          return total.item();
        });
        if (!Number.isFinite(value)) throw new Error(`distill: the loss became ${value} at step ${step}; lower the learning rates`);
        lossSum += value; lossCount++; step++;
        opts.onProgress?.({
          phase: 'distill', done: step, total: totalSteps, rate: step / ((now() - t0) / 1000),
          eta: ((totalSteps - step) * (now() - t0)) / 1000 / Math.max(1, step),
          info: { epoch, loss: value, ...(report.validationRecall.length ? { valRecall10: report.validationRecall[report.validationRecall.length - 1]! } : {}) },
        });
      }
      report.epochLoss.push(lossSum / Math.max(1, lossCount));
      const params = { centroids: (await O.read()) as Float32Array, codebooks: (await C.read()) as Float32Array };
      const r = await rebuild(params);
      report.validationRecall.push(r);
      report.secondsPerEpoch.push((now() - tEpoch) / 1000);
      if (!(opts.keepBest ?? true) || nVal === 0 || r > best.recall) best = { recall: r, epoch, ...params };
      opts.onProgress?.({ phase: 'distill epoch', done: epoch, total: epochs, rate: epoch / ((now() - t0) / 1000), eta: 0, info: { loss: report.epochLoss[epoch - 1]!, valRecall10: r } });
    }
    report.steps = step;
    report.ivfWeight = ivfWeight;
    report.bestEpoch = best.epoch;
    if (best.epoch !== epochs) await rebuild(best);
    optC.dispose(); optO.dispose();
  } catch (err) {
    // Cancelled or failed: put the index back as it was.
    index.setParameters({ centroids: start.centroids, codebooks: start.codebooks });
    index.reset();
    await index.add(base, ids);
    throw err;
  } finally {
    tape.dispose();
  }
  report.totalSeconds = (now() - t0) / 1000;
  return report;
}

/** Uploads vectors as a constant tensor, rotated into the index's space when it has a rotation. */
function rotated(tape: Tape, index: IvfPqIndex, x: Float32Array, rows: number, label: string): Tensor {
  const raw = tape.keep(tape.tensor(x, [rows, index.dim], { label }));
  const rot = index.gpuTables().rotation;
  if (!rot) return raw;
  const out = tape.keep(tape.zeros([rows, index.dim], { label: `${label} (rotated)` }));
  const chunk = Math.max(1, Math.floor(tape.engine.maxBinding / (index.dim * 4)));
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const r = Math.min(chunk, rows - r0);
    scores(tape.engine, raw.buffer.slice(r0 * index.dim * 4, r * index.dim * 4), rot, out.buffer.slice(r0 * index.dim * 4, r * index.dim * 4), r, index.dim, index.dim, 0);
  }
  raw.dispose();
  return out;
}

/** Mean squared distance of a residual sub-vector to its nearest codeword, over up to 256 documents spread
 *  over the base (on the CPU: a few hundred thousand multiply-adds). Scales the 'auto' assignment temperature. */
function meanNearestSqDist(index: IvfPqIndex, start: { rotation: Float32Array | null; centroids: Float32Array; codebooks: Float32Array },
  base: Float32Array, n: number, listOf: Int32Array): number {
  const D = index.dim, M = index.m, K = index.ksub, ds = index.dsub;
  const rows = Math.min(n, 256);
  const x = new Float64Array(D);
  let sum = 0;
  for (let s = 0; s < rows; s++) {
    const d = Math.floor((s * n) / rows);
    const v = base.subarray(d * D, (d + 1) * D);
    if (start.rotation) {
      for (let r = 0; r < D; r++) { let acc = 0; for (let c = 0; c < D; c++) acc += start.rotation[r * D + c]! * v[c]!; x[r] = acc; }
    } else x.set(v);
    const o = listOf[d]! * D;
    for (let m = 0; m < M; m++) {
      let best = Infinity;
      for (let k = 0; k < K; k++) {
        let dist = 0;
        const cb = (m * K + k) * ds;
        for (let j = 0; j < ds; j++) { const u = x[m * ds + j]! - start.centroids[o + m * ds + j]! - start.codebooks[cb + j]!; dist += u * u; }
        if (dist < best) best = dist;
      }
      sum += best;
    }
  }
  return sum / (rows * M);
}

interface Pair { teacher: Tensor; student: Tensor }

/** Records the forward pass of one batch; returns teacher/student score pairs for the PQ and IVF terms. */
function studentAndTeacher(tape: Tape, X: Tensor, Q: Tensor, O: Tensor, C: Tensor, listOf: Int32Array, teacherIds: Int32Array, topK: number,
  qIdx: Uint32Array, inBatch: boolean, tauAssign: number): { pq: Pair; ivf: Pair } {
  const B = qIdx.length;
  // Candidate documents: each query's teacher top-K; with in-batch candidates, their union (deduplicated) is
  // scored against every query of the batch.
  let docs: Int32Array;
  if (inBatch) {
    const seen = new Set<number>();
    for (const q of qIdx) for (let j = 0; j < topK; j++) seen.add(teacherIds[q * topK + j]!);
    docs = Int32Array.from(seen);
  } else {
    docs = new Int32Array(B * topK);
    qIdx.forEach((q, i) => docs.set(teacherIds.subarray(q * topK, (q + 1) * topK), i * topK));
  }
  const lists = docs.map((d) => listOf[d]!);
  const qb = gatherRows(Q, tape.tensor(Int32Array.from(qIdx), [B]));
  const xd = gatherRows(X, tape.tensor(docs, [docs.length]));
  const od = gatherRows(O, tape.tensor(lists, [lists.length]));
  const u = sub(xd, od);
  const r = add(od, softAssignReconstruct(u, C, tauAssign));
  if (inBatch) {
    const t = tape.noGrad(() => matmulT(qb, xd));
    return { pq: { teacher: t, student: matmulT(qb, r) }, ivf: { teacher: t, student: matmulT(qb, od) } };
  }
  const D = X.shape[1]!;
  const as3 = (m: Tensor) => reshape(m, [B, topK, D]);
  const t = tape.noGrad(() => scoresBatched(qb, as3(xd)));
  return { pq: { teacher: t, student: scoresBatched(qb, as3(r)) }, ivf: { teacher: t, student: scoresBatched(qb, as3(od)) } };
}

const NO_SELF = 0xffffffff;

/** Removes each pseudo-query's own document from its teacher list (it would dominate the softmax). */
function dropSelf(ids: Int32Array, stride: number, k: number, self: Uint32Array): Int32Array {
  const out = new Int32Array(self.length * k);
  for (let q = 0; q < self.length; q++) {
    let o = 0;
    for (let j = 0; j < stride && o < k; j++) {
      const d = ids[q * stride + j]!;
      if (d !== self[q]) out[q * k + o++] = d;
    }
    while (o < k) out[q * k + o] = ids[q * stride + (o++)]!; // (only if the self row was missing: keep size)
  }
  return out;
}
