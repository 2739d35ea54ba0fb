// The ops of a differentiable IVF-PQ student: batched scores, all-pairs scores, per-sub-space squared
// distances to the codewords, softmax / logSoftmax, the straight-through code assignment and the
// reconstruction from an assignment. The matrix-shaped ones share one batched strided tiled matmul
// (ag_bmm), whose strides give transposes and per-sub-space views for free.
import { Tensor } from './tensor.js';
import { expectF32, sameTape, groups } from './ops.js';
import * as K from '../shaders/kernels.js';
import { scores } from '../kernels/scores.js';

interface View { t: Tensor; batch: number; row: number; col: number }
interface Layout { batch: number; row: number; col: number }
const enum Mode { Product = 0, SqDist = 1, SqDistGrad = 2 }

/** out(z, i, j) = sum_k A(z, i, k) B(z, k, j) with the epilogue `mode` (see ag_bmm.wgsl). */
function bmm(m: number, n: number, k: number, batches: number, a: View, b: View, out: Tensor, o: Layout, mode: Mode, e?: Tensor): void {
  if (m === 0 || n === 0 || batches === 0) return;
  out.tape.engine.run(K.ag_bmm, {
    bindings: { a: a.t.buffer, b: b.t.buffer, e: (e ?? a.t).buffer, out: out.buffer },
    params: {
      m, n, k, mode,
      aOff: 0, aBatch: a.batch, aRow: a.row, aCol: a.col,
      bOff: 0, bBatch: b.batch, bRow: b.row, bCol: b.col,
      oBatch: o.batch, oRow: o.row, oCol: o.col, alpha: 1,
    },
    workgroups: [Math.ceil(n / 64), Math.ceil(m / 64), batches],
  });
}

/** out [N, D] = g^T q for g [B, N], q [B, D], D a multiple of 4: register tiles of 4 x 16 (ag_matmul_tn.wgsl). */
function productTN(g: Tensor, q: Tensor, out: Tensor, nb: number, n: number, d: number): void {
  if (n === 0 || d === 0) return;
  const d4 = d / 4, dTiles = Math.ceil(d4 / 4), tiles = Math.ceil(n / 4) * dTiles;
  out.tape.engine.run(K.ag_matmul_tn, {
    bindings: { g: g.buffer, q: q.buffer, dx: out.buffer }, params: { nb, n, d4, dTiles, tiles }, workgroups: groups(tiles, 64),
  });
}

const fmt = (t: Tensor): string => `[${t.shape.join(', ')}]`;

/** scores of each query against its own candidates: q [B, D], x [B, C, D] -> [B, C], out[b, c] = <q_b, x_bc>. */
export function scoresBatched(q: Tensor, x: Tensor): Tensor {
  expectF32('scoresBatched', 'q', q, 2); expectF32('scoresBatched', 'x', x, 3); sameTape('scoresBatched', q, x);
  const [nb, d] = q.shape as [number, number];
  const c = x.shape[1]!;
  if (x.shape[0] !== nb || x.shape[2] !== d) throw new Error(`scoresBatched: x ${fmt(x)} must be [${nb}, C, ${d}] for q ${fmt(q)}`);
  const tape = q.tape, engine = tape.engine;
  const out = tape.empty([nb, c]);
  const tiles = Math.ceil(c / 8);
  engine.run(K.ag_bscores, { bindings: { q: q.buffer, x: x.buffer, out: out.buffer }, params: { nb, c, d, tiles }, workgroups: nb * tiles });
  tape.record('scoresBatched', [q, x], out, (g) => {
    let dq: Tensor | null = null, dx: Tensor | null = null;
    if (q.requiresGrad) {
      dq = tape.empty(q.shape);
      engine.run(K.ag_bscores_dq, { bindings: { g: g.buffer, x: x.buffer, dq: dq.buffer }, params: { nb, c, d }, workgroups: groups(nb * d) });
    }
    if (x.requiresGrad) {
      dx = tape.empty(x.shape);
      engine.run(K.ag_bscores_dx, { bindings: { g: g.buffer, q: q.buffer, dx: dx.buffer }, params: { nb, c, d }, workgroups: groups(nb * c * d) });
    }
    return [dq, dx];
  });
  return out;
}

