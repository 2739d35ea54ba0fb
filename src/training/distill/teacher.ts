// The teacher of Distill-VQ: the exact top-K of every query (training and validation) over the base under the
// index's metric (largest inner product, or smallest L2 distance), computed once on the GPU. A pseudo-query's own
// document is dropped from its list (it would dominate the softmax). The validation queries' exact top-10 is the
// truth their recall is measured against.
import type { Engine } from '../../pipeline/engine.js';
import { exactSearch } from '../../index/exact.js';
import type { Metric } from '../../quantizers/metric.js';
import { now, type LongWorkOptions } from '../../util/progress.js';
import type { QuerySplit } from './queries.js';

export interface Teacher {
  /** nq x topK base rows, best first */
  ids: Int32Array;
  /** nVal x valK: the exact top-valK of the validation queries */
  valTruth: Int32Array;
  valK: number;
  /** the mean over the training queries of |score of the best - score of the last| of their top-K lists: the
   *  scale of the teacher's scores (for L2, of squared distances), which the 'auto' loss temperature follows */
  spread: number;
  seconds: number;
}

export async function teacherTopK(engine: Engine, base: Float32Array, n: number, dim: number, split: QuerySplit, topK: number,
  metric: Metric, opts: LongWorkOptions): Promise<Teacher> {
  const t0 = now();
  const { queries, nq, nTrain, nVal, self } = split;
  const found = await exactSearch(engine, base, n, queries, nq, dim, Math.min(n, topK + (self ? 1 : 0)), metric, {
    ...(opts.onProgress ? { onProgress: (p) => opts.onProgress!({ ...p, phase: 'distill: teacher top-K' }) } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const { ids, scores } = self ? dropSelf(found.ids, found.scores, found.k, topK, self) : found;
  const seconds = (now() - t0) / 1000;
  const valK = Math.min(10, topK);
  const valTruth = new Int32Array(nVal * valK);
  for (let i = 0; i < nVal; i++) valTruth.set(found.ids.subarray((nTrain + i) * found.k, (nTrain + i) * found.k + valK), i * valK);
  let spread = 0;
  for (let q = 0; q < nTrain; q++) spread += Math.abs(scores[q * topK]! - scores[q * topK + topK - 1]!);
  return { ids, valTruth, valK, spread: spread / nTrain, seconds };
}

/** Removes each pseudo-query's own document from its list of `stride` ids (and scores), keeping the first k of the rest. */
function dropSelf(ids: Int32Array, scores: Float32Array, stride: number, k: number, self: Uint32Array): { ids: Int32Array; scores: Float32Array } {
  const outIds = new Int32Array(self.length * k), outScores = new Float32Array(self.length * k);
  for (let q = 0; q < self.length; q++) {
    let o = 0;
    for (let j = 0; j < stride && o < k; j++) {
      const d = ids[q * stride + j]!;
      if (d !== self[q]) { outIds[q * k + o] = d; outScores[q * k + o++] = scores[q * stride + j]!; }
    }
    // (only if the self row was missing: keep size)
    for (; o < k; o++) { outIds[q * k + o] = ids[q * stride + o]!; outScores[q * k + o] = scores[q * stride + o]!; }
  }
  return { ids: outIds, scores: outScores };
}
