// The student of Distill-VQ: the index's centroids O (nlist x dim) and codebooks C (m x ksub x dsub) as learned
// tensors, and the differentiable forward of one batch of training queries. For a document d in its fixed list:
//   o_d = centroid of the list,  u_d = x_d - o_d  (residual)
//   a_d = straight-through one-hot of argmin_j ||u_d^m - c_j^m||^2 per sub-space m
//         (forward hard, backward through softmax(-dist / tau_assign))
//   r_d = o_d + a_d . C  (reconstruction)
//   teacher t(q, d) = S(q, x_d);  students s_pq(q, d) = S(q, r_d) and s_ivf(q, d) = S(q, o_d)
// with the index's metric: S(q, y) = <q, y> (ip) or 2 <q, y> - ||y||^2 = ||q||^2 - ||q - y||^2 (l2; the
// per-query constant ||q||^2 is left out of teacher and student alike, see autograd/ops-l2.ts).
// Documents and queries stay on the host; each batch uploads only the rows it scores, so the base is never bound
// whole (its size is limited by host memory, not by a storage binding). With a fixed rotation A the rows are
// rotated once, up front (y = A x); with a learned rotation R (learnRotation) each batch's rows are rotated on
// the tape, y = R x, and R receives a gradient from every score. The teacher is rotation-invariant (A, R
// orthogonal), so with a learned R it scores the unrotated rows.
import type { Engine } from '../../pipeline/engine.js';
import type { Tape, Tensor } from '../../autograd/tensor.js';
import { gatherRows, gatherCols, sub, reshape } from '../../autograd/ops.js';
import { matmulT, scoresBatched } from '../../autograd/ops-vq.js';
import { softAssignReconstruct } from '../../autograd/ops-fused.js';
import { l2ScoresAll, l2ScoresBatched } from '../../autograd/ops-l2.js';
import { CoarseQuantizer } from '../../quantizers/coarse.js';
import { rotateRows } from '../../quantizers/rotation.js';
import { rowsPerChunk } from '../../kernels/row-chunks.js';
import { identity } from '../../quantizers/linalg.js';
import type { Metric } from '../../quantizers/metric.js';
import type { IvfPqIndexCore, IvfPqParameters } from '../../index/ivfpq.js';

export interface Student {
  /** the documents on the host, n x dim: rotated by the fixed rotation when there is one, raw with a learned R */
  docs: Float32Array;
  /** the training queries on the host, nTrain x dim, likewise */
  queries: Float32Array;
  dim: number;
  /** the learned rotation [dim, dim] (y = R x), or null when the rotation is fixed or absent */
  R: Tensor | null;
  /** IVF centroids, learned; with lrCentroids 0 they are frozen and take no gradient (nothing is computed for them) */
  O: Tensor;
  /** O's values on the host while O is frozen (the batches then form o_d and u_d on the host), else null */
  frozenO: Float32Array | null;
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

/** The starting parameters as kept tensors (and R with learnRotation), the rows on the host, every document's list. */
export async function makeStudent(tape: Tape, index: IvfPqIndexCore, start: IvfPqParameters, base: Float32Array, n: number,
  queries: Float32Array, nTrain: number,
  tau: { assignTemperature: number | 'auto'; assignTemperatureScale: number; lrScale: number | 'auto'; learnRotation: boolean; lrCentroids: number }): Promise<Student> {
  const e = index.engine, dim = index.dim;
  const rotation = start.rotation?.values ?? null;
  const coarse = new CoarseQuantizer(index.nlist, dim, index.metric);
  const R = tau.learnRotation ? tape.keep(tape.tensor(rotation ?? Float32Array.from(identity(dim)), [dim, dim], { requiresGrad: true, label: 'rotation' })) : null;
  const O = tape.keep(tape.tensor(start.centroids.values, [index.nlist, dim], { requiresGrad: tau.lrCentroids > 0, label: 'ivf centroids' }));
  const C = tape.keep(tape.tensor(start.codebooks.values, [index.m, index.ksub, index.dsub], { requiresGrad: true, label: 'pq codebooks' }));
  // a fixed rotation is applied once, up front; a learned one starts from it and is applied per batch
  const keepRotated = !tau.learnRotation;
  const pass = await passRows(e, coarse, base.subarray(0, n * dim), n, rotation, O, keepRotated);
  const docs = pass.rotated ?? base.subarray(0, n * dim);
  const qs = queries.subarray(0, nTrain * dim);
  const Q = rotation && keepRotated ? (await passRows(e, coarse, qs, nTrain, rotation, null, true)).rotated! : qs;
  const listOf = pass.lists!;
  // 'auto': relative to the start's quantization error. Documents that sit exactly on codewords (a toy index)
  // give 0: then the reference's 1.
  const nearest = tau.assignTemperature === 'auto' || tau.lrScale === 'auto' ? meanNearestSqDist(index, start, base, n, listOf) : NaN;
  const tauAssign = tau.assignTemperature !== 'auto' ? tau.assignTemperature : nearest > 0 ? tau.assignTemperatureScale * nearest : 1;
  const frozenO = O.requiresGrad ? null : Float32Array.from(start.centroids.values);
  return { docs, queries: Q, dim, R, O, frozenO, C, listOf, tauAssign, nearestSqDist: nearest, metric: index.metric };
}

/** Rows `idx` of the host matrix src (rows of dim) as a new tensor [idx.length, dim]. */
function hostRows(tape: Tape, src: Float32Array, dim: number, idx: ArrayLike<number>, label: string): Tensor {
  const out = new Float32Array(idx.length * dim);
  for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i]! * dim, (idx[i]! + 1) * dim), i * dim);
  return tape.tensor(out, [idx.length, dim], { label });
}

