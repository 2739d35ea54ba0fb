// Kernels for inverted lists held in several segments (src/index/inverted-lists.ts): the merge of the segments'
// per-query top-k (lists_merge) and the ids of the merged global positions (lists_ids).
import type { Engine } from '../pipeline/engine.js';
import { lists_ids, lists_merge } from '../shaders/kernels.js';
import { checkK } from './topk.js';
import { need, sub, type Buf } from './row-chunks.js';

function checkCount(what: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${what}: ${name} must be a non-negative integer, got ${v}`);
}

export interface MergeTopkArgs {
  /** segs rows of rows x k candidates: segment s's row q at element s * stride + q * k, best-first (f32 scores) */
  inScores: Buf;
  /** their positions in their segment (u32; 0xffffffff = padding) */
  inPos: Buf;
  /** segs u32: the global position of each segment's position 0; global positions must be distinct */
  starts: Buf;
  /** rows x k: the merged k best, best-first (ip: largest, l2: smallest; ties to the lower global position; NaN
   *  last), and their global positions */
  outScores: Buf;
  outPos: Buf;
  rows: number; k: number; segs: number;
  /** elements between segments' rows, >= rows * k */
  stride: number;
  largest: boolean;
}

/**
 * Merges per-segment top-k rows (each sorted as the selection sorts, lib/select.wgsl) into one top-k per query: the
 * result equals a top-k over all the segments' candidates together. Rows with fewer than k real candidates are
 * padded with position -1 and -Infinity (largest) / +Infinity (smallest), as the selection pads.
 */
export function mergeTopk(engine: Engine, a: MergeTopkArgs): void {
  const { rows, k, segs, stride } = a;
  checkCount('mergeTopk', 'rows', rows);
  checkCount('mergeTopk', 'segs', segs);
  checkK(k, 'mergeTopk');
  if (!Number.isInteger(stride) || stride < rows * k) throw new Error(`mergeTopk: stride must be an integer >= rows * k = ${rows * k}, got ${stride}`);
  const inBytes = ((segs - 1) * stride + rows * k) * 4;
  need(a.inScores, inBytes, 'mergeTopk: inScores');
  need(a.inPos, inBytes, 'mergeTopk: inPos');
  need(a.starts, segs * 4, 'mergeTopk: starts');
  need(a.outScores, rows * k * 4, 'mergeTopk: outScores');
  need(a.outPos, rows * k * 4, 'mergeTopk: outPos');
  if (rows === 0) return;
  engine.fill(sub(a.outScores, 0, rows * k * 4), a.largest ? -Infinity : Infinity);
  engine.fill(sub(a.outPos, 0, rows * k * 4), 0xffffffff, true);
  if (segs === 0) return;
  engine.run(lists_merge, {
    bindings: { inScores: a.inScores, inPos: a.inPos, starts: a.starts, outScores: a.outScores, outPos: a.outPos },
    params: { rows, k, segs, stride, largest: a.largest ? 1 : 0 },
    workgroups: Math.ceil((segs * rows * k) / 64),
  });
}

/** out[i] = ids[pos[i] - start] where start <= pos[i] < end (ids: that segment's end - start ids), -1 where
 *  pos[i] is -1, unchanged elsewhere: run once per segment, it maps merged positions to ids. */
export function positionsToIds(engine: Engine, pos: Buf, ids: Buf, out: Buf, n: number, start: number, end: number): void {
  checkCount('positionsToIds', 'n', n);
  checkCount('positionsToIds', 'start', start);
  if (!Number.isInteger(end) || end < start) throw new Error(`positionsToIds: end must be an integer >= start = ${start}, got ${end}`);
  need(pos, n * 4, 'positionsToIds: pos');
  need(ids, (end - start) * 4, 'positionsToIds: ids');
  need(out, n * 4, 'positionsToIds: out');
  if (n === 0) return;
  engine.run(lists_ids, { bindings: { pos, ids, out }, params: { n, start, end }, workgroups: Math.ceil(n / 64) });
}
