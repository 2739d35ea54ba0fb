// Elementwise ops, reductions, reshape, gatherRows and gatherCols: each dispatches its forward kernel and records a
// backward that dispatches the gradient kernels (src/shaders/ag_*.wgsl).
import { Tensor, type Shape, sizeOf } from './tensor.js';
import * as K from '../shaders/kernels.js';

/** workgroups for a 1-D kernel of `per` invocations per workgroup */
export const groups = (n: number, per = 256): number => Math.ceil(n / per);

const fmt = (t: Tensor): string => `[${t.shape.join(', ')}]`;

/** @internal shape and dtype checks with messages that name the op */
export function expectF32(op: string, name: string, t: Tensor, rank?: number): void {
  t.check(op);
  if (t.dtype !== 'f32') throw new Error(`${op}: '${name}' must be an f32 tensor, got ${t.dtype}`);
  if (rank !== undefined && t.rank !== rank) throw new Error(`${op}: '${name}' must have rank ${rank}, got shape ${fmt(t)}`);
}

export function sameTape(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (t.tape !== ts[0]!.tape) throw new Error(`${op}: tensors come from different tapes`);
}

/** out = alpha * a + beta * b (b broadcast by its length bn over a). No record. */
function axpby(a: Tensor, b: Tensor, alpha: number, beta: number): Tensor {
  const out = a.tape.empty(a.shape);
  a.tape.engine.run(K.ag_axpby, {
    bindings: { a: a.buffer, b: b.buffer, out: out.buffer },
    params: { n: a.size, bn: Math.max(1, b.size), alpha, beta },
    workgroups: groups(a.size, 256 * 16), // 16 elements per invocation (ag_axpby.wgsl)
  });
  return out;
}

/** @internal beta * column sums of g viewed as [rows, bn] (the gradient of a broadcast operand) */
function colsum(g: Tensor, bShape: Shape, beta: number): Tensor {
  const bn = sizeOf(bShape);
  const out = g.tape.empty(bShape);
  g.tape.engine.run(K.ag_colsum, {
    bindings: { g: g.buffer, out: out.buffer },
    params: { rows: g.size / bn, bn, beta },
    workgroups: groups(bn),
  });
  return out;
}

function addLike(op: string, a: Tensor, b: Tensor, beta: number): Tensor {
  expectF32(op, 'a', a); expectF32(op, 'b', b); sameTape(op, a, b);
  const same = a.size === b.size && a.shape.join() === b.shape.join();
  const row = !same && b.rank === 1 && a.rank >= 1 && b.shape[0] === a.shape[a.rank - 1];
  const scalar = !same && b.size === 1;
  if (!same && !row && !scalar) {
    throw new Error(`${op}: shapes ${fmt(a)} and ${fmt(b)} do not match (b may also be a row [${a.shape[a.rank - 1] ?? 1}] or a scalar [1], broadcast over a)`);
  }
  const out = axpby(a, b, 1, beta);
  a.tape.record(op, [a, b], out, (g) => [
    a.requiresGrad ? axpby(g, g, 1, 0) : null,
    b.requiresGrad ? (same ? axpby(g, g, beta, 0) : colsum(g, b.shape, beta)) : null,
  ]);
  return out;
}

/** a + b; b has a's shape, or is a row [D] broadcast over a [..., D], or a scalar [1]. */
export function add(a: Tensor, b: Tensor): Tensor { return addLike('add', a, b, 1); }

/** a - b; b has a's shape, or is a row [D] broadcast over a [..., D], or a scalar [1]. */
export function sub(a: Tensor, b: Tensor): Tensor { return addLike('sub', a, b, -1); }

/** s * x for a number s. */
export function scale(x: Tensor, s: number): Tensor {
  expectF32('scale', 'x', x);
  if (!Number.isFinite(s)) throw new Error(`scale: factor must be finite, got ${s}`);
  const out = axpby(x, x, s, 0);
  x.tape.record('scale', [x], out, (g) => [axpby(g, g, s, 0)]);
  return out;
}

/** The mean of all elements, as a [1] tensor. */
export function mean(x: Tensor): Tensor {
  expectF32('mean', 'x', x);
  if (x.size === 0) throw new Error('mean: the tensor is empty');
  const out = x.tape.empty([1]);
  x.tape.engine.run(K.ag_mean, { bindings: { x: x.buffer, out: out.buffer }, params: { n: x.size, scale: 1 / x.size }, workgroups: 1 });
  x.tape.record('mean', [x], out, (g) => [axpby(x, g, 0, 1 / x.size)]);
  return out;
}

/** The same values with another shape of equal size (a copy). */
export function reshape(x: Tensor, shape: Shape): Tensor {
  x.check('reshape');
  if (sizeOf(shape) !== x.size) throw new Error(`reshape: ${fmt(x)} has ${x.size} elements, [${shape.join(', ')}] has ${sizeOf(shape)}`);
  const out = x.tape.empty(shape, x.dtype);
  if (x.size) x.tape.engine.copy(x.buffer, out.buffer, x.size * 4);
  x.tape.record('reshape', [x], out, (g) => {
    const gx = x.tape.empty(x.shape);
    if (x.size) x.tape.engine.copy(g.buffer, gx.buffer, x.size * 4);
    return [gx];
  });
  return out;
}