/** Centroid rows o_d = O[list_d] and residuals u_d = x_d - o_d of the documents `idx` (lists[i] for idx[i]) on the
 *  host, as tensors [idx.length, dim]. */
function hostResiduals(tape: Tape, src: Float32Array, O: Float32Array, dim: number, idx: ArrayLike<number>,
  lists: ArrayLike<number>): { od: Tensor; u: Tensor } {
  const od = new Float32Array(idx.length * dim), u = new Float32Array(idx.length * dim);
  for (let i = 0; i < idx.length; i++) {
    const x = idx[i]! * dim, o = lists[i]! * dim, at = i * dim;
    for (let j = 0; j < dim; j++) { const c = O[o + j]!; od[at + j] = c; u[at + j] = src[x + j]! - c; }
  }
  return { od: tape.tensor(od, [idx.length, dim], { label: 'distill batch centroid rows' }), u: tape.tensor(u, [idx.length, dim], { label: 'distill batch residuals' }) };
}

/**
 * One pass over rows x dim host rows in chunks that fit a binding: each chunk is uploaded once, rotated by A
 * (y = A x) when A is given, and, with centroids O, assigned to its IVF list. Returns the lists (with O) and, with
 * keepRotated, the rotated rows read back (the host copy the batches read).
 */
async function passRows(e: Engine, coarse: CoarseQuantizer, x: Float32Array, rows: number, a: Float32Array | null,
  O: Tensor | null, keepRotated: boolean): Promise<{ lists: Int32Array | null; rotated: Float32Array | null }> {
  const dim = coarse.dim;
  const chunk = Math.min(Math.max(rows, 1), rowsPerChunk(e, [dim * 4], 'distill rows', (1 << 15) * dim * 4));
  const lists = O ? new Int32Array(rows) : null, rotated = a && keepRotated ? new Float32Array(rows * dim) : null;
  const A = a ? e.upload(a, 'distill rotation') : null;
  const xb = e.buffer(chunk * dim * 4, 'distill rows'), yb = A ? e.buffer(chunk * dim * 4, 'distill rows (rotated)') : null;
  const listBuf = O ? e.buffer(chunk * 4, 'distill doc lists') : null, bestScore = O ? e.buffer(chunk * 4, 'distill assign scores') : null;
  try {
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const n = Math.min(chunk, rows - r0);
      e.write(xb, x.subarray(r0 * dim, (r0 + n) * dim));
      if (A && yb) rotateRows(e, xb, A, yb, n, dim);
      if (rotated && yb) rotated.set(await e.read(yb, Float32Array, 0, n * dim * 4), r0 * dim);
      if (O && lists && listBuf && bestScore) {
        coarse.assign(e, yb ?? xb, O.buffer, listBuf, bestScore, n);
        lists.set(await e.read(listBuf, Int32Array, 0, n * 4), r0);
      }
    }
  } finally {
    for (const b of [A, xb, yb, listBuf, bestScore]) b?.dispose();
  }
  return { lists, rotated };
}

/** Records the forward pass of one batch (queries qIdx); returns teacher/student score pairs for the PQ and IVF terms. */
export function forward(tape: Tape, st: Student, teacherIds: Int32Array, topK: number, qIdx: Uint32Array, inBatch: boolean): { pq: ScorePair; ivf: ScorePair } {
  const { O, C, listOf, R, dim } = st;
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
  const q0 = hostRows(tape, st.queries, dim, qIdx, 'distill batch queries');
  const x0 = hostRows(tape, st.docs, dim, docs, 'distill batch documents');
  // with a learned R the rows are rotated on the tape (and the teacher scores the raw rows: it is rotation-invariant)
  const qb = R ? matmulT(q0, R) : q0, xd = R ? matmulT(x0, R) : x0;
  const listIdx = tape.tensor(lists, [lists.length]);
  // with frozen centroids and fixed rows, o_d and u_d = x_d - o_d take no gradient: formed on the host (the same
  // float32 subtraction), not gathered and subtracted on the GPU
  const host = st.frozenO && !R ? hostResiduals(tape, st.docs, st.frozenO, dim, docs, lists) : null;
  const od = host ? host.od : gatherRows(O, listIdx);
  const u = host ? host.u : sub(xd, od);
  const r = softAssignReconstruct(u, C, st.tauAssign, { add: od }); // od + a . C, the add in the op's forward kernel
  const l2 = st.metric === 'l2';
  if (inBatch) {
    const all = l2 ? l2ScoresAll : matmulT;
    const t = tape.noGrad(() => all(q0, x0));
    // s_ivf(q, d) = S(q, o_list(d)): the batch's queries against the nlist centroids, then each document's list
    // column (the same sums as S(q, od), over nlist rather than one row per document)
    return { pq: { teacher: t, student: all(qb, r) }, ivf: { teacher: t, student: gatherCols(all(qb, O), listIdx) } };
  }
  const as3 = (m: Tensor) => reshape(m, [B, topK, dim]);
  const batched = l2 ? l2ScoresBatched : scoresBatched;
  const t = tape.noGrad(() => batched(q0, as3(x0)));
  return { pq: { teacher: t, student: batched(qb, as3(r)) }, ivf: { teacher: t, student: batched(qb, as3(od)) } };
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
