// Finite-difference gradient check of one autograd op: the GPU forward against the float64 reference
// forward, and the GPU backward (seeded with a random upstream gradient) against central differences of
// the float64 forward (and the reference's analytic vjp against the same differences). The tape poisons
// every tensor it makes with NaN, so elements a kernel forgets to write show up.
import type { Tape, Tensor } from '../../src/autograd/index.js';
import { compare, randn } from '../helpers.js';

export interface OpInput {
  data: Float32Array | Int32Array;
  shape: number[];
  /** differentiate with respect to this input */
  grad?: boolean;
}

export interface OpCase {
  name: string;
  inputs: OpInput[];
  gpu: (xs: Tensor[]) => Tensor;
  /** float64 forward on the same inputs */
  ref: (xs: Float64Array[]) => ArrayLike<number>;
  /** float64 analytic vjp, one entry per input (null where not differentiated) */
  vjp?: (xs: Float64Array[], g: Float64Array) => Array<ArrayLike<number> | null>;
  /** the function whose central differences the backward must match (default: ref) */
  fdRef?: (xs: Float64Array[]) => ArrayLike<number>;
  /** forward tolerance (absolute, scaled by the largest |value|) */
  fwdTol?: number;
  /** backward tolerance (absolute, scaled by the largest |gradient|) */
  bwdTol?: number;
  /** at most this many coordinates per input are differenced (a random sample) */
  maxFd?: number;
}

interface Assert { ok(v: unknown, msg: string): void }

const maxAbs = (a: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!)); return m; };

export async function checkOp(t: Assert, tape: Tape, c: OpCase, r: () => number, tag: string): Promise<void> {
  await tape.scope(async () => {
    const xs = c.inputs.map((x) => tape.tensor(x.data, x.shape, { requiresGrad: x.grad ?? false }));
    const x64 = c.inputs.map((x) => Float64Array.from(x.data));
    const out = c.gpu(xs);
    const got = await out.read();
    const want = c.ref(x64);
    const fs = (c.fwdTol ?? 1e-5) * Math.max(1, maxAbs(want));
    const cf = compare(got, want, fs, 1e-4);
    t.ok(cf.ok, `${tag} ${c.name} forward: worst ${cf.worst.toFixed(3)} at ${cf.at} got ${cf.got} want ${cf.want}`);
    if (!c.inputs.some((x) => x.grad)) return;

    const g = Float64Array.from({ length: out.size }, () => randn(r));
    tape.backward(out, tape.tensor(Float32Array.from(g), out.shape));
    const fdf = c.fdRef ?? c.ref;
    const L = (ins: Float64Array[]): number => { const y = fdf(ins); let s = 0; for (let i = 0; i < y.length; i++) s += g[i]! * y[i]!; return s; };
    const vjp = c.vjp?.(x64, g);
    for (let k = 0; k < c.inputs.length; k++) {
      if (!c.inputs[k]!.grad) continue;
      const gradT = xs[k]!.grad;
      t.ok(gradT !== null, `${tag} ${c.name}: input ${k} has a gradient`);
      if (!gradT) continue;
      const gg = await gradT.read();
      const n = x64[k]!.length;
      const coords = n <= (c.maxFd ?? 400) ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: c.maxFd ?? 400 }, () => Math.floor(r() * n));
      const fd: number[] = [], gpu: number[] = [], an: number[] = [];
      for (const i of coords) {
        const x = x64[k]!, x0 = x[i]!, h = 1e-6 * Math.max(1, Math.abs(x0));
        x[i] = x0 + h; const lp = L(x64);
        x[i] = x0 - h; const lm = L(x64);
        x[i] = x0;
        fd.push((lp - lm) / (2 * h)); gpu.push(gg[i]!);
        if (vjp?.[k]) an.push(vjp[k]![i]!);
      }
      const bs = (c.bwdTol ?? 2e-4) * Math.max(1e-3, maxAbs(fd));
      const cb = compare(gpu, fd, bs, 1e-3);
      t.ok(cb.ok, `${tag} ${c.name} backward wrt input ${k} vs finite differences (${coords.length} coords): worst ${cb.worst.toFixed(3)} at coord ${coords[cb.at]} got ${cb.got} want ${cb.want}`);
      if (an.length) {
        const ca = compare(an, fd, 1e-6 * Math.max(1e-3, maxAbs(fd)), 1e-5);
        t.ok(ca.ok, `${tag} ${c.name} reference vjp wrt input ${k} vs finite differences: worst ${ca.worst.toFixed(3)} at ${coords[ca.at]}`);
        const gv = c.vjp!(x64, g)[k]!;
        const cg = compare(gg, gv, bs, 1e-3);
        t.ok(cg.ok, `${tag} ${c.name} backward wrt input ${k} vs reference vjp (all ${n}): worst ${cg.worst.toFixed(3)} at ${cg.at} got ${cg.got} want ${cg.want}`);
      }
    }
  });
}
