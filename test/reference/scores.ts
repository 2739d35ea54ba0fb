// float64 CPU reference of src/shaders/scores.wgsl
export function scoresRef(q: ArrayLike<number>, x: ArrayLike<number>, nq: number, n: number, d: number, metric: 0 | 1): Float64Array {
  const out = new Float64Array(nq * n);
  for (let i = 0; i < nq; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      const a = q[i * d + k]!, b = x[j * d + k]!;
      s += metric === 0 ? a * b : (a - b) * (a - b);
    }
    out[i * n + j] = s;
  }
  return out;
}
