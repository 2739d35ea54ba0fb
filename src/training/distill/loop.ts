// Distill-VQ (Xiao et al., SIGIR 2022): the dense embeddings are the teacher, the IVFPQ index the student.
// Starting from a trained index, the IVF centroids and PQ codebooks are learned so that the index's scores
// reproduce the teacher's ranking of each training query's candidates; no labels are needed.
//
// One step, for a batch of training queries (everything on the GPU, recorded on the autograd tape; the forward
// pass is in student.ts):
//   loss = L(t, s_pq) + w * L(t, s_ivf)   (w rescales the IVF term once so both start equal)
// then backward, optimizer step. After each epoch the index takes the new parameters and re-encodes the base;
// held-out queries measure recall@10. The index works through its public trainer view (parameters(),
// setParameters(), reencode(), search()); this module sits above the index and the index never imports it.
import { Tape } from '../../autograd/tensor.js';
import { add, scale } from '../../autograd/ops.js';
import { AdamW, SGD, linearWarmupDecay } from '../../autograd/optim.js';
import type { IvfPqIndexCore, IvfPqParameters } from '../../index/ivfpq.js';
import { recallAtK } from '../../index/metrics.js';
import { throwIfAborted } from '../../util/abort.js';
import { now } from '../../util/progress.js';
import { mulberry32, shuffled, type Rand } from '../../util/random.js';
import { resolveOptions, type DistillOptions, type DistillReport, type DistillSettings } from './options.js';
import { splitQueries, type QuerySplit } from './queries.js';
import { teacherTopK, type Teacher } from './teacher.js';
import { makeStudent, forward, type Student } from './student.js';

export { DISTILL_DEFAULTS, type DistillOptions, type DistillReport, type DistillLoss } from './options.js';

interface Params { centroids: Float32Array; codebooks: Float32Array }
type Optimizer = AdamW | SGD;

/** Distills the trained `index` (see DistillOptions); on an error or cancellation the index is put back. */
export async function distill(index: IvfPqIndexCore, opts: DistillOptions): Promise<DistillReport> {
  const t0 = now();
  const s = resolveOptions(index, opts);
  const rand = mulberry32(s.seed);
  const split = splitQueries(s, index.dim, rand);
  const teacher = await teacherTopK(index.engine, s.base, s.n, index.dim, split, s.topK, opts);
  const start = index.parameters();
  const report: DistillReport = {
    loss: s.loss, epochs: s.epochs, steps: 0, trainQueries: split.nTrain, validationQueries: split.nVal, epochLoss: [],
    validationRecall: [], bestEpoch: 0, ivfWeight: 0, assignTemperature: NaN, secondsPerEpoch: [], teacherSeconds: teacher.seconds, totalSeconds: 0,
  };
  const rebuild = (p: Params, signal?: AbortSignal) => reencodeAndValidate(index, s, split, teacher, p, signal);
  const tape = new Tape(index.engine);
  try {
    const st = await makeStudent(tape, index, start, s.base, s.n, split.queries, split.nTrain, s);
    report.assignTemperature = st.tauAssign;
    const totalSteps = Math.ceil(split.nTrain / s.batchSize) * s.epochs;
    const [optC, optO] = optimizers(s, st, totalSteps);
    const startParams = { centroids: start.centroids.values, codebooks: start.codebooks.values };
    let best = { recall: -1, epoch: 0, ...startParams };
    if (split.nVal > 0 && s.keepBest) {
      const r0 = await rebuild(startParams, opts.signal);
      report.validationRecall.push(r0);
      best = { ...best, recall: r0 };
    }
    const train = { tape, st, teacher, optC, optO, totalSteps, t0, ivfWeight: s.ivfWeight === 'auto' ? NaN : s.ivfWeight };
    for (let epoch = 1; epoch <= s.epochs; epoch++) {
      const tEpoch = now();
      report.epochLoss.push(await runEpoch(s, split, rand, train, epoch, report, opts));
      const params = { centroids: (await st.O.read()) as Float32Array, codebooks: (await st.C.read()) as Float32Array };
      const r = await rebuild(params, opts.signal);
      report.validationRecall.push(r);
      report.secondsPerEpoch.push((now() - tEpoch) / 1000);
      if (!s.keepBest || split.nVal === 0 || r > best.recall) best = { recall: r, epoch, ...params };
      opts.onProgress?.({ phase: 'distill epoch', done: epoch, total: s.epochs, rate: epoch / ((now() - t0) / 1000), eta: 0, info: { loss: report.epochLoss[epoch - 1]!, valRecall10: r } });
    }
    report.ivfWeight = train.ivfWeight;
    report.bestEpoch = best.epoch;
    if (best.epoch !== s.epochs) await rebuild(best, opts.signal);
    optC.dispose(); optO.dispose();
  } catch (err) {
    await restore(index, s, start);
    throw err;
  } finally {
    tape.dispose();
  }
  report.totalSeconds = (now() - t0) / 1000;
  return report;
}

