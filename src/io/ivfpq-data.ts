// The file data model: plain data that describes a trained IVFPQ index, what the file formats (.dvq, Faiss)
// read and write and what the GPU index uploads. Host-side, typed arrays only, no GPU objects. The limits of an
// index (sizes and values) are defined here once: the index constructor, validateIvfPq (and so toBytes and
// toFaissBytes, which refuse to write what the loaders would refuse) and both file readers use them.
import type { Metric } from '../quantizers/metric.js';
import { codeSize } from '../quantizers/product.js';
import { isRefineKind, refineBytesPerVector, refineRangeLength, type RefineKind } from '../quantizers/scalar.js';
import { InputError, type Fail } from '../util/errors.js';

export interface IvfPqData {
  metric: Metric;
  /** vector dimension (after the rotation, which is square) */
  dim: number;
  /** number of IVF lists */
  nlist: number;
  /** number of PQ sub-quantizers; dim % m === 0 */
  m: number;
  /** bits per PQ code: 8 or 4; ksub = 1 << bits codewords per sub-space */
  bits: number;
  /** optional learned rotation A (dim x dim, row-major): vectors are transformed as y = A x before IVF/PQ */
  rotation: Float32Array | null;
  /** IVF centroids, nlist x dim row-major */
  centroids: Float32Array;
  /** PQ codebooks, m x ksub x (dim / m) row-major; they quantize residuals x - centroid (as Faiss IndexIVFPQ) */
  codebooks: Float32Array;
  /** inverted lists, concatenated: vectors of list l are rows listOffsets[l] .. listOffsets[l+1]-1 */
  listOffsets: Uint32Array; // length nlist + 1
  /** PQ codes, codeSize = ceil(m * bits / 8) bytes per vector, packed as Faiss packs them (LSB first) */
  codes: Uint8Array; // ntotal * codeSize
  /** user ids of the vectors, in list order (non-negative int32) */
  ids: Int32Array; // ntotal
  /** optional refine copy (src/quantizers/scalar.ts): a finer code of each input vector, before the rotation, that a
   *  search with refineFactor re-ranks against; absent (or undefined) when the index has none */
  refine?: RefineData | undefined;
}

/** The refine copy of an index: one finer code per vector, in list order like `ids` and `codes`. */
export interface RefineData {
  kind: RefineKind;
  /** sq8: 2 x dim floats, the per-dimension minimum then range (vmin, vdiff: Faiss QT_8bit's `trained`); fp16: empty */
  ranges: Float32Array;
  /** ntotal x refineBytesPerVector(kind, dim) bytes (sq8: one byte per value; fp16: IEEE half, little-endian) */
  codes: Uint8Array;
}

export function ntotal(d: IvfPqData): number {
  return d.listOffsets[d.nlist]!;
}

/** Size limits of an index. */
export const INDEX_LIMITS = {
  maxDim: 65536,
  maxNlist: 1 << 20,
  maxNtotal: 2 ** 31 - 1,
  /** bytes of one array of an index (one section of a file): typed arrays and GPU bindings stay below 2 GiB */
  maxArrayBytes: 2 ** 31 - 1,
} as const;

/**
 * Value limits (README, "Value limits"), as Euclidean norms. With them every distance and score the kernels form,
 * and every partial sum of one, stays below 9 * 2^124 < FLT_MAX (about 2^128): an L2 search score is bounded by
 * ||y - o||^2 + sum_j (||c_j||^2 + 2|<o_j, c_j>| + 2|<y_j, c_j>|) <= 9 * 2^124 when ||y||, ||o|| and the norm of a
 * code's reconstruction are at most 2^62. An input x gives ||A x|| <= ||A||_F ||x|| <= 2^61 / sqrt(dim), so the
 * centroids (means of rotated inputs) and codewords (means of residual parts) that training learns from inputs
 * within the limit are within the limits too.
 */
export const VALUE_LIMITS = {
  /** a vector given to train, add, reencode, search or distill: ||x|| <= 2^60 / dim */
  inputNorm: (dim: number): number => 2 ** 60 / dim,
  /** an IVF centroid: ||o|| <= 2^62 */
  centroidNorm: (): number => 2 ** 62,
  /** a PQ codeword: ||c|| <= 2^62 / sqrt(m), so the m codewords of a code reconstruct a vector of norm <= 2^62 */
  codewordNorm: (m: number): number => 2 ** 62 / Math.sqrt(m),
  /** the rotation: Frobenius norm ||A||_F <= 2 sqrt(dim) (an orthonormal matrix has sqrt(dim)) */
  rotationNorm: (dim: number): number => 2 * Math.sqrt(dim),
} as const;

