// An index opened for search without reading its file whole (IvfPqIndex.open): the head of a .dvq file (header,
// rotation, centroids, codebooks, list offsets) is read and uploaded at once; the inverted lists are read per query
// chunk, only those its queries probe, through a bounded cache (lazy-lists.ts). Its searches return what the loaded
// index returns for the same file. It is read-only: add, reencode, distill and save need load().
import type { Engine } from '../pipeline/engine.js';
import { CoarseQuantizer } from '../quantizers/coarse.js';
import { ProductQuantizer } from '../quantizers/product.js';
import { RefineDecoder, type RefineKind } from '../quantizers/scalar.js';
import type { Metric } from '../quantizers/metric.js';
import { openUrlRange, type RangeReader } from '../io/range-reader.js';
import { readDvqHead } from '../io/dvq-ranges.js';
import { checkInt } from '../util/check.js';
import { throwIfAborted } from '../util/abort.js';
import { InputError, UsageError } from '../util/errors.js';
import { importNodeOnly, type SearchOptions } from './ivfpq.js';
import { GpuTables } from './tables.js';
import { LazyLists, type LazyStats } from './lazy-lists.js';
import { searchLists, type SearchResult } from './search.js';
import { toMatrix, checkSearchOptions } from './validate.js';
import { listSizes } from './inverted-lists.js';

export type { LazyStats } from './lazy-lists.js';

export interface OpenOptions {
  /** bytes of list data kept in the host cache between searches (default 256 MiB; 0 keeps none) */
  cacheBytes?: number | undefined;
  /** probed lists separated by at most this many bytes of other lists are read in one request per section, the
   *  lists between them dropped (default 16 KiB; 0 reads only adjacent lists together) */
  gapBytes?: number | undefined;
  /** cancels the open */
  signal?: AbortSignal | undefined;
  /** URLs: the limit of one range request in ms (default FETCH_DEFAULTS.stallTimeoutMs) */
  timeoutMs?: number | undefined;
}

export const DEFAULT_CACHE_BYTES = 256 * 2 ** 20;
export const DEFAULT_GAP_BYTES = 16 * 1024;

/** A file path (Node) or a URL (http, https, blob; browsers and Node) opened for ranged reads. */
async function openRange(source: string | URL, opts: OpenOptions): Promise<{ reader: RangeReader; first?: Uint8Array }> {
  const s = String(source);
  if (source instanceof URL || /^(https?|blob):/.test(s) || typeof process === 'undefined') {
    const r = await openUrlRange(s, { signal: opts.signal, timeoutMs: opts.timeoutMs });
    return { reader: r, first: r.head };
  }
  const files = await importNodeOnly<typeof import('../io/range-file.js')>('../io/range-file.js');
  return { reader: await files.openFileRange(s) };
}

export class OpenedIvfPqIndex {
  readonly dim: number;
  readonly nlist: number;
  readonly m: number;
  readonly bits: 8 | 4;
  readonly metric: Metric;
  /** the kind of the file's refine copy, or null */
  readonly refine: RefineKind | null;
  readonly ntotal: number;
  readonly codeSize: number;
  private readonly coarse: CoarseQuantizer;
  private readonly pq: ProductQuantizer;
  private tables: GpuTables | null;
  private disposed = false;

  private constructor(readonly engine: Engine, private readonly lazy: LazyLists) {
    const h = lazy.head.header;
    this.dim = h.dim; this.nlist = h.nlist; this.m = h.m; this.bits = h.bits as 8 | 4; this.metric = h.metric;
    this.refine = h.refine; this.ntotal = h.ntotal; this.codeSize = h.codeSize;
    this.coarse = new CoarseQuantizer(h.nlist, h.dim, h.metric);
    this.pq = new ProductQuantizer(h.dim, h.m, this.bits);
    this.tables = GpuTables.upload(engine, lazy.head);
  }

  /**
   * Opens a .dvq file (a Node path, or a URL served with HTTP Range support) for search: reads and checks its head
   * (DvqFormatError / FileError naming the file), uploads the tables, and reads lists on demand from then on. A
   * Faiss file is refused (InputError: load() reads those).
   */
  static async open(engine: Engine, source: string | URL, opts: OpenOptions = {}): Promise<OpenedIvfPqIndex> {
    const cacheBytes = opts.cacheBytes ?? DEFAULT_CACHE_BYTES;
    const gapBytes = opts.gapBytes ?? DEFAULT_GAP_BYTES;
    checkInt(cacheBytes, 'cacheBytes', 0, Number.MAX_SAFE_INTEGER);
    checkInt(gapBytes, 'gapBytes', 0, Number.MAX_SAFE_INTEGER);
    throwIfAborted(opts.signal, `opening ${String(source)}`);
    const { reader, first } = await openRange(source, opts);
    try {
      const head = await readDvqHead(reader, opts.signal, first);
      return new OpenedIvfPqIndex(engine, new LazyLists(reader, head, cacheBytes, gapBytes));
    } catch (e) {
      await reader.close().catch(() => undefined);
      throw e;
    }
  }

  /** Bytes and requests read so far (the head included), cache hits, lists read, bytes cached. */
  get stats(): LazyStats { return this.lazy.stats; }

  /** Sizes of the inverted lists (from the list offsets; nothing is read). */
  listSizes(): Uint32Array { return listSizes(this.lazy.head.listOffsets, this.nlist); }

  /** As IvfPqIndex.search: the same results as the loaded index; reads the probed lists the cache lacks. */
  async search(queries: Parameters<typeof toMatrix>[0], opts: SearchOptions): Promise<SearchResult> {
    if (this.disposed) throw new Error('this index was disposed');
    const { data: q, n: nq } = toMatrix(queries, this.dim, 'queries');
    if (this.ntotal === 0) throw new Error('search: the index is empty (add vectors first)');
    checkSearchOptions(opts, undefined, this.refine);
    const { k, nprobe } = opts;
    if (k > this.ntotal) throw new InputError(`k = ${k} is larger than the ${this.ntotal} vectors in the index`);
    if (nprobe > this.nlist) throw new InputError(`nprobe = ${nprobe} is larger than the number of lists (${this.nlist})`);
    const factor = opts.refineFactor ?? null;
    const head = this.lazy.head;
    // the scan's candidate count and the choice of positions follow this stage; each chunk brings its own codes
    const refine = factor !== null && head.refine
      ? { factor, decoder: new RefineDecoder(head.refine.kind, head.refine.ranges, this.dim), codes: new Uint8Array(0), ids: new Int32Array(0) } : null;
    return searchLists(this.engine, {
      coarse: this.coarse, pq: this.pq, tables: this.tables!, lists: null, hostListOffsets: head.listOffsets, refine,
      listsForProbes: (probes) => this.lazy.forProbes(this.engine, this.pq, probes, factor, opts.signal),
    }, q, nq, k, nprobe, opts);
  }

  /** Refused: an opened index is read-only. */
  add(): never { return readOnly('add'); }
  /** Refused: an opened index is read-only. */
  reencode(): never { return readOnly('reencode'); }
  /** Refused: an opened index is read-only. */
  distill(): never { return readOnly('distill'); }
  /** Refused: an opened index is read-only (its file is the saved form). */
  save(): never { return readOnly('save'); }

  /** Releases the GPU tables, empties the cache and closes the file. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.tables?.dispose();
    this.tables = null;
    await this.lazy.close();
  }
}

function readOnly(what: string): never {
  throw new UsageError(`${what}: an index made by open() is read-only (add, reencode, distill and save need the whole index: use IvfPqIndex.load())`);
}
