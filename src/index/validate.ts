// Input checks of the index's and the trainers' entry points: each failure is an InputError naming the problem,
// raised before any work. The option checks (checkIndexOptions, checkSearchOptions) are the one rule for each
// option: the constructor and search() apply them, and the CLI applies the same functions before it reads a file.
import { INDEX_LIMITS, VALUE_LIMITS } from '../io/ivfpq-data.js';
import { InputError } from '../util/errors.js';
import { checkInt } from '../util/check.js';
import { isRefineKind } from '../quantizers/scalar.js';

export type VectorInput = Float32Array | Float64Array | number[][];

/** The name an option has in messages: the library's own name, or e.g. the CLI flag that sets it. */
export type OptionName = (option: string) => string;
const own: OptionName = (o) => o;

/** The largest k of a search (the top-k kernel's limit). */
export const MAX_K = 1024;

/**
 * Checks index options: nlist, m, bits, metric and refine alone (INDEX_LIMITS); with dim also the dimension and that m
 * divides it. The CLI checks before reading a file (dim unknown), then again with the dim from the file's header.
 */
export function checkIndexOptions(o: { dim?: number; nlist: number; m: number; bits?: number; metric?: string; refine?: string | undefined }, name: OptionName = own): void {
  checkInt(o.nlist, name('nlist'), 1, INDEX_LIMITS.maxNlist);
  if (o.dim !== undefined) checkInt(o.dim, name('dim'), 1, INDEX_LIMITS.maxDim);
  checkInt(o.m, name('m'), 1, o.dim ?? INDEX_LIMITS.maxDim);
  if (o.dim !== undefined && o.dim % o.m !== 0) throw new InputError(`dim ${o.dim} is not divisible by m ${o.m}`);
  if (o.bits !== undefined && o.bits !== 8 && o.bits !== 4) throw new InputError(`${name('bits')} must be 8 or 4, got ${String(o.bits)}`);
  if (o.metric !== undefined && o.metric !== 'ip' && o.metric !== 'l2') throw new InputError(`${name('metric')} must be 'ip' or 'l2', got '${String(o.metric)}'`);
  if (o.refine !== undefined && !isRefineKind(o.refine)) throw new InputError(`${name('refine')} must be 'sq8' or 'fp16', got '${String(o.refine)}'`);
}

/**
 * Checks search options on their own: k in [1, MAX_K], nprobe >= 1 (search() also bounds them by the index), and the
 * optional refineFactor: an integer >= 1 with k x refineFactor <= MAX_K (the candidates one scan selects). `refine`
 * is the index's refine kind: null (the index has no refine copy) refuses any refineFactor; undefined (not known
 * yet, e.g. the CLI before it reads the file) checks the value alone.
 */
export function checkSearchOptions(o: { k: number; nprobe: number; refineFactor?: number | undefined }, name: OptionName = own, refine?: string | null): void {
  checkInt(o.k, name('k'), 1, MAX_K);
  checkInt(o.nprobe, name('nprobe'), 1);
  if (o.refineFactor === undefined) return;
  checkInt(o.refineFactor, name('refineFactor'), 1, MAX_K);
  if (o.k * o.refineFactor > MAX_K) {
    throw new InputError(`${name('k')} x ${name('refineFactor')} = ${o.k * o.refineFactor} candidates to re-rank, over the limit ${MAX_K} of one search`);
  }
  if (refine === null) {
    throw new InputError(`${name('refineFactor')} needs an index with a refine copy, and this one has none (build it with the option refine: 'sq8' or 'fp16')`);
  }
}

/**
 * Turns the caller's vectors into one contiguous Float32Array of n x dim, checking the shape and the values: finite,
 * and each row's Euclidean norm within VALUE_LIMITS.inputNorm(dim) (so no distance the kernels form overflows).
 */
