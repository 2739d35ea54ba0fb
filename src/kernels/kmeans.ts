// GPU k-means kernels for G independent problems at once (G = 1 for the IVF coarse quantizer, G = M for the PQ
// sub-spaces): nearest-centroid assignment, and the steps of one Lloyd iteration (per-chunk cluster sizes,
// member lists in row order and sums; the centroid update; Faiss's cluster splits; spherical normalization),
// seeding and training-set subsampling. No float sum depends on thread timing (atomics are integer only), so the
// same input gives the same bits. The Lloyd driver is src/quantizers/clustering.ts.
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import type { Kernel } from '../pipeline/kernel.js';
import * as K from '../shaders/kernels.js';
import { need, rowsPerChunk, sub, type Buf } from './row-chunks.js';
import { checkInt } from '../util/check.js';

export type { Buf };

/** Throws unless the sizes of a k-means problem are usable: n >= 0 rows, groups, k and dsub >= 1. */
export function checkKMeansSizes(fn: string, n: number, groups: number, k: number, dsub: number): void {
  for (const [name, v, min] of [['n', n, 0], ['groups', groups, 1], ['k', k, 1], ['dsub', dsub, 1]] as const) checkInt(v, `${fn}: ${name}`, min);
  if (groups > 65535) throw new Error(`${fn}: groups (${groups}) is over the per-dimension dispatch limit 65535`);
  if (k >= 1 << 24) throw new Error(`${fn}: k (${k}) must be below 2^24`);
}

/** Floats in a workgroup array of a kernel, from its reflected declaration. */
function workgroupFloats(kernel: Kernel, name: string): number {
  const v = kernel.workgroup.find((w) => w.name === name);
  if (!v || v.count !== undefined) throw new Error(`kernel '${kernel.name}' has no fixed-size workgroup array '${name}'`);
  return v.bytes / 4;
}

// kmeans_assign_small holds a group's centroids, padded to a multiple of 64, in `cs` and the 64 points of a
// workgroup in `xs` (dims x 64)
const SMALL_FLOATS = workgroupFloats(K.kmeans_assign_small, 'cs');
/** Points per workgroup of kmeans_assign_sgh: 64 invocations x 8 points (4 PB, its constant). */
const SGH_POINTS = 64 * 8;
const SMALL_DIMS = workgroupFloats(K.kmeans_assign_small, 'xs') / 64;

/** Records one assignment dispatch over at most 64 * 65535 rows whose bindings fit maxBinding. Kernel choice:
 *  on a software adapter with subgroups of at least 8 (Engine.hasSubgroups), dsub 4, 8, 12 and 16 (PQ sub-spaces) take
 *  kmeans_assign_sgh (8 points held per invocation, loaded once; blocks of 8 whole centroids shared by
 *  subgroupBroadcast; same results as kmeans_assign_vec4; on lavapipe every storage load at a per-invocation
 *  address is 4 scalar loads per lane behind bounds branches, and this kernel makes the fewest per product), larger
 *  multiples of 4 take kmeans_assign_sg (blocks of 16 centroids loaded once per subgroup and shared by
 *  subgroupBroadcast; same results as kmeans_assign_vec4, faster than it on lavapipe). Else dsub a multiple of 4 takes
 *  kmeans_assign_vec4 on a software adapter, and on any adapter for dsub <= 16 (PQ
 *  sub-spaces: faster on a hardware GPU too; for larger dsub the tiled kernel is faster there,
 *  bench/results/gpu-kernels.md) (4 points x 4 centroids register tiles with vec4 loads, no
 *  workgroup memory; on a SIMD software GPU every load is paid per invocation, and it needs the fewest per flop:
 *  measured 2.3-3.4x kmeans_assign and kmeans_assign_small on lavapipe for dsub 4, 16 and 128); other dsub take
 *  kmeans_assign_small when a group's centroids fit workgroup memory, else the tiled kmeans_assign. All give the
 *  same assignments and scores (each sum one fma chain in increasing k). */
