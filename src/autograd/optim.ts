// Optimizers on the GPU: one fused kernel per parameter update (ag_sgd, ag_adam), parameter groups with
// their own learning rates (e.g. PQ codebooks vs IVF centroids), and a linear warm-up / linear decay
// schedule. Optimizer state lives in tensors kept out of every scope; dispose() releases it.
import { Tensor } from './tensor.js';
import { groups } from './ops.js';
import * as K from '../shaders/kernels.js';

/** lr multiplier at a step (0-based). */
export type Schedule = (step: number) => number;

/**
 * Linear warm-up over `warmupSteps` (factor (step + 1) / warmupSteps, so the first step already moves)
 * then linear decay to `minFactor` (default 0) at `totalSteps`; constant at minFactor afterwards.
 */
export function linearWarmupDecay(warmupSteps: number, totalSteps: number, minFactor = 0): Schedule {
  if (!(warmupSteps >= 0) || !(totalSteps > 0) || warmupSteps > totalSteps) {
    throw new Error(`linearWarmupDecay: need 0 <= warmupSteps (${warmupSteps}) <= totalSteps (${totalSteps}) and totalSteps > 0`);
  }
  return (step: number) => {
    if (step < warmupSteps) return (step + 1) / warmupSteps;
    const left = (totalSteps - step) / Math.max(1, totalSteps - warmupSteps);
    return Math.max(minFactor, Math.min(1, left));
  };
}

export const constantSchedule: Schedule = () => 1;

export interface ParamGroup {
  params: Tensor[];
  lr: number;
  /** Adam: L2 added to the gradient; AdamW: decoupled decay; SGD: L2 (default 0) */
  weightDecay?: number;
  /** SGD only (default: the optimizer's) */
  momentum?: number;
}

interface Slot { param: Tensor; state: Tensor[] }

abstract class Optimizer {
  /** number of step() calls so far */
  stepCount = 0;
  protected readonly groups: { group: ParamGroup; slots: Slot[] }[];
  protected constructor(groups: ParamGroup[], protected readonly schedule: Schedule) {
    if (!groups.length) throw new Error('optimizer: no parameter groups');
    const seen = new Set<Tensor>();
    this.groups = groups.map((group) => {
      if (!(group.lr >= 0) || !Number.isFinite(group.lr)) throw new Error(`optimizer: learning rate must be a non-negative number, got ${group.lr}`);
      for (const p of group.params) {
        p.check('optimizer');
        if (p.dtype !== 'f32' || !p.requiresGrad) throw new Error(`optimizer: parameter ${p} must be f32 and require a gradient`);
        if (seen.has(p)) throw new Error(`optimizer: parameter ${p} is listed twice`);
        seen.add(p);
      }
      return { group, slots: group.params.map((param) => ({ param, state: [] as Tensor[] })) };
    });
  }

  /** The learning rate of group `g` at a step (the group's lr times the schedule). */
  lrAt(step: number, g = 0): number {
    const grp = this.groups[g];
    if (!grp) throw new Error(`optimizer: no parameter group ${g}`);
    return grp.group.lr * this.schedule(step);
  }

  /** Updates every parameter that has a gradient, with the learning rates of step `stepCount`, then counts the step. */
  step(): void {
    const step = this.stepCount;
    this.groups.forEach(({ group, slots }, g) => {
      const lr = this.lrAt(step, g);
      for (const slot of slots) {
        const grad = slot.param.grad;
        if (!grad || grad.isDisposed) continue;
        slot.param.check('optimizer step');
        const nState = this.stateCount(group);
        if (slot.state.length < nState) {
          const tape = slot.param.tape;
          for (let i = slot.state.length; i < nState; i++) slot.state.push(tape.keep(tape.zeros(slot.param.shape, { label: 'optimizer state' })));
        }
        this.update(slot, grad, lr, group, step + 1);
      }
    });
    this.stepCount++;
  }

  /** optimizer state tensors per parameter of a group */
  protected abstract stateCount(group: ParamGroup): number;
  protected abstract update(slot: Slot, grad: Tensor, lr: number, group: ParamGroup, t: number): void;

  /** Releases the optimizer state. */
  dispose(): void {
    for (const { slots } of this.groups) for (const s of slots) { for (const t of s.state) t.dispose(); s.state = []; }
  }
}

export interface SgdOptions { momentum?: number; schedule?: Schedule }

/** SGD with optional momentum (v = mu v + g; p -= lr v) and L2 weight decay. */
export class SGD extends Optimizer {
  private readonly momentum: number;
  constructor(groups: ParamGroup[], opts: SgdOptions = {}) {
    const mu = opts.momentum ?? 0;
    super(groups, opts.schedule ?? constantSchedule);
    this.momentum = mu;
  }
  protected stateCount(group: ParamGroup): number { return (group.momentum ?? this.momentum) !== 0 ? 1 : 0; }
  protected update(slot: Slot, grad: Tensor, lr: number, group: ParamGroup): void {
    const mu = group.momentum ?? this.momentum;
    const p = slot.param;
    p.tape.engine.run(K.ag_sgd, {
      bindings: { p: p.buffer, g: grad.buffer, v: slot.state[0]?.buffer ?? p.tape.dummy() },
      params: { n: p.size, lr, momentum: mu, wd: group.weightDecay ?? 0, useMomentum: mu !== 0 ? 1 : 0 },
      workgroups: groups(p.size),
    });
  }
}

export interface AdamOptions { beta1?: number; beta2?: number; eps?: number; schedule?: Schedule; /** true: AdamW (default) */ decoupled?: boolean }

/** Adam / AdamW (decoupled weight decay, PyTorch's formulas), one fused kernel per parameter. */
export class Adam extends Optimizer {
  readonly beta1: number; readonly beta2: number; readonly eps: number; readonly decoupled: boolean;
  constructor(groups: ParamGroup[], opts: AdamOptions = {}) {
    super(groups, opts.schedule ?? constantSchedule);
    this.beta1 = opts.beta1 ?? 0.9; this.beta2 = opts.beta2 ?? 0.999; this.eps = opts.eps ?? 1e-8;
    this.decoupled = opts.decoupled ?? true;
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1)) throw new Error(`Adam: betas must be in [0, 1), got ${this.beta1}, ${this.beta2}`);
  }
  protected stateCount(): number { return 2; }
  protected update(slot: Slot, grad: Tensor, lr: number, group: ParamGroup, t: number): void {
    const p = slot.param;
    p.tape.engine.run(K.ag_adam, {
      bindings: { p: p.buffer, g: grad.buffer, m: slot.state[0]!.buffer, v: slot.state[1]!.buffer },
      params: {
        n: p.size, lr, b1: this.beta1, b2: this.beta2, eps: this.eps, wd: group.weightDecay ?? 0,
        bc1: 1 - this.beta1 ** t, bc2: 1 - this.beta2 ** t, decoupled: this.decoupled ? 1 : 0,
      },
      workgroups: groups(p.size),
    });
  }
}

/** AdamW: Adam with decoupled weight decay. */
export class AdamW extends Adam {
  constructor(groups: ParamGroup[], opts: Omit<AdamOptions, 'decoupled'> = {}) { super(groups, { ...opts, decoupled: true }); }
}
