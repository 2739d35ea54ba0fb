// Deterministic pseudo-random inputs for benchmarks (mulberry32): the same seed gives the same data in
// Node and in browsers, so runs are comparable.

import type { Rand } from '../util/random.js';
export { mulberry32, type Rand } from '../util/random.js';

/** n floats uniform in [-scale, scale). */
export function uniformF32(r: Rand, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * r() - 1) * scale;
  return out;
}

/** n integers uniform in [0, bound). */
export function uniformU32(r: Rand, n: number, bound: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * bound);
  return out;
}
