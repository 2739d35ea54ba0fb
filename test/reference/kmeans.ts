// float64 CPU references of src/kernels/kmeans.ts (kmeans_assign.wgsl and Lloyd's iterations).

/** score of point i of group g against centroid c (inner product or squared L2) */
export function scoreRef(x: ArrayLike<number>, cent: ArrayLike<number>, i: number, g: number, c: number, groups: number, k: number, dsub: number, metric: 0 | 1): number {
  const D = groups * dsub;
  let s = 0;
  for (let j = 0; j < dsub; j++) {
    const a = x[i * D + g * dsub + j]!, b = cent[(g * k + c) * dsub + j]!;
    s += metric === 0 ? a * b : (a - b) * (a - b);
  }
  return s;
}

/** best centroid per (point, group): max inner product (0) or min squared L2 (1), ties to the lowest index */
export function assignRef(x: ArrayLike<number>, cent: ArrayLike<number>, n: number, groups: number, k: number, dsub: number, metric: 0 | 1) {
  const assign = new Uint32Array(n * groups);
  const score = new Float64Array(n * groups);
  for (let i = 0; i < n; i++) for (let g = 0; g < groups; g++) {
    let best = metric === 0 ? -Infinity : Infinity, bi = 0;
    for (let c = 0; c < k; c++) {
      const s = scoreRef(x, cent, i, g, c, groups, k, dsub, metric);
      if (metric === 0 ? s > best : s < best) { best = s; bi = c; }
    }
    assign[i * groups + g] = bi;
    score[i * groups + g] = best;
  }
  return { assign, score };
}