/**
 * rows of `table` [N, D] picked by the i32 indices `idx` [B] -> [B, D]. idx = -1 gives a zero row (padding,
 * no gradient); any other index outside [0, N) gives a NaN row. Backward scatter-adds into the table's
 * gradient without float atomics: a stable counting sort of the indices on the GPU (chunk-local ranks,
 * a prefix sum over per-(row, chunk) counts, placement), then one invocation per (row, column) sums the
 * gradients of the elements gathered from that row in index order (deterministic).
 */
export function gatherRows(table: Tensor, idx: Tensor): Tensor {
  expectF32('gatherRows', 'table', table, 2); sameTape('gatherRows', table, idx);
  idx.check('gatherRows');
  if (idx.dtype !== 'i32' || idx.rank !== 1) throw new Error(`gatherRows: 'idx' must be a 1-D i32 tensor, got ${idx.dtype} ${fmt(idx)}`);
  const [n, d] = table.shape as [number, number];
  const nb = idx.size;
  const tape = table.tape, engine = tape.engine;
  const out = tape.empty([nb, d]);
  engine.run(K.ag_gather, { bindings: { table: table.buffer, idx: idx.buffer, out: out.buffer }, params: { nb, n, d }, workgroups: groups(nb * d) });
  tape.record('gatherRows', [table, idx], out, (g) => {
    if (nb === 0 || n === 0 || d === 0) return [tape.zeros([n, d]), null];
    return [scatterSum(idx, g, n, d, { ge: d, gj: 1, oe: d, oj: 1 }), null];
  });
  return out;
}

/**
 * columns of `a` [R, N] picked by the i32 indices `idx` [J] -> [R, J], out[r, j] = a[r, idx[j]] (e.g. each
 * candidate's IVF-list column of the query x centroid scores). idx = -1 gives a zero column (padding, no
 * gradient); any other index outside [0, N) gives a NaN column. Backward scatter-adds into a's gradient as
 * gatherRows does (deterministic, no float atomics): dA[r, c] = sum over j with idx[j] = c, in order, of g[r, j].
 */
export function gatherCols(a: Tensor, idx: Tensor): Tensor {
  expectF32('gatherCols', 'a', a, 2); sameTape('gatherCols', a, idx);
  idx.check('gatherCols');
  if (idx.dtype !== 'i32' || idx.rank !== 1) throw new Error(`gatherCols: 'idx' must be a 1-D i32 tensor, got ${idx.dtype} ${fmt(idx)}`);
  const [rows, n] = a.shape as [number, number];
  const nj = idx.size;
  const tape = a.tape, engine = tape.engine;
  const out = tape.empty([rows, nj]);
  if (rows * nj > 0) engine.run(K.ag_gather_cols, { bindings: { a: a.buffer, idx: idx.buffer, out: out.buffer }, params: { rows, n, nj }, workgroups: groups(rows * nj) });
  tape.record('gatherCols', [a, idx], out, (g) => {
    if (nj === 0 || n === 0 || rows === 0) return [tape.zeros([rows, n]), null];
    return [scatterSum(idx, g, n, rows, { ge: 1, gj: nj, oe: 1, oj: n }), null];
  });
  return out;
}

/**
 * The scatter-add of gatherRows / gatherCols: for each key c < n and each j < d, the sum of g over the elements
 * e with idx[e] = c, in index order, placed by the strides (see ag_scatter_sum.wgsl). A stable counting sort of
 * the indices on the GPU (chunk-local ranks, a prefix sum over per-(key, chunk) counts, placement) gives each
 * key its elements in order.
 */
function scatterSum(idx: Tensor, g: Tensor, n: number, d: number, strides: { ge: number; gj: number; oe: number; oj: number }): Tensor {
  const tape = idx.tape, engine = tape.engine, nb = idx.size;
  const grad = tape.empty(strides.oe === 1 ? [d, n] : [n, d]);
  const nchunks = Math.ceil(nb / 256);
  const rank = tape.empty([nb], 'i32'), counts = tape.zeros([n * nchunks], { dtype: 'i32' });
  const offsets = tape.empty([n * nchunks + 1], 'i32'), perm = tape.empty([nb], 'i32');
  engine.run(K.ag_scatter_rank, { bindings: { idx: idx.buffer, rank: rank.buffer, counts: counts.buffer }, params: { nb, n, nchunks }, workgroups: nchunks });
  engine.run(K.ag_scan, { bindings: { cnt: counts.buffer, out: offsets.buffer }, params: { n: n * nchunks }, workgroups: 1 });
  engine.run(K.ag_scatter_place, { bindings: { idx: idx.buffer, rank: rank.buffer, offsets: offsets.buffer, perm: perm.buffer }, params: { nb, n, nchunks }, workgroups: groups(nb) });
  engine.run(K.ag_scatter_sum, { bindings: { g: g.buffer, offsets: offsets.buffer, perm: perm.buffer, out: grad.buffer }, params: { n, d, nchunks, ...strides }, workgroups: groups(n * d) });
  for (const t of [rank, counts, offsets, perm]) t.dispose();
  return grad;
}
