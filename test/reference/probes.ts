// float64 (and exact u32) CPU references of the roofline probe kernels, src/shaders/probe_*.wgsl.

/** probe_stream_vec4 / probe_stream_u32: per-invocation grid-stride sums over n elements of `width` lanes
 *  (vec4: 4 floats summed in float64; u32: width 1, summed mod 2^32). */
export function probeStreamRef(x: Float32Array | Uint32Array, width: 1 | 4, n: number, threads: number): Float64Array {
  const out = new Float64Array(threads);
  for (let t = 0; t < threads; t++) {
    let acc = 0;
    for (let i = t; i < n; i += threads) for (let l = 0; l < width; l++) acc += x[i * width + l]!;
    out[t] = x instanceof Uint32Array ? acc % 2 ** 32 : acc;
  }
  return out;
}

/** probe_gather: invocation t's sum (mod 2^32) of `lookups` table words at the LCG indices s >> shift. */
export function probeGatherRef(table: Uint32Array, log2Words: number, threads: number, lookups: number): Uint32Array {
  const out = new Uint32Array(threads);
  const shift = 32 - log2Words;
  for (let t = 0; t < threads; t++) {
    let s = Math.imul(t ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
    let acc = 0;
    for (let j = 0; j < lookups; j++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      acc = (acc + table[s >>> shift]!) >>> 0;
    }
    out[t] = acc;
  }
  return out;
}

/** probe_fma: the sum of 16 chains a = a * b + c (float64) from (t mod 256) / 256 + 0..15, `iters` steps;
 *  b and c are the f32 values the kernel sees. */
export function probeFmaRef(threads: number, iters: number, b: number, c: number): Float64Array {
  const bf = Math.fround(b), cf = Math.fround(c);
  const out = new Float64Array(threads);
  for (let t = 0; t < threads; t++) {
    let sum = 0;
    for (let lane = 0; lane < 16; lane++) {
      let a = (t % 256) / 256 + lane;
      for (let i = 0; i < iters; i++) a = a * bf + cf;
      sum += a;
    }
    out[t] = sum;
  }
  return out;
}

/** probe_barrier: `iters` rounds of v[lid] <- v[(lid + 1) mod 256] * 3 + lid (mod 2^32) per workgroup. */
export function probeBarrierRef(seed: Uint32Array, groups: number, iters: number): Uint32Array {
  const out = new Uint32Array(groups * 256);
  for (let g = 0; g < groups; g++) {
    let v = seed.slice(g * 256, g * 256 + 256);
    for (let i = 0; i < iters; i++) {
      const next = new Uint32Array(256);
      for (let l = 0; l < 256; l++) next[l] = (Math.imul(v[(l + 1) & 255]!, 3) + l) >>> 0;
      v = next;
    }
    out.set(v, g * 256);
  }
  return out;
}