export function toMatrix(input: VectorInput, dim: number, what: string): { data: Float32Array; n: number } {
  let data: Float32Array;
  if (Array.isArray(input)) {
    data = new Float32Array(input.length * dim);
    input.forEach((row, i) => {
      if (!row || row.length !== dim) throw new InputError(`${what}: row ${i} has ${row?.length ?? 0} values, expected dimension ${dim}`);
      data.set(row, i * dim);
    });
  } else if (input instanceof Float32Array) {
    data = input;
  } else if (input instanceof Float64Array) {
    data = Float32Array.from(input);
  } else {
    throw new InputError(`${what}: expected a Float32Array (n x ${dim}, row-major) or an array of rows`);
  }
  if (data.length % dim !== 0) {
    throw new InputError(`${what}: ${data.length} values is not a whole number of ${dim}-dimensional vectors (wrong dimension?)`);
  }
  const n = data.length / dim;
  if (n === 0) throw new InputError(`${what}: the set is empty`);
  const max = VALUE_LIMITS.inputNorm(dim);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) {
      const v = data[i]!;
      if (!Number.isFinite(v)) throw new InputError(`${what}: row ${r} column ${i - r * dim} is ${v} (NaN or Infinity)`);
      s += v * v;
    }
    if (s > max * max) {
      throw new InputError(`${what}: row ${r} has norm ${Math.sqrt(s).toPrecision(3)}, over the limit 2^60 / dim = ${max.toPrecision(3)} that keeps float32 distances finite`);
    }
  }
  return { data, n };
}

/** The ids of n new vectors: the given ones (non-negative int32 each), or start, start + 1, ... */
export function toIds(ids: ArrayLike<number> | undefined, n: number, start: number, what: string): Int32Array {
  const out = new Int32Array(n);
  if (ids) {
    if (ids.length !== n) throw new InputError(`${what}: ${ids.length} ids given for ${n} vectors`);
    for (let i = 0; i < n; i++) {
      const v = ids[i]!;
      if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new InputError(`${what}: id ${v} at position ${i} is not a non-negative 32-bit integer`);
      out[i] = v;
    }
  } else {
    if (start + n > 0x7fffffff) throw new InputError(`${what}: more than 2^31 vectors`);
    for (let i = 0; i < n; i++) out[i] = start + i;
  }
  return out;
}

/**
 * Refuses (InputError, before any work) an index whose per-list tables cannot be bound whole on this device: the
 * centroids (nlist x dim f32) and, for 'l2', the precomputed term (nlist x m x ksub f32; for
 * 4-bit codes also its byte-pair form, nlist x ceil(m / 2) x 256). The vectors themselves have no such limit: they
 * are encoded in chunks and their lists held in as many buffers as they need.
 */
export function checkDeviceFits(limits: { maxBinding: number; maxBufferSize: number }, o: { dim: number; nlist: number; m: number; bits: number; metric: string }): void {
  const limit = Math.min(limits.maxBinding, limits.maxBufferSize);
  const ksub = 2 ** o.bits;
  const tables: [string, number][] = [
    [`the IVF centroids (nlist ${o.nlist} x dim ${o.dim} floats)`, o.nlist * o.dim * 4],
  ];
  if (o.metric === 'l2') tables.push([`the L2 search's precomputed term (nlist ${o.nlist} x m ${o.m} x ${ksub} floats)`, o.nlist * o.m * ksub * 4]);
  if (o.metric === 'l2' && o.bits === 4) tables.push([`its byte-pair form (nlist ${o.nlist} x ${Math.ceil(o.m / 2)} x 256 floats)`, o.nlist * Math.ceil(o.m / 2) * 1024]);
  for (const [what, bytes] of tables) {
    if (bytes > limit) {
      throw new InputError(`${what} take ${bytes} bytes, more than this device binds at once (maxStorageBufferBindingSize ${limits.maxBinding}, maxBufferSize ${limits.maxBufferSize}); use fewer lists${o.metric === 'l2' ? ' or sub-quantizers' : ''}`);
    }
  }
}
