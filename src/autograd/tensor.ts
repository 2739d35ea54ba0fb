// The autograd core: a Tensor is GPU storage + shape (+ an optional gradient); a Tape records one entry per
// op ({inputs, output, backward}) and replays them in reverse for backward(). A scope owns every tensor
// made inside it and releases them when it ends (except the ones kept or returned), so GPU memory stays flat
// over thousands of training steps without help from the garbage collector.
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import * as K from '../shaders/kernels.js';

export type DType = 'f32' | 'i32';
export type Shape = readonly number[];

export interface TensorOptions {
  requiresGrad?: boolean;
  label?: string;
}

/** A gradient per input of a record (null where the input needs none). */
export type BackwardFn = (gradOut: Tensor) => ReadonlyArray<Tensor | null>;

interface TapeRecord {
  name: string;
  inputs: readonly Tensor[];
  output: Tensor;
  backward: BackwardFn;
}

interface Scope {
  tensors: Set<Tensor>;
  /** tensors whose `grad` was set while this scope was open (their grad is reset when it is released) */
  gradOwners: Set<Tensor>;
  recordsAt: number;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`bad tensor shape [${shape.join(', ')}]: dimensions must be non-negative integers`);
    n *= d;
  }
  return n;
}

export class Tensor {
  /** the gradient of the last backward() with respect to this tensor, when it requires one */
  grad: Tensor | null = null;
  readonly size: number;
  /** @internal the scope that releases this tensor (null: kept until disposed by hand) */
  scope: Scope | null = null;
  /** @internal true for tensors made by an op (their gradient is freed once used in backward) */
  fromOp = false;
  private disposed = false;

  /** @internal use tape.tensor / tape.zeros / ops */
  constructor(
    readonly tape: Tape,
    readonly buffer: GpuBuffer,
    readonly shape: Shape,
    readonly dtype: DType,
    public requiresGrad: boolean,
  ) {
    this.size = sizeOf(shape);
  }

  get isDisposed(): boolean { return this.disposed; }
  get rank(): number { return this.shape.length; }

  /** Copies the values back to the host. */
  async read(): Promise<Float32Array | Int32Array> {
    this.check('read');
    if (this.dtype === 'i32') return this.tape.engine.read(this.buffer, Int32Array, 0, this.size * 4);
    return this.tape.engine.read(this.buffer, Float32Array, 0, this.size * 4);
  }

