// Clustering above the k-means kernels (src/kernels/kmeans.ts): Lloyd's k-means for G independent problems at
// once (G = 1 for the IVF coarse quantizer, G = M for the PQ sub-spaces) and Faiss's plan for splitting
// empty clusters.
import { mulberry32, sampleDistinct } from '../util/random.js';
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import { now, type Progress } from '../util/progress.js';
import { throwIfAborted } from '../util/abort.js';
import { need, rowsPerChunk, sub, type Buf } from '../kernels/row-chunks.js';
import { checkKMeansSizes, gatherSampleRows, lloydChunk, lloydUpdate, makeMemberBuffers, normalizeRows, seedCentroids, splitClusters, type LloydBuffers } from '../kernels/kmeans.js';

/** Bytes per chunk of the per-row temporaries (assignments, scores, member lists) of k-means. */
const TEMP_CAP = 32 << 20;

// ---------------------------------------------------------------------------------------------------------------
// Lloyd's k-means, following faiss/Clustering.cpp (Clustering::train_encoded) where it matters for recall:
// - Faiss defaults (ClusteringParameters): niter 25, nredo 1, spherical false, max_points_per_centroid 256,
//   min_points_per_centroid 39 (only a warning), seed 1234. IndexIVF's Level1Quantizer sets niter = 10 for the
//   coarse quantizer, and IndexIVF's constructor sets cp.spherical = true when the metric is
//   METRIC_INNER_PRODUCT; the IVF clustering then assigns with the quantizer itself (IndexFlatIP: max inner
//   product). ProductQuantizer trains each sub-space with its own Clustering (niter 25, L2, IndexFlatL2).
// - Throws when n < k; n == k copies the training rows as the centroids (Faiss's corner case).
// - Subsampling when n > k * maxPointsPerCentroid: a seeded random subset of k * maxPointsPerCentroid rows
//   (Faiss: rand_perm(seed)); we keep the subset in row order, which only changes which rows the init draws.
// - Init: k distinct random training rows (Faiss: rand_perm(seed + 1), first k). The same k rows seed every
//   group, as Faiss's PQ does (each sub-space Clustering gets the same seed and n). Spherical: normalized.
// - Each iteration: assign every point (objective = sum of its best scores, as Faiss), centroid = mean of its
//   points (sum * (1 / size)), empty clusters re-seeded by split_clusters' rule: walk the clusters cyclically
//   from 0 and split cluster cj with probability (size_cj - 1) / (n - k) (fresh RNG per call, as Faiss's
//   RandomGenerator(1234), but not its stream of numbers), copy it with a symmetric (1 +- 1/1024) perturbation
//   and halve its size; then normalize when spherical.
// - Not followed: nredo > 1, weights, frozen/int centroids. Float sums are float32, each in a fixed order (a
//   cluster's members in row order, chunks in order, the objective over a fixed tree), so the same input,
//   options and adapter give the same centroids bit for bit.
// NaN/Inf input: not scanned up front (Faiss scans on the host); a non-finite objective in the first iteration
// throws an error naming it, so callers get a clear message rather than NaN centroids.
// ---------------------------------------------------------------------------------------------------------------

/**
 * Faiss's split_clusters plan from the cluster sizes of one iteration: a list of (group, ci, cj) triples meaning
 * "empty centroid ci of group g becomes a perturbed copy of cj", applied in order by kmeans_split.wgsl.
 */
export function planSplits(sizes: ArrayLike<number>, groups: number, k: number, n: number): number[] {
  const plan: number[] = [];
  for (let g = 0; g < groups; g++) {
    const h = new Float64Array(k);
    for (let c = 0; c < k; c++) h[c] = sizes[g * k + c]!;
    const rand = mulberry32(1234);
    for (let ci = 0; ci < k; ci++) {
      if (h[ci] !== 0) continue;
      let cj = 0, tries = 0;
      for (;; cj = (cj + 1) % k) {
        const p = (h[cj]! - 1) / (n - k);
        if (rand() < p) break;
        if (++tries > 64 * k) { cj = h.indexOf(Math.max(...h)); break; } // cannot happen with n > k; a guard
      }
      plan.push(g, ci, cj);
      h[ci] = h[cj]! / 2;
      h[cj] = h[cj]! - h[ci]!;
    }
  }
  return plan;
}

export interface TrainKMeansOptions {
  n: number; groups?: number; dsub: number; k: number; metric: 'ip' | 'l2';
  iters?: number; seed?: number; spherical?: boolean; maxPointsPerCentroid?: number;
  onProgress?: (p: Progress) => void; signal?: AbortSignal;
}

/**
 * Lloyd's k-means on the GPU for G groups at once (same layout as assignNearest). Returns a new GPU buffer of
 * G x k x dsub centroids (the caller disposes it). See the notes above for what follows Faiss. Progress is
 * reported once per iteration (phase 'kmeans', info: objective, nsplit, imbalance); `signal` cancels between
 * iterations with an Error named 'AbortError', after freeing every buffer it made. One host round trip per
 * iteration (cluster sizes and the objective).
 */