const inputFail: Fail = (message) => { throw new InputError(message); };

/**
 * Checks consecutive vectors of `len` values each: finite, and Euclidean norm at most `max`. Fails naming the
 * array (`what`) and the row.
 */
export function checkRowNorms(a: Float32Array, len: number, max: number, what: string, fail: Fail = inputFail): void {
  const max2 = max * max;
  for (let r = 0, o = 0; o < a.length; r++, o += len) {
    let s = 0;
    for (let i = o; i < o + len; i++) {
      const v = a[i]!;
      if (!Number.isFinite(v)) fail(`${what} has a non-finite value ${v} at row ${r}, column ${i - o}`);
      s += v * v;
    }
    if (s > max2) {
      fail(`${what} row ${r} has norm ${Math.sqrt(s).toPrecision(3)}, over the limit ${max.toPrecision(3)} that keeps float32 distances finite`);
    }
  }
}

/** Checks a rotation (dim x dim): finite values and a Frobenius norm within VALUE_LIMITS.rotationNorm(dim). */
export function checkRotationValues(a: Float32Array, dim: number, what: string, fail: Fail = inputFail): void {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (!Number.isFinite(v)) fail(`${what} has a non-finite value ${v} at row ${Math.floor(i / dim)}, column ${i % dim}`);
    s += v * v;
  }
  const max = VALUE_LIMITS.rotationNorm(dim);
  if (s > max * max) {
    fail(`${what} has Frobenius norm ${Math.sqrt(s).toPrecision(3)}, over the limit 2 sqrt(dim) = ${max.toPrecision(3)} (a rotation has sqrt(dim))`);
  }
}

/**
 * Checks an IvfPqData for consistency: shapes, sizes within INDEX_LIMITS, list offsets (start 0, monotone, end at
 * ntotal), non-negative ids, unused code bits zero, finite values within VALUE_LIMITS. `where` is a name (the
 * failure is an InputError "<where>: <problem>") or a file reader's fail function (its format's error).
 */
export function validateIvfPq(d: IvfPqData, where: string | Fail = 'IvfPqData'): void {
  const bad: Fail = typeof where === 'function' ? where : (msg) => { throw new InputError(`${where}: ${msg}`); };
  if (d.metric !== 'ip' && d.metric !== 'l2') bad(`unknown metric ${String(d.metric)}`);
  for (const k of ['dim', 'nlist', 'm', 'bits'] as const) if (!Number.isInteger(d[k]) || d[k] < 1) bad(`${k} ${d[k]} is not a positive integer`);
  if (d.dim > INDEX_LIMITS.maxDim) bad(`dim ${d.dim} is over the limit ${INDEX_LIMITS.maxDim}`);
  if (d.nlist > INDEX_LIMITS.maxNlist) bad(`nlist ${d.nlist} is over the limit ${INDEX_LIMITS.maxNlist}`);
  if (d.dim % d.m !== 0) bad(`dim ${d.dim} is not a multiple of m ${d.m}`);
  if (d.bits !== 4 && d.bits !== 8) bad(`bits ${d.bits} not supported (4 or 8)`);
  const ksub = 1 << d.bits, cs = codeSize(d.m, d.bits);
  if (!(d.listOffsets instanceof Uint32Array) || d.listOffsets.length !== d.nlist + 1) bad(`listOffsets must be a Uint32Array of nlist + 1 = ${d.nlist + 1} entries`);
  const n = d.listOffsets[d.nlist]!;
  if (n > INDEX_LIMITS.maxNtotal) bad(`ntotal ${n} is over the limit ${INDEX_LIMITS.maxNtotal}`);
  for (const [name, bytes] of [['rotation', d.dim * d.dim * 4], ['centroids', d.nlist * d.dim * 4], ['ids', n * 4], ['codes', n * cs]] as const) {
    if (bytes > INDEX_LIMITS.maxArrayBytes && (name !== 'rotation' || d.rotation)) bad(`${name} would take ${bytes} bytes, over the ${INDEX_LIMITS.maxArrayBytes}-byte limit of one array`);
  }
  if (d.rotation !== null && (!(d.rotation instanceof Float32Array) || d.rotation.length !== d.dim * d.dim)) bad(`rotation must be null or a Float32Array of dim x dim = ${d.dim * d.dim}`);
  if (!(d.centroids instanceof Float32Array) || d.centroids.length !== d.nlist * d.dim) bad(`centroids must be a Float32Array of nlist x dim = ${d.nlist * d.dim}`);
  if (!(d.codebooks instanceof Float32Array) || d.codebooks.length !== ksub * d.dim) bad(`codebooks must be a Float32Array of m x ksub x dsub = ${ksub * d.dim}`);
  if (!(d.ids instanceof Int32Array) || d.ids.length !== n) bad(`ids must be an Int32Array of ntotal = ${n} (listOffsets[nlist])`);
  if (!(d.codes instanceof Uint8Array) || d.codes.length !== n * cs) bad(`codes must be a Uint8Array of ntotal x codeSize = ${n} x ${cs}`);
  if (d.listOffsets[0] !== 0) bad(`listOffsets[0] is ${d.listOffsets[0]}, must be 0`);
  for (let l = 0; l < d.nlist; l++) {
    if (d.listOffsets[l + 1]! < d.listOffsets[l]!) bad(`listOffsets not monotone: list ${l} starts at ${d.listOffsets[l]} but ends at ${d.listOffsets[l + 1]}`);
  }
  for (let i = 0; i < n; i++) if (d.ids[i]! < 0) bad(`id at position ${i} is negative (${d.ids[i]})`);
  if ((d.m * d.bits) % 8 !== 0) {
    const used = (d.m * d.bits) % 8, mask = 0xff & ~((1 << used) - 1);
    for (let i = 0; i < n; i++) if (d.codes[i * cs + cs - 1]! & mask) bad(`code of vector ${i} has non-zero unused bits in its last byte`);
  }
  if (d.refine !== undefined) checkRefine(d.refine, d.dim, n, bad);
  checkTableValues(d, bad);
}

