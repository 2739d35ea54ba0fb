// The five distillation losses over teacher scores t [B, C] (never differentiated) and student scores
// s [B, C]; each returns the mean over the B queries as a [1] tensor. An optional i32 `counts` [B] says how
// many leading candidates of each row are real (the rest is padding and gets no loss or gradient).
import { Tensor } from './tensor.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import { expectF32, sameTape, groups } from './ops.js';
import * as K from '../shaders/kernels.js';

export interface LossOptions {
  /** softmax temperature T for ListNet and KL, logistic scale for RankNet (default 1) */
  temperature?: number;
  /** i32 [B]: number of valid leading candidates per row (default: all C) */
  counts?: Tensor;
}

const enum Kind { ListNet = 0, KL = 1, MSE = 2, MarginMSE = 3 }

function checkArgs(op: string, teacher: Tensor, student: Tensor, opts: LossOptions): { rows: number; len: number; invT: number } {
  expectF32(op, 'teacher', teacher, 2); expectF32(op, 'student', student, 2); sameTape(op, teacher, student);
  if (teacher.shape[0] !== student.shape[0] || teacher.shape[1] !== student.shape[1]) {
    throw new Error(`${op}: teacher [${teacher.shape.join(', ')}] and student [${student.shape.join(', ')}] scores must have the same shape`);
  }
  if (teacher.requiresGrad) throw new Error(`${op}: the teacher's scores must not require a gradient (they are the target)`);
  const rows = teacher.shape[0]!, len = teacher.shape[1]!;
  if (rows === 0) throw new Error(`${op}: no rows`);
  const T = opts.temperature ?? 1;
  if (!(T > 0) || !Number.isFinite(T)) throw new Error(`${op}: temperature must be a positive number, got ${T}`);
  if (opts.counts) {
    opts.counts.check(op);
    if (opts.counts.dtype !== 'i32' || opts.counts.size !== rows) throw new Error(`${op}: counts must be an i32 tensor of ${rows} values, got ${opts.counts.dtype} [${opts.counts.shape.join(', ')}]`);
  }
  return { rows, len, invT: 1 / T };
}

function rowLoss(op: string, kind: Kind, teacher: Tensor, student: Tensor, opts: LossOptions): Tensor {
  const { rows, len, invT } = checkArgs(op, teacher, student, opts);
  const tape = student.tape, engine = tape.engine;
  const perRow = tape.empty([rows]);
  const out = tape.empty([1]);
  const counts = opts.counts ?? teacher;
  const base = { rows, len, kind, hasCount: opts.counts ? 1 : 0, invT, scale: 1 / rows };
  engine.run(K.ag_loss, {
    bindings: { t: teacher.buffer, s: student.buffer, counts: counts.buffer, gl: teacher.buffer, rowLoss: perRow.buffer, ds: tape.dummy() },
    params: { ...base, phase: 0 }, workgroups: rows,
  });
  engine.run(K.ag_mean, { bindings: { x: perRow.buffer, out: out.buffer }, params: { n: rows, scale: 1 / rows }, workgroups: 1 });
  perRow.dispose();
  tape.record(op, [teacher, student], out, (g) => {
    const ds = tape.empty(student.shape);
    engine.run(K.ag_loss, {
      bindings: { t: teacher.buffer, s: student.buffer, counts: counts.buffer, gl: g.buffer, rowLoss: tape.dummy(), ds: ds.buffer },
      params: { ...base, phase: 1 }, workgroups: rows,
    });
    return [null, ds];
  });
  return out;
}

/** ListNet: mean over queries of CE(softmax(t / T), softmax(s / T)), the paper's loss. */
export function listNetLoss(teacher: Tensor, student: Tensor, opts: LossOptions = {}): Tensor {
  return rowLoss('listNetLoss', Kind.ListNet, teacher, student, opts);
}

/** KL(softmax(t / T) || softmax(s / T)), mean over queries (ListNet minus the teacher's entropy). */
export function klLoss(teacher: Tensor, student: Tensor, opts: LossOptions = {}): Tensor {
  return rowLoss('klLoss', Kind.KL, teacher, student, opts);
}

/** mean over queries of the mean over candidates of (s - t)^2. */
export function mseLoss(teacher: Tensor, student: Tensor, opts: LossOptions = {}): Tensor {
  return rowLoss('mseLoss', Kind.MSE, teacher, student, opts);
}

/**
 * Margin-MSE against the teacher's top-1 candidate i of each query (first argmax of t): the mean over the
 * other candidates c of ((s_i - s_c) - (t_i - t_c))^2, averaged over queries. (Not all pairs: O(C) per query.)
 */
export function marginMseLoss(teacher: Tensor, student: Tensor, opts: LossOptions = {}): Tensor {
  return rowLoss('marginMseLoss', Kind.MarginMSE, teacher, student, opts);
}

/**
 * Weighted RankNet: over the pairs (i, j) with t_i > t_j, weight w_ij = |1/r_i - 1/r_j| where r is the
 * teacher's rank (1 = best, ties broken by index), loss = sum w_ij log(1 + exp(-(s_i - s_j) / T)) / sum w_ij
 * per query, averaged over queries. O(C^2) per query: meant for candidate lists of a few hundred.
 */
export function rankNetLoss(teacher: Tensor, student: Tensor, opts: LossOptions = {}): Tensor {
  const op = 'rankNetLoss';
  const { rows, len, invT } = checkArgs(op, teacher, student, opts);
  const tape = student.tape, engine = tape.engine;
  const rank = tape.empty([rows, len]), perRow = tape.empty([rows]), rowW = tape.empty([rows]);
  const out = tape.empty([1]);
  const counts = opts.counts ?? teacher;
  const base = { rows, len, hasCount: opts.counts ? 1 : 0, invT, scale: 1 / rows };
  const dummy = tape.dummy();
  const bind = (gl: Tensor, ds: GpuBuffer, lossOut: GpuBuffer) => ({ t: teacher.buffer, s: student.buffer, counts: counts.buffer, gl: gl.buffer, rank: rank.buffer, rowLoss: lossOut, rowW: rowW.buffer, ds });
  engine.run(K.ag_ranknet, { bindings: bind(teacher, dummy, perRow.buffer), params: { ...base, phase: 0 }, workgroups: groups(rows * len, 64) });
  engine.run(K.ag_ranknet, { bindings: bind(teacher, dummy, perRow.buffer), params: { ...base, phase: 1 }, workgroups: rows });
  engine.run(K.ag_mean, { bindings: { x: perRow.buffer, out: out.buffer }, params: { n: rows, scale: 1 / rows }, workgroups: 1 });
  perRow.dispose();
  tape.record(op, [teacher, student], out, (g) => {
    const ds = tape.empty(student.shape);
    engine.run(K.ag_ranknet, { bindings: bind(g, ds.buffer, tape.dummy()), params: { ...base, phase: 2 }, workgroups: groups(rows * len, 64) });
    return [null, ds];
  });
  return out;
}
