// float64 references of the L2 score ops (src/autograd/ops-l2.ts), written from the distance side:
// score(q, x) = ||q||^2 - ||q - x||^2, d/dq = 2x, d/dx = 2(q - x).
type A = ArrayLike<number>;
const F = (n: number): Float64Array => new Float64Array(n);

export function rowSqNormsRef(x: A, d: number): Float64Array {
  const rows = x.length / d, o = F(rows);
  for (let r = 0; r < rows; r++) { let s = 0; for (let j = 0; j < d; j++) s += x[r * d + j]! ** 2; o[r] = s; }
  return o;
}

function l2(q: A, qi: number, x: A, xi: number, d: number): number {
  let qq = 0, dd = 0;
  for (let j = 0; j < d; j++) { const a = q[qi + j]!, b = x[xi + j]!; qq += a * a; dd += (a - b) ** 2; }
  return qq - dd;
}

/** q [B, D], x [B, C, D] -> [B, C] */
export function l2ScoresBatchedRef(q: A, x: A, nb: number, c: number, d: number): Float64Array {
  const o = F(nb * c);
  for (let b = 0; b < nb; b++) for (let k = 0; k < c; k++) o[b * c + k] = l2(q, b * d, x, (b * c + k) * d, d);
  return o;
}
export function l2ScoresBatchedVjp(q: A, x: A, nb: number, c: number, d: number, g: A): [Float64Array, Float64Array] {
  const gq = F(nb * d), gx = F(nb * c * d);
  for (let b = 0; b < nb; b++) for (let k = 0; k < c; k++) {
    const gv = g[b * c + k]!, xi = (b * c + k) * d;
    for (let j = 0; j < d; j++) { gq[b * d + j] += 2 * gv * x[xi + j]!; gx[xi + j] = 2 * gv * (q[b * d + j]! - x[xi + j]!); }
  }
  return [gq, gx];
}

/** q [B, D], x [N, D] -> [B, N] */
export function l2ScoresAllRef(q: A, x: A, nb: number, n: number, d: number): Float64Array {
  const o = F(nb * n);
  for (let b = 0; b < nb; b++) for (let k = 0; k < n; k++) o[b * n + k] = l2(q, b * d, x, k * d, d);
  return o;
}
export function l2ScoresAllVjp(q: A, x: A, nb: number, n: number, d: number, g: A): [Float64Array, Float64Array] {
  const gq = F(nb * d), gx = F(n * d);
  for (let b = 0; b < nb; b++) for (let k = 0; k < n; k++) {
    const gv = g[b * n + k]!;
    for (let j = 0; j < d; j++) { gq[b * d + j] += 2 * gv * x[k * d + j]!; gx[k * d + j] += 2 * gv * (q[b * d + j]! - x[k * d + j]!); }
  }
  return [gq, gx];
}