interface TrainState {
  tape: Tape; st: Student; teacher: Teacher; optC: Optimizer; optO: Optimizer; totalSteps: number; t0: number;
  /** NaN until the first step resolves 'auto' */
  ivfWeight: number;
}

/** One pass over the training queries in shuffled batches; returns the mean loss. */
async function runEpoch(s: DistillSettings, split: QuerySplit, rand: Rand, train: TrainState, epoch: number,
  report: DistillReport, opts: DistillOptions): Promise<number> {
  const order = shuffled(split.nTrain, rand);
  let lossSum = 0, lossCount = 0;
  for (let b0 = 0; b0 < split.nTrain; b0 += s.batchSize) {
    throwIfAborted(opts.signal);
    const value = await step(s, train, order.subarray(b0, Math.min(split.nTrain, b0 + s.batchSize)));
    if (!Number.isFinite(value)) throw new Error(`distill: the loss became ${value} at step ${report.steps}; lower the learning rates`);
    lossSum += value; lossCount++; report.steps++;
    const done = report.steps, elapsed = now() - train.t0, val = report.validationRecall;
    opts.onProgress?.({
      phase: 'distill', done, total: train.totalSteps, rate: done / (elapsed / 1000),
      eta: ((train.totalSteps - done) * elapsed) / 1000 / Math.max(1, done),
      info: { epoch, loss: value, ...(val.length ? { valRecall10: val[val.length - 1]! } : {}) },
    });
  }
  return lossSum / Math.max(1, lossCount);
}

/** Forward, loss, backward and optimizer step for the queries qIdx; returns the loss. */
function step(s: DistillSettings, train: TrainState, qIdx: Uint32Array): Promise<number> {
  const { tape, st, teacher, optC, optO } = train;
  return tape.scope(async () => {
    const { pq, ivf } = forward(tape, st, teacher.ids, s.topK, qIdx, s.inBatch);
    const lossPq = s.lossFn(pq.teacher, pq.student, { temperature: s.temperature });
    const lossIvf = s.lossFn(ivf.teacher, ivf.student, { temperature: s.temperature });
    if (Number.isNaN(train.ivfWeight)) {
      const [a, b] = [await lossPq.item(), await lossIvf.item()];
      train.ivfWeight = b > 0 ? a / b : 1;
    }
    const total = add(lossPq, scale(lossIvf, train.ivfWeight));
    tape.backward(total);
    optC.step();
    optO.step();
    st.C.zeroGrad(); st.O.zeroGrad();
    return total.item();
  });
}

/** AdamW on the codebooks; AdamW or SGD on the centroids; one linear warm-up/decay schedule. */
function optimizers(s: DistillSettings, st: Student, totalSteps: number): [Optimizer, Optimizer] {
  const schedule = linearWarmupDecay(Math.floor(s.warmup * totalSteps), totalSteps);
  const optC = new AdamW([{ params: [st.C], lr: s.lrCodebooks }], { schedule });
  const optO = s.centroidOptimizer === 'sgd'
    ? new SGD([{ params: [st.O], lr: s.lrCentroids }], { schedule })
    : new AdamW([{ params: [st.O], lr: s.lrCentroids }], { schedule });
  return [optC, optO];
}

/** Gives the index the parameters p, re-encodes the base and returns the validation recall@10 (NaN without validation). */
async function reencodeAndValidate(index: IvfPqIndexCore, s: DistillSettings, split: QuerySplit, teacher: Teacher, p: Params,
  signal: AbortSignal | undefined): Promise<number> {
  index.setParameters(p);
  await index.reencode(s.base, s.ids, signal ? { signal } : {});
  if (split.nVal === 0) return NaN;
  const { valK } = teacher;
  const r = await index.search(split.queries.subarray(split.nTrain * index.dim), { k: valK, nprobe: s.validationNprobe });
  return recallAtK(r.ids, valK, teacher.valTruth, valK, split.nVal, valK);
}

/** Cancelled or failed: the starting parameters, and the base encoded with them. */
async function restore(index: IvfPqIndexCore, s: DistillSettings, start: IvfPqParameters): Promise<void> {
  index.setParameters({ centroids: start.centroids.values, codebooks: start.codebooks.values });
  await index.reencode(s.base, s.ids);
}