/** Checks a refine copy of n vectors of dimension dim: kind, array sizes, finite ranges (vdiff >= 0), fp16 codes finite. */
export function checkRefine(r: RefineData, dim: number, n: number, bad: Fail = inputFail): void {
  if (!r || !isRefineKind(r.kind)) bad(`unknown refine kind ${String(r?.kind)} (sq8 or fp16)`);
  const len = refineRangeLength(r.kind, dim), bpv = refineBytesPerVector(r.kind, dim);
  if (!(r.ranges instanceof Float32Array) || r.ranges.length !== len) bad(`refine ranges must be a Float32Array of ${len} values for ${r.kind}`);
  if (n * bpv > INDEX_LIMITS.maxArrayBytes) bad(`refine codes would take ${n * bpv} bytes, over the ${INDEX_LIMITS.maxArrayBytes}-byte limit of one array`);
  if (!(r.codes instanceof Uint8Array) || r.codes.length !== n * bpv) bad(`refine codes must be a Uint8Array of ntotal x ${bpv} = ${n * bpv} bytes`);
  if (r.kind === 'sq8') {
    let corner = 0; // the largest norm a decoded vector can have
    for (let i = 0; i < dim; i++) {
      const vmin = r.ranges[i]!, vdiff = r.ranges[dim + i]!;
      if (!Number.isFinite(vmin) || !Number.isFinite(vdiff) || vdiff < 0 || !Number.isFinite(Math.fround(vmin + vdiff))) {
        bad(`refine sq8 range of dimension ${i} (vmin ${vmin}, vdiff ${vdiff}) must be finite with vdiff >= 0`);
      }
      corner += Math.max(Math.abs(vmin), Math.abs(vmin + vdiff)) ** 2;
    }
    // ranges learned from inputs within VALUE_LIMITS.inputNorm give at most 2^60; the centroids' limit keeps scores finite
    const max = VALUE_LIMITS.centroidNorm();
    if (Math.sqrt(corner) > max) bad(`refine sq8 ranges allow vectors of norm ${Math.sqrt(corner).toPrecision(3)}, over the limit ${max.toPrecision(3)} that keeps float32 scores finite`);
  } else {
    for (let o = 1; o < r.codes.length; o += 2) {
      if ((r.codes[o]! & 0x7c) === 0x7c) bad(`refine fp16 value of vector ${Math.floor(o / bpv)}, dimension ${(o >> 1) % dim} is Infinity or NaN`);
    }
  }
}

/** Checks the values of an index's tables (rotation, centroids, codebooks; shapes already checked): VALUE_LIMITS. */
export function checkTableValues(d: Pick<IvfPqData, 'dim' | 'm' | 'rotation' | 'centroids' | 'codebooks'>, fail: Fail = inputFail): void {
  if (d.rotation) checkRotationValues(d.rotation, d.dim, 'rotation', fail);
  checkRowNorms(d.centroids, d.dim, VALUE_LIMITS.centroidNorm(), 'centroids', fail);
  checkRowNorms(d.codebooks, d.dim / d.m, VALUE_LIMITS.codewordNorm(d.m), 'codebooks', fail);
}