function assignDispatch(engine: Engine, x: Buf, cent: Buf, assign: Buf, score: Buf,
  n: number, groups: number, k: number, dsub: number, metric: 0 | 1): void {
  const params = { n, groups, k, dsub, metric };
  if (dsub % 4 === 0 && dsub >= 4 && dsub <= 16 && engine.isSoftwareAdapter && engine.hasSubgroups) {
    // PQ sub-spaces: 8 points held per invocation, blocks of 8 whole centroids shared across each subgroup
    engine.run(K.kmeans_assign_sgh, { bindings: { x, cent, assign, score }, params, constants: { D4: dsub / 4, METRIC: metric }, workgroups: [Math.ceil(n / SGH_POINTS), groups] });
    return;
  }
  if (dsub % 4 === 0 && dsub >= 8 && engine.isSoftwareAdapter && engine.hasSubgroups) {
    // blocks of 16 centroids whose loads are shared across each subgroup (same results as kmeans_assign_vec4)
    engine.run(K.kmeans_assign_sg, { bindings: { x, cent, assign, score }, params, constants: { METRIC: metric }, workgroups: [Math.ceil(n / 256), groups] });
    return;
  }
  if (dsub % 4 === 0 && (dsub <= 16 || engine.isSoftwareAdapter)) {
    // dsub <= 16: the points are held in registers (a pipeline of its own, HELD = 1)
    engine.run(K.kmeans_assign_vec4, {
      bindings: { x, cent, assign, score }, params, constants: { HELD: dsub <= 16 ? 1 : 0 }, workgroups: [Math.ceil(n / 256), groups],
    });
    return;
  }
  // small problems (PQ sub-spaces): all centroids of a group in workgroup memory, no barriers in the loop
  const small = dsub <= SMALL_DIMS && Math.ceil(k / 64) * 64 * dsub <= SMALL_FLOATS;
  engine.run(small ? K.kmeans_assign_small : K.kmeans_assign, {
    bindings: { x, cent, assign, score },
    params,
    workgroups: [Math.ceil(n / 64), groups],
  });
}

/** Whether assignCodes runs for this dsub on this adapter (kmeans_assign_sgh: dsub 4, 8, 12 or 16 on a software
 *  adapter with subgroups of at least 8). */
export function hasAssignCodes(engine: Engine, dsub: number): boolean {
  return dsub % 4 === 0 && dsub >= 4 && dsub <= 16 && engine.isSoftwareAdapter && engine.hasSubgroups;
}

/**
 * PQ codes without distances (hasAssignCodes must hold): for the n rows of x (n x (groups*dsub)), codes[g*n + i]
 * (u32, group-major) = the nearest centroid of group g (squared L2, ties -> lowest), the index assignNearest gives
 * for metric 1. Written group-major, each workgroup's stores are one contiguous run (in assignNearest's row-major
 * layout the workgroups of neighbouring groups write into the same cache lines: false sharing between a CPU
 * adapter's threads). The caller chunks rows so that x fits a binding. `spare` (at least
 * 4 bytes, not overlapping codes) fills the kernel's unused score binding.
 */
