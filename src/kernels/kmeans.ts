// GPU k-means: nearest-centroid assignment and Lloyd's iterations for G independent problems at once
// (G = 1 for the IVF coarse quantizer, G = M for the PQ sub-spaces).
import { mulberry32, sampleDistinct } from '../util/random.js';
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import { now, type Progress } from '../util/progress.js';
import { throwIfAborted } from '../util/abort.js';
import { need, rowsPerChunk, sub, type Buf } from './row-chunks.js';

export type { Buf };

/** Bytes per chunk of the per-row temporaries (assignments, scores, member lists) of k-means. */
const TEMP_CAP = 32 << 20;

function checkSizes(fn: string, n: number, groups: number, k: number, dsub: number): void {
  for (const [name, v, min] of [['n', n, 0], ['groups', groups, 1], ['k', k, 1], ['dsub', dsub, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`${fn}: ${name} must be an integer >= ${min}, got ${v}`);
  }
  if (groups > 65535) throw new Error(`${fn}: groups (${groups}) is over the per-dimension dispatch limit 65535`);
  if (k >= 1 << 24) throw new Error(`${fn}: k (${k}) must be below 2^24`);
}

/** Records one `kmeans_assign` dispatch over at most 64 * 65535 rows whose bindings fit maxBinding. */
function assignDispatch(engine: Engine, x: Buf, centroids: Buf, assign: Buf, score: Buf,
  n: number, groups: number, k: number, dsub: number, metric: 0 | 1): void {
  // small problems (PQ sub-spaces): all centroids of a group in workgroup memory, no barriers in the loop
  const small = dsub <= 16 && Math.ceil(k / 64) * 64 * dsub <= 2048;
  engine.dispatch(small ? 'kmeans_assign_small' : 'kmeans_assign', {
    bindings: { x, cent: centroids, assign, score },
    params: { n, groups, k, dsub, metric },
    workgroups: [Math.ceil(n / 64), groups],
  });
}

/**
 * For G independent problems ("groups", used for the M PQ sub-spaces at once): point i of group g is
 * columns g*dsub .. g*dsub+dsub-1 of row i of x (x is n x (G*dsub) row-major). centroids is G x k x dsub.
 * Writes assign[i*G + g] (u32) = best centroid and score[i*G + g] (f32) = its inner product (metric 0, max)
 * or squared L2 distance (metric 1, min). Ties -> lowest centroid index. Rows are chunked so that no binding
 * passes engine.maxBinding (the centroids are bound whole: G*k*dsub*4 bytes must fit).
 * NaN scores never win a comparison; a row whose scores are all NaN (a NaN in x) gets index 0 and score NaN.
 */
export function assignNearest(engine: Engine, x: Buf, centroids: Buf, assign: Buf, score: Buf,
  n: number, groups: number, k: number, dsub: number, metric: 0 | 1): void {
  checkSizes('assignNearest', n, groups, k, dsub);
  if (metric !== 0 && metric !== 1) throw new Error(`assignNearest: metric must be 0 (inner product) or 1 (L2), got ${metric}`);
  if (n === 0) return;
  const D = groups * dsub;
  need(x, n * D * 4, 'assignNearest: x');
  need(centroids, groups * k * dsub * 4, 'assignNearest: centroids');
  need(assign, n * groups * 4, 'assignNearest: assign');
  need(score, n * groups * 4, 'assignNearest: score');
  const R = rowsPerChunk(engine, [D * 4, groups * 4], 'assignNearest');
  for (let r0 = 0; r0 < n; r0 += R) {
    const rows = Math.min(R, n - r0);
    assignDispatch(engine, sub(x, r0 * D * 4, rows * D * 4), centroids,
      sub(assign, r0 * groups * 4, rows * groups * 4), sub(score, r0 * groups * 4, rows * groups * 4), rows, groups, k, dsub, metric);
  }
}

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
// - Not followed: nredo > 1, weights, frozen/int centroids. Float sums are accumulated in float32 in an
//   order set by GPU atomics, so runs agree to rounding, not bit for bit.
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
  checkSizes('trainKMeans', n, G, k, dsub);
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
      gatherRows(engine, x, rows, train as GpuBuffer, D, owned);
    }
    // initial centroids: k distinct training rows (all of them, in order, when nt == k)
    const init = nt === k ? Uint32Array.from({ length: k }, (_, i) => i) : sampleDistinct(nt, k, mulberry32(seed + 1));
    seedCentroids(engine, train, cent, init, G, k, dsub, make);
    if (nt === k) {
      opts.onProgress?.({ phase: 'kmeans', done: iters, total: iters, rate: 0, eta: 0, info: { objective: 0, nsplit: 0, imbalance: 1 } });
      ok = true;
      return cent;
    }
    if (opts.spherical) normalize(engine, cent, G * k, dsub);

    const R = Math.min(rowsPerChunk(engine, [D * 4, G * 4], 'trainKMeans', TEMP_CAP), Math.ceil(nt / 64) * 64);
    const assignB = make(R * G * 4, 'kmeans assign'), scoreB = make(R * G * 4, 'kmeans score');
    const members = make(R * G * 4, 'kmeans members');
    const count = make(G * k * 4, 'kmeans chunk sizes'), offsets = make(G * k * 4, 'kmeans offsets');
    const cursor = make(G * k * 4, 'kmeans cursor'), acc = make(centBytes, 'kmeans sums');
    const totBytes = Math.ceil((G * k * 4) / 256) * 256;
    const stats = make(totBytes + 256, 'kmeans stats');
    const total = sub(stats, 0, G * k * 4), obj = sub(stats, totBytes, 256);
    const t0 = now();
    for (let it = 0; it < iters; it++) {
      throwIfAborted(signal, 'k-means training');
      engine.fill(stats, 0);
      engine.fill(acc, 0);
      for (let r0 = 0; r0 < nt; r0 += R) {
        const rows = Math.min(R, nt - r0);
        const xs = sub(train, r0 * D * 4, rows * D * 4);
        assignDispatch(engine, xs, cent, assignB, scoreB, rows, G, k, dsub, metric);
        engine.dispatch('kmeans_reduce', { bindings: { score: scoreB, obj }, params: { n: rows * G }, workgroups: 64 });
        engine.fill(count, 0);
        const wg = Math.ceil((rows * G) / 256);
        engine.dispatch('kmeans_count', { bindings: { assign: assignB, count, total }, params: { rows, groups: G, k }, workgroups: wg });
        engine.dispatch('kmeans_scan', { bindings: { count, offsets, cursor }, params: { rows, k }, workgroups: G });
        engine.dispatch('kmeans_scatter', { bindings: { assign: assignB, cursor, members }, params: { rows, groups: G, k }, workgroups: wg });
        engine.dispatch('kmeans_sum', {
          bindings: { x: xs, members, offsets, count, acc }, params: { groups: G, k, dsub }, workgroups: Math.ceil((G * k * dsub) / 256),
        });
      }
      engine.dispatch('kmeans_finalize', { bindings: { acc, total, cent }, params: { groups: G, k, dsub }, workgroups: Math.ceil((G * k * dsub) / 256) });
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
      if (nsplit > 0) {
        const pb = engine.upload(Uint32Array.from(plan), 'kmeans split plan');
        engine.dispatch('kmeans_split', { bindings: { plan: pb, cent }, params: { nsplit, k, dsub }, workgroups: Math.ceil(dsub / 64) });
        engine.flush();
        pb.dispose();
      }
      if (opts.spherical) normalize(engine, cent, G * k, dsub);
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

function normalize(engine: Engine, cent: Buf, rows: number, dsub: number): void {
  engine.dispatch('kmeans_normalize', { bindings: { cent }, params: { rows, dsub }, workgroups: Math.ceil(rows / 64) });
}

/** centroid c of group g = columns g*dsub.. of training row init[c]. Rows are copied (k copy commands). */
function seedCentroids(engine: Engine, train: Buf, cent: GpuBuffer, init: Uint32Array, G: number, k: number, dsub: number,
  make: (bytes: number, label: string) => GpuBuffer): void {
  const D = G * dsub;
  const rowsBuf = G === 1 ? cent : make(k * D * 4, 'kmeans init rows');
  for (let c = 0; c < k; c++) engine.copy(sub(train, init[c]! * D * 4, D * 4), sub(rowsBuf, c * D * 4, D * 4), D * 4);
  if (G === 1) return;
  // transpose k x (G x dsub) rows into G x k x dsub
  const idx = make(k * 4, 'kmeans init index');
  engine.write(idx, Uint32Array.from({ length: k }, (_, i) => i));
  engine.dispatch('kmeans_gather', {
    bindings: { x: rowsBuf, idx, out: cent },
    params: { count: k, groups: G, dsub, kOut: k, c0: 0, outOffset: 0, srcRow0: 0 },
    workgroups: Math.ceil((k * D) / 256),
  });
}

/** out row s = x row rows[s] (rows sorted ascending), chunked over the rows of x and of out. */
function gatherRows(engine: Engine, x: Buf, rows: Uint32Array, out: GpuBuffer, D: number, owned: GpuBuffer[]): void {
  const R = rowsPerChunk(engine, [D * 4], 'trainKMeans (subsampling)', engine.maxBinding - 256);
  let s0 = 0;
  while (s0 < rows.length) {
    const src0 = Math.floor(rows[s0]! / 64) * 64; // source chunk [src0, src0 + R) holds rows[s0]
    let s1 = s0;
    while (s1 < rows.length && rows[s1]! < src0 + R && s1 - s0 < R) s1++;
    const cnt = s1 - s0;
    const srcRows = rows[s1 - 1]! - src0 + 1;
    const idx = engine.upload(rows.subarray(s0, s1), 'kmeans sample index');
    owned.push(idx);
    const startByte = Math.floor((s0 * D * 4) / 256) * 256;
    const outOffset = (s0 * D * 4 - startByte) / 4;
    engine.dispatch('kmeans_gather', {
      bindings: { x: sub(x, src0 * D * 4, srcRows * D * 4), idx, out: sub(out, startByte, (outOffset + cnt * D) * 4) },
      params: { count: cnt, groups: 1, dsub: D, kOut: 0, c0: 0, outOffset, srcRow0: src0 },
      workgroups: Math.ceil((cnt * D) / 256),
    });
    s0 = s1;
  }
}