/** all-pairs inner products: q [B, D], x [N, D] -> [B, N] (in-batch candidates). */
export function matmulT(q: Tensor, x: Tensor): Tensor {
  expectF32('matmulT', 'q', q, 2); expectF32('matmulT', 'x', x, 2); sameTape('matmulT', q, x);
  const [nb, d] = q.shape as [number, number];
  const n = x.shape[0]!;
  if (x.shape[1] !== d) throw new Error(`matmulT: q ${fmt(q)} and x ${fmt(x)} must have the same last dimension`);
  const tape = q.tape;
  const out = tape.empty([nb, n]);
  // on a software GPU the register-tiled scores kernel (kernels/scores.ts) needs far fewer loads per fma than the
  // workgroup tiles of ag_bmm; both sum each output as one fma chain in increasing k
  if (tape.engine.isSoftwareAdapter && d % 4 === 0) scores(tape.engine, q.buffer, x.buffer, out.buffer, nb, n, d, 0);
  else bmm(nb, n, d, 1, { t: q, batch: 0, row: d, col: 1 }, { t: x, batch: 0, row: 1, col: d }, out, { batch: 0, row: n, col: 1 }, Mode.Product);
  tape.record('matmulT', [q, x], out, (g) => {
    let dq: Tensor | null = null, dx: Tensor | null = null;
    if (q.requiresGrad) {
      dq = tape.empty(q.shape); // g [B, N] . x [N, D]
      bmm(nb, d, n, 1, { t: g, batch: 0, row: n, col: 1 }, { t: x, batch: 0, row: d, col: 1 }, dq, { batch: 0, row: d, col: 1 }, Mode.Product);
    }
    if (x.requiresGrad) {
      dx = tape.empty(x.shape); // g^T [N, B] . q [B, D]
      if (d % 4 === 0) productTN(g, q, dx, nb, n, d);
      else bmm(n, d, nb, 1, { t: g, batch: 0, row: 1, col: n }, { t: q, batch: 0, row: d, col: 1 }, dx, { batch: 0, row: d, col: 1 }, Mode.Product);
    }
    return [dq, dx];
  });
  return out;
}

function codebookDims(op: string, cb: Tensor): [number, number, number] {
  expectF32(op, 'codebook', cb, 3);
  return cb.shape as [number, number, number];
}

/** squared distances per sub-space: u [B, D], codebook [M, K, D/M] -> [B, M, K], ||u^m_b - c^m_k||^2. */
export function subspaceSqDist(u: Tensor, codebook: Tensor): Tensor {
  expectF32('subspaceSqDist', 'u', u, 2); sameTape('subspaceSqDist', u, codebook);
  const [m, k, ds] = codebookDims('subspaceSqDist', codebook);
  const [nb, d] = u.shape as [number, number];
  if (d !== m * ds) throw new Error(`subspaceSqDist: u ${fmt(u)} must have D = M * D/M = ${m * ds} for codebook ${fmt(codebook)}`);
  const tape = u.tape;
  const out = tape.empty([nb, m, k]);
  bmm(nb, k, ds, m, { t: u, batch: ds, row: d, col: 1 }, { t: codebook, batch: k * ds, row: 1, col: ds }, out, { batch: k, row: m * k, col: 1 }, Mode.SqDist);
  tape.record('subspaceSqDist', [u, codebook], out, (g) => {
    let du: Tensor | null = null, dc: Tensor | null = null;
    if (u.requiresGrad) { // 2 (u * sum_k g - g . C) per sub-space
      du = tape.empty(u.shape);
      bmm(nb, ds, k, m, { t: g, batch: k, row: m * k, col: 1 }, { t: codebook, batch: k * ds, row: ds, col: 1 }, du, { batch: ds, row: d, col: 1 }, Mode.SqDistGrad, u);
    }
    if (codebook.requiresGrad) { // 2 (C * sum_b g - g^T . u) per sub-space
      dc = tape.empty(codebook.shape);
      bmm(k, ds, nb, m, { t: g, batch: k, row: 1, col: m * k }, { t: u, batch: ds, row: d, col: 1 }, dc, { batch: k * ds, row: ds, col: 1 }, Mode.SqDistGrad, codebook);
    }
    return [du, dc];
  });
  return out;
}

