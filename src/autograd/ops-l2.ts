// Squared-L2 scores of a Distill-VQ student on an L2 index, composed from the inner-product ops:
//   l2 score(q, x) = 2 <q, x> - ||x||^2 = ||q||^2 - ||q - x||^2.
// This is the negative squared distance shifted by ||q||^2, a constant per query: the ranking of one query's
// candidates is the same, and since the teacher's scores carry the same shift, every distillation loss is
// unchanged by it (ListNet, KL, RankNet and Margin-MSE see only differences within a row or softmaxes;
// MSE sees s - t, where the shifts cancel). Dropping it saves a per-row broadcast and keeps the values small.
import { Tensor } from './tensor.js';
import { expectF32, sameTape, reshape, scale, sub } from './ops.js';
import { scoresBatched, matmulT } from './ops-vq.js';

const fmt = (t: Tensor): string => `[${t.shape.join(', ')}]`;

/** squared norms over the last axis: x [..., D] -> [...] (a rank-1 x gives [1]); backward 2 g x. */
export function rowSqNorms(x: Tensor): Tensor {
  expectF32('rowSqNorms', 'x', x);
  if (x.rank < 1) throw new Error('rowSqNorms: needs at least one axis');
  const d = x.shape[x.rank - 1]!;
  const rows = d === 0 ? 0 : x.size / d;
  const lead = x.rank > 1 ? x.shape.slice(0, -1) : [1];
  // <x_r, x_r> as scoresBatched of each row against itself as its only candidate
  const n = scoresBatched(reshape(x, [rows, d]), reshape(x, [rows, 1, d]));
  return reshape(n, lead);
}

/** L2 scores of each query against its own candidates: q [B, D], x [B, C, D] -> [B, C], 2 <q_b, x_bc> - ||x_bc||^2. */
export function l2ScoresBatched(q: Tensor, x: Tensor): Tensor {
  expectF32('l2ScoresBatched', 'q', q, 2); expectF32('l2ScoresBatched', 'x', x, 3); sameTape('l2ScoresBatched', q, x);
  if (x.shape[0] !== q.shape[0] || x.shape[2] !== q.shape[1]) throw new Error(`l2ScoresBatched: x ${fmt(x)} must be [${q.shape[0]}, C, ${q.shape[1]}] for q ${fmt(q)}`);
  return sub(scale(scoresBatched(q, x), 2), rowSqNorms(x));
}

/** all-pairs L2 scores: q [B, D], x [N, D] -> [B, N], 2 <q_b, x_n> - ||x_n||^2 (in-batch candidates). */
export function l2ScoresAll(q: Tensor, x: Tensor): Tensor {
  expectF32('l2ScoresAll', 'q', q, 2); expectF32('l2ScoresAll', 'x', x, 2); sameTape('l2ScoresAll', q, x);
  if (x.shape[1] !== q.shape[1]) throw new Error(`l2ScoresAll: q ${fmt(q)} and x ${fmt(x)} must have the same last dimension`);
  return sub(scale(matmulT(q, x), 2), rowSqNorms(x));
}
