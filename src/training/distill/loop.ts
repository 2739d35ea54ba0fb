// Distill-VQ (Xiao et al., SIGIR 2022): the dense embeddings are the teacher, the IVFPQ index the student.
// Starting from a trained index, the IVF centroids and PQ codebooks are learned so that the index's scores
// reproduce the teacher's ranking of each training query's candidates; no labels are needed.
//
// One step, for a batch of training queries (everything on the GPU, recorded on the autograd tape; the forward
// pass is in student.ts):
//   loss = L(t, s_pq) + w * L(t, s_ivf)   (w rescales the IVF term once so both start equal)
// then backward, optimizer step. Teacher and student scores follow the index's metric (inner product, or
// negative squared L2 distance up to a per-query constant), and so does the validation truth. After each epoch the index takes the new parameters and re-encodes the base;
// held-out queries measure recall@10. The index works through its public trainer view (parameters(),
// setParameters(), reencode(), search()); this module sits above the index and the index never imports it.
import { Tape } from '../../autograd/tensor.js';
import { add, scale } from '../../autograd/ops.js';
import { AdamW, SGD, linearWarmupDecay } from '../../autograd/optim.js';
import type { IvfPqIndexCore, IvfPqParameters } from '../../index/ivfpq.js';
import { recallAtK } from '../../index/metrics.js';
import { procrustes, orthogonalityError } from '../../quantizers/linalg.js';
import { throwIfAborted } from '../../util/abort.js';
import { now } from '../../util/progress.js';
import { mulberry32, shuffled, type Rand } from '../../util/random.js';
import { resolveOptions, type DistillOptions, type DistillReport, type DistillSettings } from './options.js';
import { splitQueries, type QuerySplit } from './queries.js';
import { teacherTopK, type Teacher } from './teacher.js';
import { makeStudent, forward, type Student } from './student.js';

/** What an epoch hands the index; rotation only when it is learned (undefined: the index keeps its own). */
interface Params { centroids: Float32Array; codebooks: Float32Array; rotation?: Float32Array | null }
type Optimizer = AdamW | SGD;

/** Distills the trained `index` (see DistillOptions); on an error or cancellation the index is put back. */
export async function distill(index: IvfPqIndexCore, opts: DistillOptions): Promise<DistillReport> {
  const t0 = now();
  const start = index.parameters();
  const s = resolveOptions({ dim: index.dim, nlist: index.nlist, metric: index.metric, rotated: start.rotation !== null }, opts);
  const rand = mulberry32(s.seed);
  const split = splitQueries(s, index.dim, rand);
  const teacher = await teacherTopK(index.engine, s.base, s.n, index.dim, split, s.topK, index.metric, opts);
  const tape = new Tape(index.engine);
  let run: Run;
  try {
    run = await begin({ index, s, opts, split, teacher, start, tape, rand, t0 });
    for (let epoch = 1; epoch <= s.epochs; epoch++) await trainEpoch(run, epoch);
    await keepBest(run);
    outcome(run.report, s.keepBest);
  } catch (err) {
    await restore(index, s, start);
    throw err;
  } finally {
    tape.dispose();
  }
  run.report.totalSeconds = (now() - t0) / 1000;
  return run.report;
}

interface Setup {
  index: IvfPqIndexCore; s: DistillSettings; opts: DistillOptions; split: QuerySplit; teacher: Teacher;
  start: IvfPqParameters; tape: Tape; rand: Rand; t0: number;
}

interface Run extends Setup {
  /** the loss temperature (resolved when 'auto') */
  temperature: number;
  st: Student; optC: Optimizer; optO: Optimizer | null; optR: Optimizer | null; totalSteps: number; report: DistillReport;
  /** NaN until the first step resolves 'auto' */
  ivfWeight: number;
  best: Params & { recall: number; epoch: number };
  /** the base's lists from the last re-encoding and the centroids and rotation that gave them */
  assigned: (Omit<Params, 'codebooks'> & { lists: Uint32Array }) | null;
}

/** The student, the optimizers and, with keepBest, the starting validation recall. */
async function begin(setup: Setup): Promise<Run> {
  const { index, s, split, teacher, start, tape } = setup;
  const st = await makeStudent(tape, index, start, s.base, s.n, split.queries, split.nTrain, s);
  const totalSteps = Math.ceil(split.nTrain / s.batchSize) * s.epochs;
  const lrScale = learningRateScale(s, st, index.dsub);
  const [optC, optO, optR] = optimizers(s, st, totalSteps, lrScale);
  const temperature = lossTemperature(s, teacher);
  const report: DistillReport = {
    loss: s.loss, epochs: s.epochs, steps: 0, trainQueries: split.nTrain, validationQueries: split.nVal, epochLoss: [],
    validationRecall: [], bestEpoch: 0, ivfWeight: 0, assignTemperature: st.tauAssign, lrScale, temperature, start: s.start,
    lrCentroids: s.lrCentroids, improved: null, message: '',
    secondsPerEpoch: [], teacherSeconds: teacher.seconds, totalSeconds: 0,
  };
  const run: Run = {
    ...setup, temperature, st, optC, optO, optR, totalSteps, report, ivfWeight: s.ivfWeight === 'auto' ? NaN : s.ivfWeight,
    assigned: null,
    best: {
      recall: -1, epoch: 0, centroids: start.centroids.values, codebooks: start.codebooks.values,
      ...(s.learnRotation ? { rotation: start.rotation?.values ?? null } : {}),
    },
  };
  // the student assigned every document to its list under the starting centroids and rotation (the same kernels
  // as the index's re-encoding, row by row): the first re-encoding takes those lists rather than searching again
  if (st.listOf.length === s.n) {
    run.assigned = { centroids: start.centroids.values, ...(s.learnRotation ? { rotation: start.rotation?.values ?? null } : {}), lists: new Uint32Array(st.listOf) };
  }
  if (split.nVal > 0 && s.keepBest) {
    run.best.recall = await rebuild(run, run.best);
    report.validationRecall.push(run.best.recall);
  }
  return run;
}