/** reconstruction from an assignment: a [B, M, K], codebook [M, K, D/M] -> [B, D], sum_k a_bmk c^m_k per sub-space. */
export function assignTimesCodebook(a: Tensor, codebook: Tensor): Tensor {
  expectF32('assignTimesCodebook', 'a', a, 3); sameTape('assignTimesCodebook', a, codebook);
  const [m, k, ds] = codebookDims('assignTimesCodebook', codebook);
  const nb = a.shape[0]!;
  if (a.shape[1] !== m || a.shape[2] !== k) throw new Error(`assignTimesCodebook: a ${fmt(a)} must be [B, ${m}, ${k}] for codebook ${fmt(codebook)}`);
  const d = m * ds;
  const tape = a.tape;
  const out = tape.empty([nb, d]);
  bmm(nb, ds, k, m, { t: a, batch: k, row: m * k, col: 1 }, { t: codebook, batch: k * ds, row: ds, col: 1 }, out, { batch: ds, row: d, col: 1 }, Mode.Product);
  tape.record('assignTimesCodebook', [a, codebook], out, (g) => {
    let da: Tensor | null = null, dc: Tensor | null = null;
    if (a.requiresGrad) { // g^m [B, ds] . C^m^T [ds, K]
      da = tape.empty(a.shape);
      bmm(nb, k, ds, m, { t: g, batch: ds, row: d, col: 1 }, { t: codebook, batch: k * ds, row: 1, col: ds }, da, { batch: k, row: m * k, col: 1 }, Mode.Product);
    }
    if (codebook.requiresGrad) { // a^m^T [K, B] . g^m [B, ds]
      dc = tape.empty(codebook.shape);
      bmm(k, ds, nb, m, { t: a, batch: k, row: 1, col: m * k }, { t: g, batch: ds, row: d, col: 1 }, dc, { batch: k * ds, row: ds, col: 1 }, Mode.Product);
    }
    return [da, dc];
  });
  return out;
}

function rowsOf(op: string, x: Tensor, tau: number): [number, number] {
  expectF32(op, 'x', x);
  if (x.rank < 1) throw new Error(`${op}: needs at least one axis`);
  if (!(tau > 0) || !Number.isFinite(tau)) throw new Error(`${op}: temperature must be a positive number, got ${tau}`);
  const len = x.shape[x.rank - 1]!;
  return [len === 0 ? 0 : x.size / len, len];
}

function softmaxLike(op: string, x: Tensor, tau: number, mode: 0 | 1): Tensor {
  const [rows, len] = rowsOf(op, x, tau);
  const tape = x.tape, engine = tape.engine;
  const y = tape.empty(x.shape);
  const params = { rows, len, invTau: 1 / tau, mode };
  engine.run(K.ag_softmax, { bindings: { x: x.buffer, y: y.buffer }, params, workgroups: Math.ceil(rows / 64) });
  tape.record(op, [x], y, (g) => {
    const dx = tape.empty(x.shape);
    engine.run(K.ag_softmax_bwd, { bindings: { y: y.buffer, g: g.buffer, dx: dx.buffer }, params, workgroups: Math.ceil(rows / 64) });
    return [dx];
  });
  return y;
}

/** softmax(x / tau) over the last axis. */
export function softmax(x: Tensor, tau = 1): Tensor { return softmaxLike('softmax', x, tau, 0); }

/** log softmax(x / tau) over the last axis. */
export function logSoftmax(x: Tensor, tau = 1): Tensor { return softmaxLike('logSoftmax', x, tau, 1); }

/**
 * Straight-through code assignment over the last axis (e.g. logits [B, M, K]): forward the one-hot of the
 * first argmax; backward the gradient of p = softmax(logits / tau), i.e. a = onehot - stopgrad(p) + p.
 */
export function straightThroughAssign(logits: Tensor, tau = 1): Tensor {
  return stAssign('straightThroughAssign', logits, tau, 1 / tau);
}

/**
 * straightThroughAssign(-dist / tau) without materialising -dist: dist [B, M, K] squared distances
 * (subspaceSqDist's output); forward the one-hot of the nearest codeword, backward the softmax gradient.
 */
export function assignFromDistances(dist: Tensor, tau = 1): Tensor {
  return stAssign('assignFromDistances', dist, tau, -1 / tau);
}

function stAssign(op: string, x: Tensor, tau: number, invTau: number): Tensor {
  const [rows, len] = rowsOf(op, x, tau);
  const tape = x.tape, engine = tape.engine;
  const onehot = tape.empty(x.shape);
  const p = tape.empty(x.shape);
  const params = { rows, len, invTau };
  engine.run(K.ag_st_assign, { bindings: { x: x.buffer, onehot: onehot.buffer, p: p.buffer }, params, workgroups: Math.ceil(rows / 64) });
  if (!(x.requiresGrad && tape.gradEnabled)) { p.dispose(); tape.record(op, [], onehot, () => []); return onehot; }
  tape.record(op, [x], onehot, (g) => {
    const dx = tape.empty(x.shape);
    engine.run(K.ag_softmax_bwd, { bindings: { y: p.buffer, g: g.buffer, dx: dx.buffer }, params: { ...params, mode: 0 }, workgroups: Math.ceil(rows / 64) });
    return [dx];
  });
  return onehot;
}
