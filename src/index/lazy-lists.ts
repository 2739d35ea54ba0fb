// The inverted lists of an opened index (IvfPqIndex.open), read from the file on demand: for each query chunk the
// probed lists that the host cache does not hold are read (lists separated by at most `gapBytes` of other lists are
// one run, read with one request per section), and the chunk's lists are uploaded as compact GPU lists with the same
// nlist in which every unprobed list is empty, so the ADC scan runs unchanged. Refine codes are read only for a
// search with a refineFactor. The cache keeps the most recently used lists up to `cacheBytes` (least recently used
// evicted first); the lists of the chunk being searched are held besides it until the chunk's lists are uploaded.
import type { Engine } from '../pipeline/engine.js';
import type { ProductQuantizer } from '../quantizers/product.js';
import { RefineDecoder, refineBytesPerVector } from '../quantizers/scalar.js';
import type { RangeReader } from '../io/range-reader.js';
import { readListRun, type DvqHead, type ListRun } from '../io/dvq-ranges.js';
import { GpuLists } from './inverted-lists.js';
import type { ChunkLists } from './search.js';

/** Counters of an opened index's reads. */
export interface LazyStats {
  /** bytes read from the file (its head included) */
  bytesFetched: number;
  /** reads (file reads or HTTP range requests) */
  requests: number;
  /** probed non-empty lists found in the cache */
  cacheHits: number;
  /** non-empty lists read from the file (those in a gap between wanted lists included) */
  listsFetched: number;
  /** bytes of list data the cache holds now */
  cachedBytes: number;
}

/** Reads at most this many runs at once. */
const PARALLEL_READS = 6;

export class LazyLists {
  private readonly cache = new Map<number, ListRun>();
  private cached = 0;
  private hits = 0;
  private fetched = 0;
  private readonly nlist: number;

  /** `gapBytes`: wanted lists separated by at most this many bytes of other lists are read as one run */
  constructor(private readonly reader: RangeReader, readonly head: DvqHead, readonly cacheBytes: number, readonly gapBytes: number) {
    this.nlist = head.header.nlist;
  }

  get stats(): LazyStats {
    return { ...this.reader.stats, cacheHits: this.hits, listsFetched: this.fetched, cachedBytes: this.cached };
  }

  /** The compact lists of a chunk whose probes are `probes` (rows x nprobe list numbers). */
  async forProbes(engine: Engine, pq: ProductQuantizer, probes: Uint32Array, refineFactor: number | null, signal?: AbortSignal): Promise<ChunkLists> {
    const { nlist } = this, off = this.head.listOffsets, h = this.head.header;
    const probed = new Uint8Array(nlist);
    for (let i = 0; i < probes.length; i++) {
      const l = probes[i]!;
      if (l >= nlist) throw new Error(`lazy lists: probe ${l} is not a list (nlist ${nlist})`);
      probed[l] = 1;
    }
    const runs = await this.lists(probed, refineFactor !== null && h.refine !== null, signal);
    const compact = new Uint32Array(nlist + 1);
    for (let l = 0; l < nlist; l++) compact[l + 1] = compact[l]! + (probed[l] ? off[l + 1]! - off[l]! : 0);
    const n = compact[nlist]!, cs = h.codeSize;
    const bpv = h.refine ? refineBytesPerVector(h.refine, h.dim) : 0;
    const codes = new Uint8Array(n * cs), ids = new Int32Array(n);
    const rcodes = refineFactor !== null && h.refine ? new Uint8Array(n * bpv) : null;
    for (const [l, run] of runs) {
      const at = compact[l]!;
      codes.set(run.codes, at * cs);
      ids.set(run.ids, at);
      if (rcodes) rcodes.set(run.refine!, at * bpv);
    }
    const lists = GpuLists.upload(engine, { listOffsets: compact, codes, ids }, n, pq);
    const refine = refineFactor !== null && h.refine
      ? { factor: refineFactor, decoder: new RefineDecoder(h.refine, this.head.refine!.ranges, h.dim), codes: rcodes!, ids } : null;
    return { lists, hostListOffsets: compact, refine, dispose: () => lists.dispose() };
  }