/** One pass over the training queries in shuffled batches, then the new parameters go into the index and the
 *  held-out queries measure them. */
async function trainEpoch(run: Run, epoch: number): Promise<void> {
  const { s, split, st, report, opts } = run;
  const tEpoch = now();
  const order = shuffled(split.nTrain, run.rand);
  let lossSum = 0, lossCount = 0;
  for (let b0 = 0; b0 < split.nTrain; b0 += s.batchSize) {
    throwIfAborted(opts.signal);
    const value = await step(run, order.subarray(b0, Math.min(split.nTrain, b0 + s.batchSize)));
    if (!Number.isFinite(value)) throw new Error(`distill: the loss became ${value} at step ${report.steps}; lower the learning rates`);
    lossSum += value; lossCount++; report.steps++;
    if (st.R && report.steps % s.orthogonalizeEvery === 0) await projectRotation(run, st.R);
    const done = report.steps, elapsed = now() - run.t0, val = report.validationRecall;
    opts.onProgress?.({
      phase: 'distill', done, total: run.totalSteps, rate: done / (elapsed / 1000),
      eta: ((run.totalSteps - done) * elapsed) / 1000 / Math.max(1, done),
      info: { epoch, loss: value, ...(val.length ? { valRecall10: val[val.length - 1]! } : {}) },
    });
  }
  const loss = lossSum / Math.max(1, lossCount);
  report.epochLoss.push(loss);
  const params: Params = {
    centroids: (await st.O.read()) as Float32Array, codebooks: (await st.C.read()) as Float32Array,
    ...(st.R ? { rotation: await projectRotation(run, st.R) } : {}),
  };
  const r = await rebuild(run, params);
  report.validationRecall.push(r);
  report.secondsPerEpoch.push((now() - tEpoch) / 1000);
  if (!s.keepBest || split.nVal === 0 || r > run.best.recall) run.best = { recall: r, epoch, ...params };
  opts.onProgress?.({ phase: 'distill epoch', done: epoch, total: s.epochs, rate: epoch / ((now() - run.t0) / 1000), eta: 0, info: { loss, valRecall10: r } });
}

/** Ends at the best epoch (the last one without keepBest or validation). */
async function keepBest(run: Run): Promise<void> {
  run.report.ivfWeight = run.ivfWeight;
  run.report.bestEpoch = run.best.epoch;
  if (run.best.epoch !== run.s.epochs) await rebuild(run, run.best);
  if (run.best.rotation) run.report.rotationOrthogonalityError = orthogonalityError(run.best.rotation, run.index.dim);
  run.optC.dispose(); run.optO?.dispose(); run.optR?.dispose();
}

/** Forward, loss, backward and optimizer step for the queries qIdx; returns the loss. */
function step(run: Run, qIdx: Uint32Array): Promise<number> {
  const { s, tape, st, teacher, optC, optO } = run;
  return tape.scope(async () => {
    const { pq, ivf } = forward(tape, st, teacher.ids, s.topK, qIdx, s.inBatch);
    const lossPq = s.lossFn(pq.teacher, pq.student, { temperature: run.temperature });
    const lossIvf = s.lossFn(ivf.teacher, ivf.student, { temperature: run.temperature });
    if (Number.isNaN(run.ivfWeight)) {
      const [a, b] = [await lossPq.item(), await lossIvf.item()];
      run.ivfWeight = b > 0 ? a / b : 1;
    }
    const total = add(lossPq, scale(lossIvf, run.ivfWeight));
    tape.backward(total);
    optC.step();
    optO?.step();
    run.optR?.step();
    st.C.zeroGrad(); st.O.zeroGrad(); st.R?.zeroGrad();
    return total.item();
  });
}

/** The loss temperature: the given number, or for 'auto' temperatureScale x the spread of the teacher's top-K
 *  scores (1 when the lists are flat, e.g. duplicated documents). */
function lossTemperature(s: DistillSettings, teacher: Teacher): number {
  if (s.temperature !== 'auto') return s.temperature;
  return teacher.spread > 0 && Number.isFinite(teacher.spread) ? s.temperatureScale * teacher.spread : 1;
}

