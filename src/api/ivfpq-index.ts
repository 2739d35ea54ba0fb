// The public IvfPqIndex: the index core (src/index/ivfpq.ts) plus Distill-VQ training (src/training/distill),
// so the index layer never imports a trainer. load() and fromData() return this class.
import type { Engine } from '../pipeline/engine.js';
import type { IvfPqData } from '../io/ivfpq-data.js';
import { IvfPqIndexCore, loadIndexData, optionsOf, type IndexSource } from '../index/ivfpq.js';
import type { LoadOptions } from '../io/index-source.js';
import { OpenedIvfPqIndex, type OpenOptions } from '../index/lazy-index.js';
import { distill } from '../training/distill/loop.js';
import type { DistillOptions, DistillReport } from '../training/distill/options.js';

export class IvfPqIndex extends IvfPqIndexCore {
  /**
   * Distill-VQ: learns the IVF centroids and PQ codebooks so the index reproduces the ranking of the exact
   * inner products of `base` (the teacher) for unlabeled training queries, then re-encodes `base`.
   * See src/training/distill/ and DistillOptions. The defaults follow the index's start: with a rotation (OPQ) the
   * IVF centroids stay frozen unless `lrCentroids` is given (DISTILL_DEFAULTS says why); the report's `start`
   * names it.
   */
  async distill(opts: DistillOptions): Promise<DistillReport> {
    this.checkLive();
    this.requireTrained('distill');
    return distill(this, opts);
  }

  /**
   * Loads an index from a .dvq or Faiss IndexIVFPQ file: its bytes (Uint8Array / ArrayBuffer), a URL (fetched;
   * browsers and Node) or a file path (Node). `opts`: signal, maxBytes, timeoutMs, stallTimeoutMs (LoadOptions).
   */
  static override async load(engine: Engine, source: IndexSource, opts: LoadOptions = {}): Promise<IvfPqIndex> {
    return IvfPqIndex.fromData(engine, await loadIndexData(source, opts));
  }

  /**
   * Opens a .dvq file for search without reading it whole: a file path (Node, positioned reads) or a URL (HTTP
   * Range requests). The header, rotation, centroids, codebooks and list offsets are read at once; each search
   * reads only the lists its queries probe that the cache (`cacheBytes`) lacks, and returns what the loaded index
   * returns. The opened index is read-only; `stats` counts the bytes and requests. See OpenedIvfPqIndex.
   */
  static open(engine: Engine, source: string | URL, opts: OpenOptions = {}): Promise<OpenedIvfPqIndex> {
    return OpenedIvfPqIndex.open(engine, source, opts);
  }

  /** Makes an index from plain data (e.g. a loaded file); the arrays are copied. */
  static override fromData(engine: Engine, data: IvfPqData): IvfPqIndex {
    return new IvfPqIndex(engine, optionsOf(data)).adopt(data);
  }
}
