// Shared test helpers: one engine per test file, seeded random inputs, poisoned outputs and tolerant comparison.
import { createEngine } from '../src/node/create.js';
import type { Engine } from '../src/pipeline/engine.js';
import { mulberry32 } from '../src/util/random.js';

let shared: Engine | null = null;
/** One engine per test process, disposed when the process's tests end. */
export async function getEngine(t?: { teardown(fn: () => void): void }): Promise<Engine> {
  if (!shared || shared.isDisposed) {
    shared = await createEngine();
    process.once('beforeExit', () => shared?.dispose());
  }
  void t;
  return shared;
}

/** mulberry32: a small seeded PRNG so failures can be replayed (seed printed by the tests). */
export const rng = mulberry32;

export function randn(r: () => number): number {
  const u = Math.max(r(), 1e-12), v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** n integers uniform over all 32-bit values. */
export function randomU32(r: () => number, n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(r() * 2 ** 32);
  return a;
}

export function randomF32(r: () => number, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = randn(r) * scale;
  return a;
}

/** A seed that differs per run (fresh random inputs), printed so a failure can be replayed with SEED=. */
export function freshSeed(): number {
  const s = process.env.SEED ? Number(process.env.SEED) : (Date.now() ^ (process.pid << 8)) >>> 0;
  return s;
}

/** The float NaN pattern used to poison output buffers so unwritten elements show up. */
export const POISON_F32 = NaN;
export const POISON_U32 = 0xdeadbeef;

/** max |a - b| / (atol + rtol * |b|) over all elements; <= 1 means within tolerance. Reports the worst index. */
export function compare(a: ArrayLike<number>, b: ArrayLike<number>, atol: number, rtol: number): { ok: boolean; worst: number; at: number; got: number; want: number } {
  if (a.length !== b.length) return { ok: false, worst: Infinity, at: -1, got: a.length, want: b.length };
  let worst = 0, at = -1;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!));
    if (!(err <= worst)) { worst = Number.isNaN(err) ? Infinity : err; at = i; if (worst === Infinity) break; }
  }
  return { ok: worst <= 1, worst, at, got: at >= 0 ? a[at]! : 0, want: at >= 0 ? b[at]! : 0 };
}

/** The engine with a smaller maxBinding, so that row chunking is exercised on small inputs. */
export function withMaxBinding(engine: Engine, bytes: number): Engine {
  return new Proxy(engine, {
    get(target, p) {
      if (p === 'maxBinding') return bytes;
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** `engine` as seen without the 'subgroups' feature: the kernel wrappers take their subgroup-free kernels */
export function withoutSubgroups(engine: Engine): Engine {
  const features = new Set([...engine.features].filter((f) => f !== 'subgroups'));
  return new Proxy(engine, {
    get(target, p) {
      if (p === 'features') return features;
      if (p === 'hasSubgroups') return false;
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** n points around `centers` well-separated blob centres (dim D), shuffled */
export function blobs(r: () => number, n: number, centers: number, D: number, spread = 0.3): Float32Array {
  const c = randomF32(r, centers * D, 3);
  const x = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const b = Math.floor(r() * centers);
    for (let j = 0; j < D; j++) x[i * D + j] = c[b * D + j]! + spread * randomF32(r, 1)[0]!;
  }
  return x;
}

/** An .fvecs file image (each row: int32 dim, then dim float32 values). */
export function fvecs(data: Float32Array, dim: number): Buffer {
  const n = data.length / dim;
  const b = Buffer.alloc(n * (4 + 4 * dim));
  for (let i = 0; i < n; i++) {
    b.writeInt32LE(dim, i * (4 + 4 * dim));
    for (let j = 0; j < dim; j++) b.writeFloatLE(data[i * dim + j]!, i * (4 + 4 * dim) + 4 + 4 * j);
  }
  return b;
}
