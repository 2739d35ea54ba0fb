// The student of Distill-VQ: the index's centroids O (nlist x dim) and codebooks C (m x ksub x dsub) as learned
// tensors, and the differentiable forward of one batch of training queries. For a document d in its fixed list:
//   o_d = centroid of the list,  u_d = x_d - o_d  (residual)
//   a_d = straight-through one-hot of argmin_j ||u_d^m - c_j^m||^2 per sub-space m
//         (forward hard, backward through softmax(-dist / tau_assign))
//   r_d = o_d + a_d . C  (reconstruction)
//   teacher t(q, d) = S(q, x_d);  students s_pq(q, d) = S(q, r_d) and s_ivf(q, d) = S(q, o_d)
// with the index's metric: S(q, y) = <q, y> (ip) or 2 <q, y> - ||y||^2 = ||q||^2 - ||q - y||^2 (l2; the
// per-query constant ||q||^2 is left out of teacher and student alike, see autograd/ops-l2.ts).
// Documents and queries are constants, rotated into the index's space when it has a rotation.
import type { GpuBuffer } from '../../pipeline/buffer.js';
import type { Tape, Tensor } from '../../autograd/tensor.js';
import { gatherRows, sub, add, reshape } from '../../autograd/ops.js';
import { matmulT, scoresBatched } from '../../autograd/ops-vq.js';
import { softAssignReconstruct } from '../../autograd/ops-fused.js';
import { l2ScoresAll, l2ScoresBatched } from '../../autograd/ops-l2.js';
import { CoarseQuantizer } from '../../quantizers/coarse.js';
import { rotateRows } from '../../quantizers/rotation.js';
import type { Metric } from '../../quantizers/metric.js';
import type { IvfPqIndexCore, IvfPqParameters } from '../../index/ivfpq.js';

export interface Student {
  /** documents, n x dim (constant) */
  X: Tensor;
  /** training queries, nTrain x dim (constant) */
  Q: Tensor;
  /** IVF centroids, learned */
  O: Tensor;
  /** PQ codebooks, learned */
  C: Tensor;
  /** each document's IVF list under the starting centroids, fixed during training */
  listOf: Int32Array;
  /** temperature of the soft assignment's backward pass */
  tauAssign: number;
  /** the start's mean squared distance from a residual sub-vector to its nearest codeword (NaN when not needed) */
  nearestSqDist: number;
  /** the index's metric, which the scores follow */
  metric: Metric;
}

export interface ScorePair { teacher: Tensor; student: Tensor }

/** Uploads the constants and the starting parameters (kept tensors) and fixes every document's list. */
export async function makeStudent(tape: Tape, index: IvfPqIndexCore, start: IvfPqParameters, base: Float32Array, n: number,
  queries: Float32Array, nTrain: number, tau: { assignTemperature: number | 'auto'; assignTemperatureScale: number; lrScale: number | 'auto' }): Promise<Student> {
  const e = index.engine, dim = index.dim;
  const rot = start.rotation?.buffer ?? null;
  const X = constantRows(tape, base, n, dim, rot, 'distill base');
  const Q = constantRows(tape, queries.subarray(0, nTrain * dim), nTrain, dim, rot, 'distill queries');
  const O = tape.keep(tape.tensor(start.centroids.values, [index.nlist, dim], { requiresGrad: true, label: 'ivf centroids' }));
  const C = tape.keep(tape.tensor(start.codebooks.values, [index.m, index.ksub, index.dsub], { requiresGrad: true, label: 'pq codebooks' }));
  const listBuf = e.buffer(n * 4, 'distill doc lists'), bestScore = e.buffer(n * 4, 'distill assign scores');
  new CoarseQuantizer(index.nlist, dim, index.metric).assign(e, X.buffer, O.buffer, listBuf, bestScore, n);
  const listOf = await e.read(listBuf, Int32Array, 0, n * 4);
  listBuf.dispose(); bestScore.dispose();
  // 'auto': relative to the start's quantization error. Documents that sit exactly on codewords (a toy index)
  // give 0: then the reference's 1.
  const nearest = tau.assignTemperature === 'auto' || tau.lrScale === 'auto' ? meanNearestSqDist(index, start, base, n, listOf) : NaN;
  const tauAssign = tau.assignTemperature !== 'auto' ? tau.assignTemperature : nearest > 0 ? tau.assignTemperatureScale * nearest : 1;
  return { X, Q, O, C, listOf, tauAssign, nearestSqDist: nearest, metric: index.metric };
}

