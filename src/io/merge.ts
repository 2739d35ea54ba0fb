// Merging index shards on the host (no GPU): indexes that share one set of trained quantizers (the same metric,
// shape, rotation, centroids and codebooks, byte for byte) and hold disjoint ids become one index whose list l is
// list l of the first shard, then list l of the second, and so on. Adding vectors in pieces to copies of one
// trained index and merging the copies in order gives the same data as adding all of them, in that order, to one
// index (add appends to each list in the order given). docs/scale.md has the recipe.
import { INDEX_LIMITS, validateIvfPq, type IvfPqData } from './ivfpq-data.js';
import { codeSize } from '../quantizers/product.js';
import { InputError } from '../util/errors.js';

export interface MergeOptions {
  /** a name for each input in error messages (e.g. its file path); default "shard 0", "shard 1", ... */
  names?: readonly string[];
}

const sameBytes = (a: Float32Array, b: Float32Array): boolean => {
  if (a.length !== b.length) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};

/** The trained quantizers of an index: what shards must share to be merged or searched together. */
export type Quantizers = Pick<IvfPqData, 'metric' | 'dim' | 'nlist' | 'm' | 'bits' | 'rotation' | 'centroids' | 'codebooks'>;

/**
 * The first way `b`'s trained quantizers differ from `a`'s (metric, dim, nlist, m, bits, rotation, centroids,
 * codebooks; float tables compared byte for byte), or null when they are the same.
 */
export function quantizerDifference(a: Quantizers, b: Quantizers): string | null {
  for (const k of ['metric', 'dim', 'nlist', 'm', 'bits'] as const) if (a[k] !== b[k]) return `${k} ${b[k]} (not ${a[k]})`;
  if ((a.rotation === null) !== (b.rotation === null)) return b.rotation ? 'a rotation (the first has none)' : 'no rotation (the first has one)';
  if (a.rotation && b.rotation && !sameBytes(a.rotation, b.rotation)) return 'another rotation';
  if (!sameBytes(a.centroids, b.centroids)) return 'other IVF centroids';
  if (!sameBytes(a.codebooks, b.codebooks)) return 'other PQ codebooks';
  return null;
}

/** The sorted distinct ids of one shard. */
function distinctSorted(ids: Int32Array): Int32Array {
  const s = ids.slice().sort();
  let n = 0;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[n - 1]) s[n++] = s[i]!;
  return s.subarray(0, n);
}

function contains(sorted: Int32Array, id: number): boolean {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < id) lo = mid + 1; else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === id;
}

/**
 * Throws an InputError naming an id that two of the shards both hold, and the two shards. Ids repeated inside one
 * shard are left alone (an index may hold an id twice, as Faiss allows); only overlaps between shards are refused.
 */
export function checkDisjointIds(datas: readonly IvfPqData[], names: readonly string[]): void {
  const sets = datas.map((d) => distinctSorted(d.ids));
  const all = new Int32Array(sets.reduce((s, x) => s + x.length, 0));
  let at = 0;
  for (const s of sets) { all.set(s, at); at += s.length; }
  all.sort();
  for (let i = 1; i < all.length; i++) {
    if (all[i] !== all[i - 1]) continue;
    const id = all[i]!;
    const [a, b] = sets.flatMap((s, k) => (contains(s, id) ? [k] : []));
    throw new InputError(`id ${id} is in both ${names[a!]} and ${names[b!]}: shards must hold disjoint ids (give each shard its own id range)`);
  }
}

/**
 * Merges indexes trained with the same quantizers into one: list l of the result holds list l of each input in
 * input order, with codes and ids as they are. The inputs are checked (validateIvfPq) and left unchanged; the
 * result has arrays of its own (the quantizer tables are copied from the first input). InputErrors: no input, an
 * input that is not valid index data, quantizers that differ from the first input's, an id held by two inputs, or
 * a result over INDEX_LIMITS.
 */
export function mergeIvfPq(datas: readonly IvfPqData[], opts: MergeOptions = {}): IvfPqData {
  if (!Array.isArray(datas) || datas.length === 0) throw new InputError('mergeIvfPq: no indexes to merge (give at least one)');
  const names = datas.map((_, i) => opts.names?.[i] ?? `shard ${i}`);
  datas.forEach((d, i) => validateIvfPq(d, `mergeIvfPq: ${names[i]}`));
  const first = datas[0]!;
  for (let i = 1; i < datas.length; i++) {
    const diff = quantizerDifference(first, datas[i]!);
    if (diff !== null) {
      throw new InputError(`mergeIvfPq: ${names[i]} was trained with other quantizers than ${names[0]}: it has ${diff}; only shards added to copies of one trained index can be merged`);
    }
  }
  const { nlist, m, bits } = first, cs = codeSize(m, bits);
  const total = datas.reduce((s, d) => s + d.listOffsets[nlist]!, 0);
  if (total > INDEX_LIMITS.maxNtotal) throw new InputError(`mergeIvfPq: the shards hold ${total} vectors together, over the limit of ${INDEX_LIMITS.maxNtotal} in one index`);
  if (total * cs > INDEX_LIMITS.maxArrayBytes) {
    throw new InputError(`mergeIvfPq: the merged codes would take ${total * cs} bytes, over the ${INDEX_LIMITS.maxArrayBytes}-byte limit of one array`);
  }
  checkDisjointIds(datas, names);
  const listOffsets = new Uint32Array(nlist + 1);
  for (let l = 0; l < nlist; l++) {
    let size = 0;
    for (const d of datas) size += d.listOffsets[l + 1]! - d.listOffsets[l]!;
    listOffsets[l + 1] = listOffsets[l]! + size;
  }
  const codes = new Uint8Array(total * cs), ids = new Int32Array(total);
  for (let l = 0, at = 0; l < nlist; l++) {
    for (const d of datas) {
      const a = d.listOffsets[l]!, b = d.listOffsets[l + 1]!;
      codes.set(d.codes.subarray(a * cs, b * cs), at * cs);
      ids.set(d.ids.subarray(a, b), at);
      at += b - a;
    }
  }
  return {
    metric: first.metric, dim: first.dim, nlist, m, bits,
    rotation: first.rotation ? first.rotation.slice() : null, centroids: first.centroids.slice(), codebooks: first.codebooks.slice(),
    listOffsets, codes, ids,
  };
}