export async function trainKMeans(engine: Engine, x: Buf, opts: TrainKMeansOptions): Promise<GpuBuffer> {
  const { n, dsub, k } = opts;
  const G = opts.groups ?? 1;
  const iters = opts.iters ?? 25;
  const seed = opts.seed ?? 1234;
  const maxPPC = opts.maxPointsPerCentroid ?? 256;
  checkKMeansSizes('trainKMeans', n, G, k, dsub);
  if (opts.metric !== 'ip' && opts.metric !== 'l2') throw new Error(`trainKMeans: metric must be 'ip' or 'l2', got ${String(opts.metric)}`);
  if (!Number.isInteger(iters) || iters < 0) throw new Error(`trainKMeans: iters must be a non-negative integer, got ${iters}`);
  if (!Number.isInteger(maxPPC) || maxPPC < 1) throw new Error(`trainKMeans: maxPointsPerCentroid must be a positive integer, got ${maxPPC}`);
  if (n < k) throw new Error(`trainKMeans: ${n} training points are fewer than the ${k} centroids asked for; k-means needs n >= k`);
  const metric: 0 | 1 = opts.metric === 'ip' ? 0 : 1;
  const D = G * dsub;
  need(x, n * D * 4, 'trainKMeans: x');
  const centBytes = G * k * dsub * 4;
  if (centBytes > engine.maxBinding) throw new Error(`trainKMeans: the centroids (${centBytes} bytes) exceed maxStorageBufferBindingSize (${engine.maxBinding})`);
  const signal = opts.signal;
  throwIfAborted(signal, 'k-means training');

  const owned: GpuBuffer[] = [];
  const make = (bytes: number, label: string) => { const b = engine.buffer(bytes, label); owned.push(b); return b; };
  const cent = engine.buffer(centBytes, 'kmeans centroids');
  let ok = false;
  try {
    // training set: all rows, or a seeded subsample of k * maxPPC rows (in row order)
    let train: Buf = x, nt = n;
    if (n > k * maxPPC) {
      nt = k * maxPPC;
      const rows = sampleDistinct(n, nt, mulberry32(seed)).sort();
      train = make(nt * D * 4, 'kmeans training sample');
      gatherSampleRows(engine, x, rows, train as GpuBuffer, D, owned);
    }
    // initial centroids: k distinct training rows (all of them, in order, when nt == k)
    const init = nt === k ? Uint32Array.from({ length: k }, (_, i) => i) : sampleDistinct(nt, k, mulberry32(seed + 1));
    seedCentroids(engine, train, cent, init, G, k, dsub, make);
    if (nt === k) {
      opts.onProgress?.({ phase: 'kmeans', done: iters, total: iters, rate: 0, eta: 0, info: { objective: 0, nsplit: 0, imbalance: 1 } });
      ok = true;
      return cent;
    }
    if (opts.spherical) normalizeRows(engine, cent, G * k, dsub);

    // chunks of whole 256-row tiles (when they hold one), so the radix sort's digit counts fit where R x G does
    let R = rowsPerChunk(engine, [D * 4, G * 4], 'trainKMeans', TEMP_CAP);
    if (R >= 256) R -= R % 256;
    R = Math.min(R, Math.ceil(nt / 64) * 64);
    const totBytes = Math.ceil((G * k * 4) / 256) * 256;
    const stats = make(totBytes + 256, 'kmeans stats'); // the cluster sizes, then the 64 partial objectives
    const bufs: LloydBuffers = {
      ...makeMemberBuffers(R, G, k, make),
      assign: make(R * G * 4, 'kmeans assign'), score: make(R * G * 4, 'kmeans score'),
      acc: make(centBytes, 'kmeans sums'), total: sub(stats, 0, G * k * 4), obj: sub(stats, totBytes, 256),
    };
    const t0 = now();
    for (let it = 0; it < iters; it++) {
      throwIfAborted(signal, 'k-means training');
      engine.fill(stats, 0);
      engine.fill(bufs.acc, 0);
      for (let r0 = 0; r0 < nt; r0 += R) {
        const rows = Math.min(R, nt - r0);
        lloydChunk(engine, sub(train, r0 * D * 4, rows * D * 4), cent, bufs, rows, G, k, dsub, metric);
      }
      lloydUpdate(engine, bufs, cent, G, k, dsub);
      const st = await engine.read(stats, Uint32Array, 0, totBytes + 256);
      throwIfAborted(signal, 'k-means training');
      const parts = new Float32Array(st.buffer, st.byteOffset + totBytes, 64);
      let objective = 0;
      for (const v of parts) objective += v;
      if (!Number.isFinite(objective)) {
        throw new Error(`trainKMeans: the k-means objective is ${objective} in iteration ${it}: the training vectors contain NaN or Inf values (or overflow float32)`);
      }
      const sizes = st.subarray(0, G * k);
      const plan = planSplits(sizes, G, k, nt);
      const nsplit = plan.length / 3;
      splitClusters(engine, plan, cent, k, dsub);
      if (opts.spherical) normalizeRows(engine, cent, G * k, dsub);
      if (opts.onProgress) {
        const elapsed = Math.max(1e-6, (now() - t0) / 1000);
        const rate = (it + 1) / elapsed;
        opts.onProgress({ phase: 'kmeans', done: it + 1, total: iters, rate, eta: (iters - it - 1) / rate, info: { objective, nsplit, imbalance: imbalance(sizes, G, k) } });
      }
    }
    ok = true;
    return cent;
  } finally {
    try { engine.flush(); } catch { /* the engine reports its own errors */ }
    for (const b of owned) b.dispose();
    if (!ok) cent.dispose();
  }
}

/** Faiss's imbalance factor (k * sum size^2 / n^2), averaged over the groups; 1 = perfectly balanced. */
function imbalance(sizes: ArrayLike<number>, G: number, k: number): number {
  let f = 0;
  for (let g = 0; g < G; g++) {
    let tot = 0, sq = 0;
    for (let c = 0; c < k; c++) { const h = sizes[g * k + c]!; tot += h; sq += h * h; }
    f += tot > 0 ? (sq * k) / (tot * tot) : 0;
  }
  return f / G;
}