export function assignCodes(engine: Engine, x: Buf, centroids: Buf, codes: Buf, spare: Buf,
  n: number, groups: number, k: number, dsub: number): void {
  checkKMeansSizes('assignCodes', n, groups, k, dsub);
  if (!hasAssignCodes(engine, dsub)) throw new Error(`assignCodes: not available for dsub ${dsub} on this adapter`);
  if (n === 0) return;
  need(x, n * groups * dsub * 4, 'assignCodes: x');
  need(centroids, groups * k * dsub * 4, 'assignCodes: centroids');
  need(codes, n * groups * 4, 'assignCodes: codes');
  need(spare, 4, 'assignCodes: spare');
  engine.run(K.kmeans_assign_sgh, {
    bindings: { x, cent: centroids, assign: codes, score: spare }, params: { n, groups, k, dsub, metric: 1 },
    constants: { D4: dsub / 4, METRIC: 1, CODES: 1 }, workgroups: [Math.ceil(n / SGH_POINTS), groups],
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
  checkKMeansSizes('assignNearest', n, groups, k, dsub);
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

/**
 * The stable LSD radix sort of memberLists: `passes` passes of `bits` bits each (2^bits buckets) cover the cluster
 * numbers 0..k-1 (k <= 256: one pass; k <= 65536: two).
 */
export function radixPlan(k: number): { passes: number; bits: number } {
  const nbits = k <= 1 ? 0 : 32 - Math.clz32(k - 1);
  const passes = Math.max(1, Math.ceil(nbits / 8));
  return { passes, bits: Math.ceil(nbits / passes) };
}

/** Scratch of memberLists for chunks of at most R rows (G groups, k clusters). */
export interface MemberBuffers {
  /** G x k each: the chunk's cluster sizes, and where each cluster's members start in `members` */
  count: Buf; offsets: Buf;
  /** R x G each: the member lists (the result), the other buffer of the radix sort, the ranks of a pass */
  members: Buf; spare: Buf; rank: Buf;
  /** G x buckets x ceil(R / 256) each: a radix pass's digit counts per tile of 256 positions, and their offsets */
  digitCount: Buf; digitOffsets: Buf;
}

/** Allocates MemberBuffers for chunks of at most R rows with `make` (the caller owns and frees them). */
export function makeMemberBuffers(R: number, G: number, k: number, make: (bytes: number, label: string) => Buf): MemberBuffers {
  const digits = G * (1 << radixPlan(k).bits) * Math.ceil(R / 256) * 4;
  return {
    count: make(G * k * 4, 'kmeans chunk sizes'), offsets: make(G * k * 4, 'kmeans offsets'),
    members: make(R * G * 4, 'kmeans members'), spare: make(R * G * 4, 'kmeans members (radix spare)'), rank: make(R * G * 4, 'kmeans radix ranks'),
    digitCount: make(digits, 'kmeans radix counts'), digitOffsets: make(digits, 'kmeans radix offsets'),
  };
}

/**
 * Records the member lists of a chunk of `rows` rows from its assignments (assign[i*G + g], clamped to k - 1):
 * count[g*k + c] = the size of cluster c of group g (also added to `total`), offsets[g*k + c] = g*rows + the sizes
 * of the clusters before c, and members[offsets[g*k + c] ..] = the rows of that cluster in ascending order. The
 * lists come from a stable LSD radix sort of each group's rows by cluster (kmeans_rank, kmeans_scan, kmeans_place
 * per pass), with integer atomics only in the counts, so the same assignments always give the same lists.
 */
export function memberLists(engine: Engine, assign: Buf, total: Buf, b: MemberBuffers, rows: number, G: number, k: number): void {
  engine.fill(b.count, 0);
  engine.run(K.kmeans_count, { bindings: { assign, count: b.count, total }, params: { rows, groups: G, k }, workgroups: Math.ceil((rows * G) / 256) });
  engine.run(K.kmeans_scan, { bindings: { count: b.count, offsets: b.offsets }, params: { rows, len: k }, workgroups: G });
  const { passes, bits } = radixPlan(k);
  const buckets = 1 << bits, tiles = Math.ceil(rows / 256);
  for (let p = 0; p < passes; p++) {
    // the last pass writes `members`; the passes alternate between it and `spare`
    const dst = (passes - 1 - p) % 2 === 0 ? b.members : b.spare;
    const src = dst === b.members ? b.spare : b.members; // not read in the first pass
    const params = { rows, groups: G, k, tiles, shift: p * bits, buckets, first: p === 0 ? 1 : 0 };
    engine.run(K.kmeans_rank, { bindings: { assign, src, rank: b.rank, counts: b.digitCount }, params, workgroups: G * tiles });
    engine.run(K.kmeans_scan, { bindings: { count: b.digitCount, offsets: b.digitOffsets }, params: { rows, len: buckets * tiles }, workgroups: G });
    engine.run(K.kmeans_place, { bindings: { assign, src, rank: b.rank, offsets: b.digitOffsets, dst }, params, workgroups: Math.ceil((rows * G) / 256) });
  }
}

/** Scratch of a Lloyd iteration over chunks of at most R rows (see lloydChunk). */
export interface LloydBuffers extends MemberBuffers {
  /** R x G each: the chunk's assignments and their scores */
  assign: Buf; score: Buf;
  /** G x k x dsub sums and G x k sizes over the iteration (cleared by the caller), 64 partial objectives */
  acc: Buf; total: Buf; obj: Buf;
}

/**
 * Records one chunk of a Lloyd iteration over rows xs (rows x (G*dsub)): assigns every row (metric 0: max inner
 * product, 1: min squared L2), adds its best scores to the 64 partial objectives obj, the cluster sizes to
 * total and the member sums to acc. Every float sum has a fixed order (no float atomics; members are summed in
 * row order), so the same input gives the same bits.
 */
export function lloydChunk(engine: Engine, xs: Buf, cent: Buf, b: LloydBuffers, rows: number,
  G: number, k: number, dsub: number, metric: 0 | 1): void {
  assignDispatch(engine, xs, cent, b.assign, b.score, rows, G, k, dsub, metric);
  engine.run(K.kmeans_reduce, { bindings: { score: b.score, obj: b.obj }, params: { n: rows * G }, workgroups: 64 });
  memberLists(engine, b.assign, b.total, b, rows, G, k);
  // dsub a multiple of 4: vec4 sums (the same adds per component, so the same bits)
  const per = dsub % 4 === 0 ? 4 : 1;
  engine.run(per === 4 ? K.kmeans_sum4 : K.kmeans_sum, {
    bindings: { x: xs, members: b.members, offsets: b.offsets, count: b.count, acc: b.acc },
    params: { groups: G, k, dsub }, workgroups: Math.ceil((G * k * dsub) / per / 256),
  });
}

/** Records the centroid update of an iteration: cent = acc / total per non-empty cluster (kmeans_finalize). */
export function lloydUpdate(engine: Engine, b: LloydBuffers, cent: Buf, G: number, k: number, dsub: number): void {
  engine.run(K.kmeans_finalize, { bindings: { acc: b.acc, total: b.total, cent }, params: { groups: G, k, dsub }, workgroups: Math.ceil((G * k * dsub) / 256) });
}

/** Applies a split plan of (group, ci, cj) triples in order (kmeans_split.wgsl); submits before returning. */
export function splitClusters(engine: Engine, plan: readonly number[], cent: Buf, k: number, dsub: number): void {
  if (!plan.length) return;
  const pb = engine.upload(Uint32Array.from(plan), 'kmeans split plan');
  engine.run(K.kmeans_split, { bindings: { plan: pb, cent }, params: { nsplit: plan.length / 3, k, dsub }, workgroups: Math.ceil(dsub / 64) });
  engine.flush();
  pb.dispose();
}

/** Scales each of `rows` rows of dsub floats to unit L2 norm (zero rows stay zero). */
export function normalizeRows(engine: Engine, cent: Buf, rows: number, dsub: number): void {
  engine.run(K.kmeans_normalize, { bindings: { cent }, params: { rows, dsub }, workgroups: Math.ceil(rows / 64) });
}

/** centroid c of group g = columns g*dsub.. of training row init[c]. Rows are copied (k copy commands). */
export function seedCentroids(engine: Engine, train: Buf, cent: GpuBuffer, init: Uint32Array, G: number, k: number, dsub: number,
  make: (bytes: number, label: string) => GpuBuffer): void {
  const D = G * dsub;
  const rowsBuf = G === 1 ? cent : make(k * D * 4, 'kmeans init rows');
  for (let c = 0; c < k; c++) engine.copy(sub(train, init[c]! * D * 4, D * 4), sub(rowsBuf, c * D * 4, D * 4), D * 4);
  if (G === 1) return;
  // transpose k x (G x dsub) rows into G x k x dsub
  const idx = make(k * 4, 'kmeans init index');
  engine.write(idx, Uint32Array.from({ length: k }, (_, i) => i));
  engine.run(K.kmeans_gather, {
    bindings: { x: rowsBuf, idx, out: cent },
    params: { count: k, groups: G, dsub, kOut: k, c0: 0, outOffset: 0, srcRow0: 0 },
    workgroups: Math.ceil((k * D) / 256),
  });
}

/** out row s = x row rows[s] (rows sorted ascending), chunked over the rows of x and of out. The index
 *  uploads are pushed on `owned` for the caller to free after the work is submitted. */
export function gatherSampleRows(engine: Engine, x: Buf, rows: Uint32Array, out: GpuBuffer, D: number, owned: GpuBuffer[]): void {
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
    engine.run(K.kmeans_gather, {
      bindings: { x: sub(x, src0 * D * 4, srcRows * D * 4), idx, out: sub(out, startByte, (outOffset + cnt * D) * 4) },
      params: { count: cnt, groups: 1, dsub: D, kOut: 0, c0: 0, outOffset, srcRow0: src0 },
      workgroups: Math.ceil((cnt * D) / 256),
    });
    s0 = s1;
  }
}
