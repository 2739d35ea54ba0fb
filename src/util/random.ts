// The project's one seeded generator (mulberry32): the same seed gives the same numbers in Node and browsers.

export type Rand = () => number;

/** Uniform floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random permutation of 0..n-1 (Fisher-Yates). */
export function shuffled(n: number, rand: Rand): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); const t = p[i]!; p[i] = p[j]!; p[j] = t; }
  return p;
}

/** m distinct indices of [0, n) in random order (a partial Fisher-Yates shuffle with O(m) memory). */
export function sampleDistinct(n: number, m: number, rand: Rand): Uint32Array {
  if (m > n) throw new Error(`cannot draw ${m} distinct rows out of ${n}`);
  const swapped = new Map<number, number>();
  const out = new Uint32Array(m);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const vj = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    out[i] = vj;
  }
  return out;
}
