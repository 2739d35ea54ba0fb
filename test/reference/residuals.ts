// float64 CPU reference of src/shaders/residuals.wgsl
export function residualsRef(x: ArrayLike<number>, centroids: ArrayLike<number>, assign: ArrayLike<number>, n: number, d: number): Float64Array {
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = x[i * d + j]! - centroids[assign[i]! * d + j]!;
  return out;
}
