// float64 CPU references of src/kernels/kmeans.ts (kmeans_assign.wgsl) and of the Lloyd driver in src/quantizers/clustering.ts.

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

/**
 * float64 Lloyd's k-means from given initial rows, as trainKMeans (src/quantizers/clustering.ts) runs it (and Faiss's Clustering):
 * objective = sum of best scores, centroid = mean, empty clusters split (Faiss's rule, same RNG), optional
 * spherical normalization after init and after every update.
 */
export function lloydRef(x: ArrayLike<number>, n: number, groups: number, k: number, dsub: number, metric: 0 | 1,
  iters: number, init: ArrayLike<number>, spherical: boolean, rand: (seed: number) => () => number) {
  const D = groups * dsub;
  const cent = new Float64Array(groups * k * dsub);
  for (let g = 0; g < groups; g++) for (let c = 0; c < k; c++) for (let j = 0; j < dsub; j++) cent[(g * k + c) * dsub + j] = x[init[c]! * D + g * dsub + j]!;
  const renorm = () => {
    for (let r = 0; r < groups * k; r++) {
      let s = 0;
      for (let j = 0; j < dsub; j++) s += cent[r * dsub + j]! ** 2;
      if (s > 0) for (let j = 0; j < dsub; j++) cent[r * dsub + j]! /= Math.sqrt(s);
    }
  };
  if (spherical) renorm();
  const objectives: number[] = [], nsplits: number[] = [];
  for (let it = 0; it < iters; it++) {
    const { assign, score } = assignRef(x, cent, n, groups, k, dsub, metric);
    objectives.push(score.reduce((a, b) => a + b, 0));
    const h = new Float64Array(groups * k);
    cent.fill(0);
    for (let i = 0; i < n; i++) for (let g = 0; g < groups; g++) {
      const c = assign[i * groups + g]!;
      h[g * k + c]!++;
      for (let j = 0; j < dsub; j++) cent[(g * k + c) * dsub + j]! += x[i * D + g * dsub + j]!;
    }
    for (let r = 0; r < groups * k; r++) if (h[r]! > 0) for (let j = 0; j < dsub; j++) cent[r * dsub + j]! /= h[r]!;
    let nsplit = 0;
    for (let g = 0; g < groups; g++) {
      const r = rand(1234);
      for (let ci = 0; ci < k; ci++) {
        if (h[g * k + ci] !== 0) continue;
        let cj = 0;
        for (;; cj = (cj + 1) % k) if (r() < (h[g * k + cj]! - 1) / (n - k)) break;
        for (let j = 0; j < dsub; j++) {
          const v = cent[(g * k + cj) * dsub + j]!;
          const up = j % 2 === 0 ? 1 + 1 / 1024 : 1 - 1 / 1024, down = j % 2 === 0 ? 1 - 1 / 1024 : 1 + 1 / 1024;
          cent[(g * k + ci) * dsub + j] = v * up;
          cent[(g * k + cj) * dsub + j] = v * down;
        }
        h[g * k + ci] = h[g * k + cj]! / 2;
        h[g * k + cj]! -= h[g * k + ci]!;
        nsplit++;
      }
    }
    nsplits.push(nsplit);
    if (spherical) renorm();
  }
  return { centroids: cent, objectives, nsplits };
}

/** Per-group exclusive prefix sums as kmeans_scan: offsets[g*len + e] = g*rows + count[g*len .. g*len+e). */
export function scanRef(count: ArrayLike<number>, groups: number, len: number, rows: number): Uint32Array {
  const out = new Uint32Array(groups * len);
  for (let g = 0; g < groups; g++) {
    let run = g * rows;
    for (let e = 0; e < len; e++) { out[g * len + e] = run; run += count[g * len + e]!; }
  }
  return out;
}

/**
 * One radix pass's ranks and tile counts as kmeans_rank: position pos of group g holds row src[g*rows + pos]
 * (row pos when src is null); its digit is (min(assign[row*groups + g], k-1) >> shift) & (buckets-1); rank = how many
 * earlier positions of its 256-position tile have its digit; counts[(g*buckets + d)*tiles + tile] = d's count in the tile.
 */
export function radixRankRef(assign: ArrayLike<number>, src: ArrayLike<number> | null, rows: number, groups: number, k: number, shift: number, buckets: number) {
  const tiles = Math.ceil(rows / 256);
  const rank = new Uint32Array(rows * groups), counts = new Uint32Array(groups * buckets * tiles), digit = new Uint32Array(rows * groups);
  for (let g = 0; g < groups; g++) for (let pos = 0; pos < rows; pos++) {
    const row = src ? src[g * rows + pos]! : pos;
    const d = Math.floor(Math.min(assign[row * groups + g]!, k - 1) / 2 ** shift) % buckets;
    const at = (g * buckets + d) * tiles + Math.floor(pos / 256);
    digit[g * rows + pos] = d;
    rank[g * rows + pos] = counts[at]!;
    counts[at]!++;
  }
  return { rank, counts, digit };
}

/**
 * The member lists of memberLists (src/kernels/kmeans.ts) by a plain sort: per group, count[g*k + c] = size of
 * cluster c (assignments clamped to k-1), offsets = g*rows + sizes of the clusters before, and
 * members[g*rows ..] = the rows ordered by (cluster, row).
 */
export function memberListsRef(assign: ArrayLike<number>, rows: number, groups: number, k: number) {
  const count = new Uint32Array(groups * k), members = new Uint32Array(rows * groups);
  const cluster = (i: number, g: number) => Math.min(assign[i * groups + g]!, k - 1);
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < rows; i++) count[g * k + cluster(i, g)]!++;
    const order = Array.from({ length: rows }, (_, i) => i).sort((a, b) => cluster(a, g) - cluster(b, g) || a - b);
    members.set(order, g * rows);
  }
  return { count, offsets: scanRef(count, groups, k, rows), members };
}