  /** The value of a one-element tensor (e.g. a loss). */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item() needs a one-element tensor, this one has shape [${this.shape.join(', ')}]`);
    return (await this.read())[0]!;
  }

  /** Releases the gradient (if any). */
  zeroGrad(): void {
    if (this.grad) { this.grad.dispose(); this.grad = null; }
  }

  /** Releases the GPU memory now (and the gradient's). Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.tape.release(this);
  }

  /** @internal */
  check(op: string): void {
    if (this.disposed) throw new Error(`${op}: tensor [${this.shape.join(', ')}] '${this.buffer.label}' was disposed (made in a scope that ended?)`);
  }

  toString(): string { return `Tensor(${this.dtype}[${this.shape.join(', ')}]${this.requiresGrad ? ', requiresGrad' : ''})`; }
}

type Kept = Tensor | readonly Kept[] | { readonly [k: string]: Kept } | unknown;

/**
 * Records ops for reverse-mode differentiation and owns the lifetimes of the tensors made through it.
 * One tape per engine is enough; it is not tied to a model.
 */
export class Tape {
  private records: TapeRecord[] = [];
  private scopes: Scope[] = [];
  private readonly all = new Set<Tensor>();
  private gradDepth = 0;
  private dummyBuf: GpuBuffer | null = null;

  /** poison: fill every new tensor with NaN (tests use it to catch elements a kernel leaves unwritten) */
  constructor(readonly engine: Engine, readonly opts: { poison?: boolean } = {}) {}

  /** false inside noGrad() and while backward() runs */
  get gradEnabled(): boolean { return this.gradDepth === 0; }
  /** records waiting for backward (for tests) */
  get recordCount(): number { return this.records.length; }
  /** tensors alive on this tape (for tests) */
  get liveTensors(): number { return this.all.size; }

  /** A tensor holding host data (f32 from a Float32Array or number[], i32 from an Int32Array). */
  tensor(data: Float32Array | Int32Array | readonly number[], shape: Shape, opts: TensorOptions = {}): Tensor {
    const n = sizeOf(shape);
    const arr = data instanceof Int32Array || data instanceof Float32Array ? data : Float32Array.from(data);
    if (arr.length !== n) throw new Error(`tensor: ${arr.length} values do not fill shape [${shape.join(', ')}] (${n} elements)`);
    const dtype: DType = arr instanceof Int32Array ? 'i32' : 'f32';
    if (dtype === 'i32' && opts.requiresGrad) throw new Error('tensor: an i32 (index) tensor cannot require a gradient');
    const t = this.empty(shape, dtype, opts);
    if (n > 0) this.engine.write(t.buffer, arr);
    return t;
  }

  /** A zero-filled tensor. */
  zeros(shape: Shape, opts: TensorOptions & { dtype?: DType } = {}): Tensor {
    const t = this.empty(shape, opts.dtype ?? 'f32', opts);
    if (this.opts.poison && t.size > 0) this.engine.fill(t.buffer, 0);
    return t;
  }

  /** A tensor filled with one value. */
  full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
    const t = this.empty(shape, 'f32', opts);
    if ((value !== 0 || this.opts.poison) && t.size > 0) this.engine.fill(t.buffer, value);
    return t;
  }

  /** @internal a new tensor owned by the innermost open scope (contents unspecified: zeros, NaN when poisoning) */
  empty(shape: Shape, dtype: DType = 'f32', opts: TensorOptions = {}): Tensor {
    const n = sizeOf(shape);
    const buf = this.engine.buffer(n * 4, opts.label ?? `tensor[${shape.join('x')}]`);
    const t = new Tensor(this, buf, [...shape], dtype, opts.requiresGrad ?? false);
    if (this.opts.poison && n > 0) this.engine.fill(buf, NaN);
    this.all.add(t);
    const s = this.scopes[this.scopes.length - 1];
    if (s) { t.scope = s; s.tensors.add(t); }
    return t;
  }

  /**
   * Runs fn in a scope: every tensor made inside is disposed when fn returns (or its promise settles),
   * except tensors passed to keep() and tensors fn returns (directly, in an array or in a plain object),
   * which move to the enclosing scope. Gradients set inside are released too, and their owners' `grad`
   * reset to null. Records made inside are dropped.
   */
  scope<T>(fn: () => T): T {
    const s: Scope = { tensors: new Set(), gradOwners: new Set(), recordsAt: this.records.length };
    this.scopes.push(s);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.endScope(s, undefined);
      throw e;
    }
    if (result instanceof Promise) {
      return result.then(
        (v) => { this.endScope(s, v); return v; },
        (e) => { this.endScope(s, undefined); throw e; },
      ) as T;
    }
    this.endScope(s, result);
    return result;
  }

  /** Takes tensors out of every scope: they live until disposed by hand (parameters, optimizer state). */
  keep<T extends Tensor | readonly Tensor[]>(t: T): T {
    for (const x of (Array.isArray(t) ? t : [t]) as Tensor[]) {
      x.scope?.tensors.delete(x);
      x.scope = null;
    }
    return t;
  }

  /** Runs fn without recording ops. */
  noGrad<T>(fn: () => T): T {
    this.gradDepth++;
    try { return fn(); } finally { this.gradDepth--; }
  }

  /** @internal called by ops: pushes one record when gradients are wanted. Marks output.requiresGrad. */
  record(name: string, inputs: readonly Tensor[], output: Tensor, backward: BackwardFn): void {
    output.fromOp = true;
    if (!this.gradEnabled || !inputs.some((x) => x.requiresGrad)) return;
    output.requiresGrad = true;
    this.records.push({ name, inputs, output, backward });
  }

  /**
   * Backpropagates from `output` (a one-element loss, or any tensor with an explicit seed `gradOut` of the
   * same shape), running the records in reverse. Gradients accumulate into `.grad` of every tensor that
   * requires one; intermediate gradients are freed once used. The records are consumed.
   */
  backward(output: Tensor, gradOut?: Tensor): void {
    output.check('backward');
    if (!output.requiresGrad) throw new Error('backward: the output does not depend on any tensor that requires a gradient');
    let seed: Tensor;
    if (gradOut) {
      if (gradOut.size !== output.size) throw new Error(`backward: seed of shape [${gradOut.shape.join(', ')}] does not match output [${output.shape.join(', ')}]`);
      seed = this.copyOf(gradOut);
    } else {
      if (output.size !== 1) throw new Error(`backward: the output has shape [${output.shape.join(', ')}]; pass a seed gradient or reduce it to one element`);
      seed = this.full([1], 1);
    }
    this.accumulate(output, seed);
    const records = this.records;
    const start = 0;
    const pending: Tensor[] = [];
    this.gradDepth++;
    try {
      for (let r = records.length - 1; r >= start; r--) {
        const rec = records[r]!;
        const g = rec.output.grad;
        if (!g) continue;
        for (const x of rec.inputs) x.check(`backward of ${rec.name}`);
        const grads = rec.backward(g);
        rec.inputs.forEach((x, i) => {
          const gi = grads[i];
          if (!gi) return;
          if (!x.requiresGrad) { pending.push(gi); return; }
          if (this.accumulate(x, gi)) pending.push(gi);
        });
        if (rec.output.fromOp && rec.output !== output) { pending.push(g); rec.output.grad = null; }
        if (pending.length) { this.engine.flush(); for (const p of pending.splice(0)) p.dispose(); }
      }
    } finally {
      this.gradDepth--;
      records.length = start;
    }
  }

  /** Adds g into x.grad; returns true when g was consumed (added) and can be freed, false when adopted. */
  private accumulate(x: Tensor, g: Tensor): boolean {
    if (!x.grad || x.grad.isDisposed) {
      x.grad = g;
      const s = this.scopes[this.scopes.length - 1];
      if (s) s.gradOwners.add(x);
      return false;
    }
    this.engine.run(K.ag_acc, { bindings: { acc: x.grad.buffer, g: g.buffer }, params: { n: x.size }, workgroups: Math.ceil(x.size / 256) });
    return true;
  }

  /** @internal a small buffer to bind where a kernel's output is unused in this mode (kept by the tape) */
  dummy(): GpuBuffer {
    if (!this.dummyBuf || this.dummyBuf.isDisposed) this.dummyBuf = this.engine.buffer(16, 'autograd dummy');
    return this.dummyBuf;
  }

  /** @internal a fresh copy (no record) */
  copyOf(x: Tensor): Tensor {
    const y = this.empty(x.shape, x.dtype);
    if (x.size > 0) this.engine.copy(x.buffer, y.buffer, x.size * 4);
    return y;
  }

  /** @internal frees a tensor's buffer and gradient (after submitting pending work that may use them) */
  release(t: Tensor): void {
    this.engine.flush();
    t.scope?.tensors.delete(t);
    t.scope = null;
    this.all.delete(t);
    t.buffer.dispose();
    if (t.grad && t.grad !== t) { const g = t.grad; t.grad = null; g.dispose(); }
  }

  private endScope(s: Scope, result: unknown): void {
    const idx = this.scopes.lastIndexOf(s);
    if (idx < 0) throw new Error('scope ended twice');
    if (idx !== this.scopes.length - 1) throw new Error('scopes must end in the order they began (an async scope overlapped another)');
    this.scopes.pop();
    const parent = this.scopes[this.scopes.length - 1] ?? null;
    const survivors = new Set<Tensor>();
    collect(result as Kept, survivors, 0);
    for (const t of survivors) {
      if (t.scope !== s) continue;
      s.tensors.delete(t);
      t.scope = parent;
      parent?.tensors.add(t);
    }
    this.engine.flush();
    for (const t of [...s.tensors]) t.dispose();
    for (const o of s.gradOwners) {
      if (o.grad?.isDisposed) o.grad = null;
      else if (o.grad && parent) parent.gradOwners.add(o);
    }
    if (this.records.length > s.recordsAt) this.records.length = s.recordsAt;
  }

  /** Disposes every tensor made through this tape. */
  dispose(): void {
    this.engine.flush();
    for (const t of [...this.all]) t.dispose();
    this.dummyBuf?.dispose();
    this.dummyBuf = null;
    this.records = [];
    this.scopes = [];
  }
}

function collect(v: Kept, out: Set<Tensor>, depth: number): void {
  if (depth > 4 || v === null || typeof v !== 'object') return;
  if (v instanceof Tensor) { out.add(v); return; }
  if (Array.isArray(v)) { for (const x of v) collect(x as Kept, out, depth + 1); return; }
  if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collect(x as Kept, out, depth + 1);
}