/** RMS quantization error per coordinate of unit-norm 512-d sentence embeddings (the data the default learning
 *  rates were tuned on): the unit of 'auto' lrScale. */
const LR_REFERENCE_ERROR = 0.02;

/** The factor on the learning rates: the given number, or for 'auto' the start's RMS quantization error per
 *  coordinate over LR_REFERENCE_ERROR (1 when the start has no error, e.g. a toy index). */
function learningRateScale(s: DistillSettings, st: Student, dsub: number): number {
  if (s.lrScale !== 'auto') return s.lrScale;
  const rms = Math.sqrt(st.nearestSqDist / dsub);
  return rms > 0 && Number.isFinite(rms) ? rms / LR_REFERENCE_ERROR : 1;
}

/** Says plainly whether distillation gained anything on the validation queries. */
function outcome(report: DistillReport, keepBest: boolean): void {
  const v = report.validationRecall;
  if (report.validationQueries === 0 || !keepBest || v.length < 2) {
    report.improved = null;
    report.message = report.validationQueries === 0
      ? 'no validation queries: the gain of distillation was not measured (the last epoch is kept)'
      : 'keepBest is off: the last epoch is kept and its gain over the start was not measured';
    return;
  }
  const start = v[0]!, best = v[report.bestEpoch]!;
  report.improved = best > start;
  const f = (x: number): string => x.toFixed(4);
  report.message = report.improved
    ? `validation recall@10 ${f(start)} -> ${f(best)} (epoch ${report.bestEpoch} of ${report.epochs} kept)`
    : `no gain: validation recall@10 ${f(start)} at the start, at best ${f(Math.max(...v.slice(1)))} after ${report.epochs} epoch(s); ` +
      `the index keeps its starting parameters (try other learning rates, temperature or more training queries)`;
}

/** The learned rotation R projected onto the orthogonal matrices (the polar factor U V^T of R = U S V^T, in
 *  float64 on the host): written back into R, and returned. */
async function projectRotation(run: Run, R: NonNullable<Student['R']>): Promise<Float32Array> {
  const q = Float32Array.from(procrustes((await R.read()) as Float32Array, run.index.dim));
  run.index.engine.write(R.buffer, q);
  return q;
}

/** AdamW on the codebooks; AdamW or SGD on the centroids (none when lrCentroids is 0: they stay frozen, as a step
 *  with learning rate 0 would leave them); AdamW without decay on a learned rotation; one linear warm-up/decay
 *  schedule. */
function optimizers(s: DistillSettings, st: Student, totalSteps: number, lrScale: number): [Optimizer, Optimizer | null, Optimizer | null] {
  const schedule = linearWarmupDecay(Math.floor(s.warmup * totalSteps), totalSteps);
  const optC = new AdamW([{ params: [st.C], lr: s.lrCodebooks * lrScale }], { schedule });
  const optO = s.lrCentroids === 0 ? null : s.centroidOptimizer === 'sgd'
    ? new SGD([{ params: [st.O], lr: s.lrCentroids * lrScale }], { schedule })
    : new AdamW([{ params: [st.O], lr: s.lrCentroids * lrScale }], { schedule });
  const optR = st.R ? new AdamW([{ params: [st.R], lr: s.lrRotation, weightDecay: 0 }], { schedule }) : null;
  return [optC, optO, optR];
}

/** Gives the index the parameters p, re-encodes the base and returns the validation recall@10 (NaN without validation).
 *  While the centroids and the rotation are those of the last re-encoding (frozen centroids, e.g. the OPQ start's
 *  default), the base keeps its lists and only the codes are computed again. */
async function rebuild(run: Run, p: Params): Promise<number> {
  const { index, s, split, teacher, opts } = run;
  index.setParameters({ centroids: p.centroids, codebooks: p.codebooks, ...(p.rotation !== undefined ? { rotation: p.rotation } : {}) });
  const a = run.assigned;
  const lists = a && sameBits(a.centroids, p.centroids) && sameBits(a.rotation, p.rotation) ? a.lists : undefined;
  const got = await index.reencode(s.base, s.ids, { ...(opts.signal ? { signal: opts.signal } : {}), lists });
  run.assigned = { centroids: p.centroids, ...(p.rotation !== undefined ? { rotation: p.rotation } : {}), lists: got };
  if (split.nVal === 0) return NaN;
  const { valK } = teacher;
  const r = await index.search(split.queries.subarray(split.nTrain * index.dim), { k: valK, nprobe: s.validationNprobe });
  return recallAtK(r.ids, valK, teacher.valTruth, valK, split.nVal, valK);
}

/** Whether two parameter arrays (or their absence: null, undefined) hold the same bits. */
function sameBits(a: Float32Array | null | undefined, b: Float32Array | null | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Cancelled or failed: the starting parameters, and the base encoded with them. */
async function restore(index: IvfPqIndexCore, s: DistillSettings, start: IvfPqParameters): Promise<void> {
  index.setParameters({
    centroids: start.centroids.values, codebooks: start.codebooks.values,
    ...(s.learnRotation ? { rotation: start.rotation?.values ?? null } : {}),
  });
  await index.reencode(s.base, s.ids);
}