/** Records the forward pass of one batch (queries qIdx); returns teacher/student score pairs for the PQ and IVF terms. */
export function forward(tape: Tape, st: Student, teacherIds: Int32Array, topK: number, qIdx: Uint32Array, inBatch: boolean): { pq: ScorePair; ivf: ScorePair } {
  const { X, Q, O, C, listOf } = st;
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
  const r = add(od, softAssignReconstruct(u, C, st.tauAssign));
  const l2 = st.metric === 'l2';
  if (inBatch) {
    const all = l2 ? l2ScoresAll : matmulT;
    const t = tape.noGrad(() => all(qb, xd));
    return { pq: { teacher: t, student: all(qb, r) }, ivf: { teacher: t, student: all(qb, od) } };
  }
  const D = X.shape[1]!;
  const as3 = (m: Tensor) => reshape(m, [B, topK, D]);
  const batched = l2 ? l2ScoresBatched : scoresBatched;
  const t = tape.noGrad(() => batched(qb, as3(xd)));
  return { pq: { teacher: t, student: batched(qb, as3(r)) }, ivf: { teacher: t, student: batched(qb, as3(od)) } };
}

/** Uploads rows (rows x dim) as a kept constant tensor, rotated into the index's space when there is a rotation. */
function constantRows(tape: Tape, x: Float32Array, rows: number, dim: number, rotation: GpuBuffer | null, label: string): Tensor {
  const raw = tape.keep(tape.tensor(x, [rows, dim], { label }));
  if (!rotation) return raw;
  const out = tape.keep(tape.zeros([rows, dim], { label: `${label} (rotated)` }));
  rotateRows(tape.engine, raw.buffer, rotation, out.buffer, rows, dim);
  raw.dispose();
  return out;
}

/** Mean squared distance of a residual sub-vector to its nearest codeword, over up to 256 documents spread
 *  over the base (on the CPU: a few hundred thousand multiply-adds). Scales the 'auto' assignment temperature. */
function meanNearestSqDist(index: IvfPqIndexCore, start: IvfPqParameters, base: Float32Array, n: number, listOf: Int32Array): number {
  const D = index.dim, M = index.m, K = index.ksub, ds = index.dsub;
  const rotation = start.rotation?.values ?? null, centroids = start.centroids.values, codebooks = start.codebooks.values;
  const rows = Math.min(n, 256);
  const x = new Float64Array(D);
  let sum = 0;
  for (let s = 0; s < rows; s++) {
    const d = Math.floor((s * n) / rows);
    const v = base.subarray(d * D, (d + 1) * D);
    if (rotation) {
      for (let r = 0; r < D; r++) { let acc = 0; for (let c = 0; c < D; c++) acc += rotation[r * D + c]! * v[c]!; x[r] = acc; }
    } else x.set(v);
    const o = listOf[d]! * D;
    for (let m = 0; m < M; m++) {
      let best = Infinity;
      for (let k = 0; k < K; k++) {
        let dist = 0;
        const cb = (m * K + k) * ds;
        for (let j = 0; j < ds; j++) { const u = x[m * ds + j]! - centroids[o + m * ds + j]! - codebooks[cb + j]!; dist += u * u; }
        if (dist < best) best = dist;
      }
      sum += best;
    }
  }
  return sum / (rows * M);
}
