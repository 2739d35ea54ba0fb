// Searching several shards of one index (copies of one trained index, each holding its own vectors) without
// merging them: each shard is searched with the same k and nprobe, and the per-shard top-k lists are merged into
// the k best. The shards share their quantizers, so every query probes the same lists in each shard and scores a
// vector exactly as the merged index would; the merged order is the merged index's order: better score first,
// ties by database position in the merged index (mergeIvfPq), i.e. by lower list, then earlier shard, then the
// shard's own order.
import type { IvfPqData } from '../io/ivfpq-data.js';
import { quantizerDifference, type Quantizers } from '../io/merge.js';
import type { Metric } from '../quantizers/metric.js';
import { InputError } from '../util/errors.js';
import { throwIfAborted } from '../util/abort.js';
import type { IvfPqIndexCore, SearchOptions } from './ivfpq.js';
import { checkSearchOptions, toMatrix, type VectorInput } from './validate.js';
import type { SearchResult } from './search.js';

/** The list that holds `id` in shard `shard` (the first, if the shard holds the id more than once). */
export type ListOf = (shard: number, id: number) => number;

/**
 * A ListOf over the shards' data: a sorted id table per shard is built the first time that shard is asked (only
 * score ties between shards ask), then each call is a binary search.
 */
export function listOfData(datas: readonly (() => Pick<IvfPqData, 'nlist' | 'listOffsets' | 'ids'>)[]): ListOf {
  const tables: ({ ids: Int32Array; pos: Uint32Array; offsets: Uint32Array; nlist: number } | undefined)[] = [];
  return (shard, id) => {
    let t = tables[shard];
    if (!t) {
      const d = datas[shard]!();
      const pos = Uint32Array.from({ length: d.ids.length }, (_, i) => i).sort((a, b) => d.ids[a]! - d.ids[b]! || a - b);
      t = tables[shard] = { ids: Int32Array.from(pos, (p) => d.ids[p]!), pos, offsets: d.listOffsets, nlist: d.nlist };
    }
    let lo = 0, hi = t.ids.length;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (t.ids[mid]! < id) lo = mid + 1; else hi = mid; }
    if (lo === t.ids.length || t.ids[lo] !== id) throw new Error(`shard ${shard} returned id ${id} that it does not hold`);
    const p = t.pos[lo]!;
    lo = 0; hi = t.nlist - 1; // the list l with offsets[l] <= p < offsets[l + 1]
    while (lo < hi) { const mid = (lo + hi + 1) >>> 1; if (t.offsets[mid]! <= p) lo = mid; else hi = mid - 1; }
    return lo;
  };
}

/**
 * Merges per-shard results of the same nq queries (each sorted best-first, -1 ids padding the missing ones; their
 * k may differ) into the k best per query: better score first (ip: larger, l2: smaller); equal scores in order of
 * (list, shard, rank in the shard), `listOf` giving the list of a tied result. Rows with fewer than k results
 * overall are padded with id -1 and score NaN, as a single index's search pads them.
 */
export function mergeShardResults(results: readonly SearchResult[], k: number, metric: Metric, listOf: ListOf): SearchResult {
  if (results.length === 0) throw new InputError('mergeShardResults: no results to merge');
  const nq = results[0]!.nq;
  for (const r of results) if (r.nq !== nq) throw new InputError(`mergeShardResults: results for ${r.nq} and ${nq} queries`);
  const ids = new Int32Array(nq * k).fill(-1), scores = new Float32Array(nq * k).fill(NaN);
  const sign = metric === 'ip' ? -1 : 1; // ascending sign * score is best-first
  interface Hit { score: number; id: number; shard: number; rank: number; list: number }
  const lists = new Map<string, number>();
  const list = (h: Hit): number => {
    if (h.list < 0) {
      const key = `${h.shard}:${h.id}`;
      let l = lists.get(key);
      if (l === undefined) { l = listOf(h.shard, h.id); lists.set(key, l); }
      h.list = l;
    }
    return h.list;
  };
  const cmp = (a: Hit, b: Hit): number =>
    sign * (a.score - b.score) || list(a) - list(b) || a.shard - b.shard || a.rank - b.rank;
  for (let q = 0; q < nq; q++) {
    const hits: Hit[] = [];
    results.forEach((r, shard) => {
      for (let j = 0; j < r.k; j++) {
        const id = r.ids[q * r.k + j]!;
        if (id >= 0) hits.push({ score: r.scores[q * r.k + j]!, id, shard, rank: j, list: -1 });
      }
    });
    hits.sort(cmp);
    for (let j = 0; j < Math.min(k, hits.length); j++) { ids[q * k + j] = hits[j]!.id; scores[q * k + j] = hits[j]!.score; }
  }
  return { ids, scores, k, nq };
}

/** The trained quantizers of a live index (host copies of its tables). */
function quantizersOf(index: IvfPqIndexCore): Quantizers {
  const p = index.parameters();
  return {
    metric: index.metric, dim: index.dim, nlist: index.nlist, m: index.m, bits: index.bits,
    rotation: p.rotation ? p.rotation.values : null, centroids: p.centroids.values, codebooks: p.codebooks.values,
  };
}

/**
 * Searches shards (indexes with the same trained quantizers, holding disjoint ids) as one index: the same result
 * as searching the index mergeIvfPq makes of them. k may be up to the shards' total size; empty shards are
 * skipped. InputError when the shards' quantizers differ or k exceeds the vectors they hold together. As after any
 * search, each shard keeps its lists on the GPU until it is disposed or changed; each has to fit one binding, not
 * their sum.
 */
export async function searchShards(shards: readonly IvfPqIndexCore[], queries: VectorInput, opts: SearchOptions): Promise<SearchResult> {
  if (shards.length === 0) throw new InputError('searchShards: no shards to search');
  checkSearchOptions(opts);
  const first = shards[0]!, q0 = quantizersOf(first);
  shards.slice(1).forEach((s, i) => {
    const diff = quantizerDifference(q0, quantizersOf(s));
    if (diff !== null) throw new InputError(`searchShards: shard ${i + 1} was trained with other quantizers than shard 0: it has ${diff}`);
  });
  const total = shards.reduce((s, x) => s + x.ntotal, 0);
  if (opts.k > total) throw new InputError(`k = ${opts.k} is larger than the ${total} vectors in the shards`);
  const { data: q } = toMatrix(queries, first.dim, 'queries');
  const results: SearchResult[] = [];
  const searched: number[] = [];
  for (let s = 0; s < shards.length; s++) {
    throwIfAborted(opts.signal, 'search');
    const n = shards[s]!.ntotal;
    if (n === 0) continue;
    results.push(await shards[s]!.search(q, { ...opts, k: Math.min(opts.k, n) }));
    searched.push(s);
  }
  const listOf = listOfData(searched.map((s) => () => shards[s]!.toData()));
  return mergeShardResults(results, opts.k, first.metric, listOf);
}