  /** The lists marked in `want` that hold vectors, from the cache or read from the file (with their refine codes when
   *  `withRefine`: a cached list without them is read again); the new ones enter the cache. */
  private async lists(want: Uint8Array, withRefine: boolean, signal?: AbortSignal): Promise<Map<number, ListRun>> {
    const off = this.head.listOffsets, out = new Map<number, ListRun>();
    const missing: number[] = [];
    for (let l = 0; l < this.nlist; l++) {
      if (!want[l] || off[l + 1] === off[l]) continue;
      const hit = this.cache.get(l);
      if (hit && (!withRefine || hit.refine)) {
        this.hits++;
        this.cache.delete(l); // most recently used last
        this.cache.set(l, hit);
        out.set(l, hit);
      } else {
        missing.push(l);
      }
    }
    // runs [a, b) of missing lists, one read per section each: a gap of at most gapBytes (unwanted lists read and
    // dropped) costs less than another request
    const h = this.head.header, perVector = 4 + h.codeSize + (withRefine && h.refine ? refineBytesPerVector(h.refine, h.dim) : 0);
    const runs: [number, number][] = [];
    for (const l of missing) {
      const last = runs[runs.length - 1];
      if (last && (off[l]! - off[last[1]]!) * perVector <= this.gapBytes) last[1] = l + 1;
      else runs.push([l, l + 1]);
    }
    const read: Map<number, ListRun>[] = [];
    for (let i = 0; i < runs.length; i += PARALLEL_READS) {
      const batch = runs.slice(i, i + PARALLEL_READS);
      read.push(...await Promise.all(batch.map(async ([a, b]) => this.split(a, b, await readListRun(this.reader, this.head, a, b, withRefine, signal)))));
    }
    // every list read enters the cache, those of a gap first (evicted before the wanted ones)
    for (const wanted of [false, true]) {
      for (const m of read) {
        for (const [l, run] of m) {
          if (!!want[l] !== wanted) continue;
          if (wanted) out.set(l, run);
          this.fetched++;
          this.remember(l, run);
        }
      }
    }
    return out;
  }

  /** The non-empty lists of a run of lists a..b-1, each with its own copies. */
  private split(a: number, b: number, run: ListRun): Map<number, ListRun> {
    const off = this.head.listOffsets, cs = this.head.header.codeSize, lo = off[a]!;
    const bpv = run.refine && run.ids.length ? run.refine.length / run.ids.length : 0;
    const m = new Map<number, ListRun>();
    for (let l = a; l < b; l++) {
      const s = off[l]! - lo, e = off[l + 1]! - lo;
      if (e === s) continue;
      m.set(l, { ids: run.ids.slice(s, e), codes: run.codes.slice(s * cs, e * cs), refine: run.refine ? run.refine.slice(s * bpv, e * bpv) : null });
    }
    return m;
  }

  private remember(l: number, run: ListRun): void {
    const bytes = runBytes(run), had = this.cache.get(l);
    if (had?.refine && !run.refine) return; // the cached copy has the refine codes too
    if (had) { this.cache.delete(l); this.cached -= runBytes(had); } // read again (a gap, or a concurrent search)
    if (bytes > this.cacheBytes) return;
    this.cache.set(l, run);
    this.cached += bytes;
    for (const [old, r] of this.cache) {
      if (this.cached <= this.cacheBytes) break;
      this.cache.delete(old);
      this.cached -= runBytes(r);
    }
  }

  /** Empties the cache and closes the file. */
  async close(): Promise<void> {
    this.cache.clear();
    this.cached = 0;
    await this.reader.close();
  }
}

function runBytes(r: ListRun): number {
  return r.ids.byteLength + r.codes.byteLength + (r.refine?.byteLength ?? 0);
}
