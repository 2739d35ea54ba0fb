// IvfPqIndexCore: an inverted-file index with residual product quantization (as Faiss IndexIVFPQ), trained,
// filled and searched on the GPU. It composes the parts along Faiss's seams: an optional rotation, the coarse
// quantizer (IVF centroids), the product quantizer (codebooks) and the inverted lists. Host memory keeps the
// plain IvfPqData (what files hold); the GPU keeps the same tables and lists for search. Trainers (Distill-VQ)
// work through `parameters()`, `setParameters()` and `reencode()`; the public IvfPqIndex (src/api) adds them.
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import { CoarseQuantizer } from '../quantizers/coarse.js';
import { ProductQuantizer } from '../quantizers/product.js';
import type { Metric } from '../quantizers/metric.js';
import { refineBytesPerVector, type RefineKind } from '../quantizers/scalar.js';
import { checkRotation } from '../quantizers/rotation.js';
import type { IvfPqData } from '../io/ivfpq-data.js';
import { validateIvfPq, checkTableValues } from '../io/ivfpq-data.js';
import { toBytes } from '../io/dvq-format.js';
import { parseIndexBytes, type LoadOptions } from '../io/index-source.js';
import { fetchIndexData } from '../io/fetch-bytes.js';
import { throwIfAborted } from '../util/abort.js';
import type { LongWorkOptions } from '../util/progress.js';
import { InputError } from '../util/errors.js';
import { toMatrix, toIds, checkIndexOptions, checkSearchOptions, checkDeviceFits, type VectorInput } from './validate.js';
import { GpuTables } from './tables.js';
import { GpuLists, emptyLists, listSizes, mergeIntoLists, type HostLists } from './inverted-lists.js';
import { encodeVectors } from './encode.js';
import { searchLists, type SearchResult } from './search.js';
import { trainTables, type TrainOptions } from './train.js';
import { emptyRefine, encodeForRefine, mergeRefine, refineStage, trainRefine } from './refine.js';

/** Imports a Node-only module by a name bundlers do not follow, so the browser build stays free of node:*. */
export function importNodeOnly<T>(specifier: string): Promise<T> {
  const url = new URL(specifier, import.meta.url).href;
  return import(/* @vite-ignore */ url) as Promise<T>;
}

/** Where an index is loaded from: a file's bytes, a URL, or (Node) a file path. */
export type IndexSource = Uint8Array | ArrayBuffer | URL | string;

export interface IvfPqOptions {
  /** vector dimension; must be divisible by m */
  dim: number;
  /** number of IVF lists */
  nlist: number;
  /** number of PQ sub-quantizers */
  m: number;
  /** bits per code: 8 (default) or 4 */
  bits?: 8 | 4;
  /** 'ip' (inner product, default) or 'l2' (squared Euclidean distance) */
  metric?: Metric;
  /** keep a refine copy of each vector for re-ranking (search's refineFactor): 'sq8' (a byte per value, ranges
   *  learned by train()) or 'fp16' (two bytes per value); default none */
  refine?: RefineKind | undefined;
}

export interface SearchOptions extends LongWorkOptions {
  k: number;
  nprobe: number;
  /** re-rank the refineFactor x k best ADC candidates by the exact score against the refine copy (an index built
   *  with `refine`); an integer >= 1, k x refineFactor <= MAX_K. Default: no re-ranking */
  refineFactor?: number | undefined;
}

export interface ReencodeOptions extends LongWorkOptions {
  /** the list of each vector as an earlier reencode() returned it for the same vectors while the centroids and the
   *  rotation were those of now: the nearest-list search is skipped and the result is the same. Values must be
   *  < nlist, one per vector; that they are current is the caller's word (trainers that froze the centroids). */
  lists?: Uint32Array | undefined;
}

/** One learned parameter: the index's GPU buffer, its shape and a host copy of its values. */
export interface ParameterView {
  /** read-only; valid until the parameters are replaced or the index is disposed */
  buffer: GpuBuffer;
  shape: readonly number[];
  values: Float32Array;
}

/** The learned parameters, for trainers: what they differentiate and hand back through setParameters(). */
export interface IvfPqParameters {
  /** IVF centroids, [nlist, dim] */
  centroids: ParameterView;
  /** PQ codebooks, [m, ksub, dsub]; they quantize residuals x - centroid */
  codebooks: ParameterView;
  /** the rotation A, [dim, dim] (vectors are transformed as y = A x), or null */
  rotation: ParameterView | null;
}

export class IvfPqIndexCore {
  readonly dim: number;
  readonly nlist: number;
  readonly m: number;
  readonly bits: 8 | 4;
  readonly metric: Metric;
  private refineKind: RefineKind | null;
  readonly ksub: number;
  readonly dsub: number;
  private readonly coarse: CoarseQuantizer;
  private readonly pq: ProductQuantizer;
  private data: IvfPqData | null = null;
  private tables: GpuTables | null = null;
  private lists: GpuLists | null = null;
  private disposed = false;

  constructor(readonly engine: Engine, opts: IvfPqOptions) {
    checkIndexOptions(opts);
    this.dim = opts.dim;
    this.nlist = opts.nlist;
    this.m = opts.m;
    this.bits = opts.bits ?? 8;
    this.metric = opts.metric ?? 'ip';
    this.refineKind = opts.refine ?? null;
    this.coarse = new CoarseQuantizer(this.nlist, this.dim, this.metric);
    this.pq = new ProductQuantizer(this.dim, this.m, this.bits);
    this.ksub = this.pq.ksub;
    this.dsub = this.pq.dsub;
    checkDeviceFits({ maxBinding: engine.maxBinding, maxBufferSize: Number(engine.limits.maxBufferSize) }, this);
  }

  get isTrained(): boolean { return this.data !== null; }
  /** the kind of the refine copy, or null when the index keeps none */
  get refine(): RefineKind | null { return this.refineKind; }
  get ntotal(): number { return this.data ? this.data.listOffsets[this.nlist]! : 0; }
  get codeSize(): number { return this.pq.codeSize; }
  /** bytes per stored refine code (0 without a refine copy) */
  get refineBytes(): number { return this.refine ? refineBytesPerVector(this.refine, this.dim) : 0; }
  /** bytes per stored vector: its code, its refine code (if any) and its 4-byte id */
  get bytesPerVector(): number { return this.codeSize + this.refineBytes + 4; }

  /** Learns the (optional) rotation, the IVF centroids by k-means and the PQ codebooks on the residuals. */
  async train(vectors: VectorInput, opts: TrainOptions = {}): Promise<void> {
    this.checkLive();
    const { data: x, n } = toMatrix(vectors, this.dim, 'train vectors');
    const { gpu, host } = await trainTables(this.engine, this.coarse, this.pq, x, n, opts);
    this.setTables(gpu);
    this.setLists({
      metric: this.metric, dim: this.dim, nlist: this.nlist, m: this.m, bits: this.bits, ...host, ...emptyLists(this.nlist),
      ...(this.refine ? { refine: trainRefine(this.refine, x, n, this.dim) } : {}),
    });
  }

  /**
   * Gives a trained index that holds no vectors (after train() or reset()) a refine copy of `kind`, whose sq8 ranges
   * are learned from `vectors` (the training vectors; fp16 needs none); vectors added from then on get refine codes.
   * `null` drops the refine copy, whatever the index holds.
   */
  setRefine(kind: RefineKind | null, vectors?: VectorInput): void {
    this.checkLive();
    const data = this.requireTrained('setRefine');
    checkIndexOptions({ nlist: this.nlist, m: this.m, ...(kind !== null ? { refine: kind } : {}) });
    if (kind === null) {
      this.refineKind = null;
      this.data = { ...data, refine: undefined };
      return;
    }
    if (this.ntotal > 0) throw new InputError(`setRefine: the index holds ${this.ntotal} vectors without refine codes; call reset() first and add them again`);
    let refine;
    if (kind === 'sq8') {
      if (vectors === undefined) throw new InputError(`setRefine('sq8') needs the training vectors to learn the per-dimension ranges`);
      const { data: x, n } = toMatrix(vectors, this.dim, 'setRefine vectors');
      refine = trainRefine(kind, x, n, this.dim);
    } else {
      refine = trainRefine(kind, new Float32Array(0), 0, this.dim);
    }
    this.refineKind = kind;
    this.data = { ...data, refine };
  }

  /** Encodes vectors and appends them to their IVF lists. ids default to 0, 1, 2, ... in order of addition. */
  async add(vectors: VectorInput, ids?: ArrayLike<number>, opts: LongWorkOptions = {}): Promise<void> {
    this.checkLive();
    const data = this.requireTrained('add');
    await this.encodeInto(data, vectors, ids, 'add', opts);
  }

  /**
   * Replaces the stored vectors by `vectors` encoded with the current parameters (after setParameters());
   * ids default to 0, 1, 2, ... Atomic: on an error or cancellation the index keeps its previous contents.
   * Returns the IVF list of each vector (in the order given), which `opts.lists` takes back while the centroids
   * and the rotation stay the same.
   */
  async reencode(vectors: VectorInput, ids?: ArrayLike<number>, opts: ReencodeOptions = {}): Promise<Uint32Array> {
    this.checkLive();
    const data = this.requireTrained('reencode');
    return this.encodeInto({ ...data, ...emptyLists(this.nlist), ...emptyRefine(data) }, vectors, ids, 'reencode', opts, opts.lists);
  }

  /**
   * Searches the k nearest (ip: largest inner product; l2: smallest distance) among the probed lists. With
   * refineFactor R the refineFactor x k best by ADC are re-ranked by the exact score against the refine copy
   * (src/index/refine.ts), whose scores are returned.
   */
  async search(queries: VectorInput, opts: SearchOptions): Promise<SearchResult> {
    this.checkLive();
    const data = this.requireTrained('search');
    const { data: q, n: nq } = toMatrix(queries, this.dim, 'queries');
    const total = this.ntotal;
    if (total === 0) throw new Error('search: the index is empty (add vectors first)');
    checkSearchOptions(opts, undefined, this.refine);
    const { k, nprobe } = opts;
    if (k > total) throw new InputError(`k = ${k} is larger than the ${total} vectors in the index`);
    if (nprobe > this.nlist) throw new InputError(`nprobe = ${nprobe} is larger than the number of lists (${this.nlist})`);
    this.lists ??= GpuLists.upload(this.engine, data, total, this.pq);
    return searchLists(this.engine, {
      coarse: this.coarse, pq: this.pq, tables: this.tables!, lists: this.lists, hostListOffsets: data.listOffsets,
      refine: refineStage(data, opts.refineFactor),
    }, q, nq, k, nprobe, opts);
  }

  /** The index as a .dvq file image (docs/format.md). */
  toBytes(): Uint8Array {
    return toBytes(this.requireTrained('toBytes'));
  }

  /** Saves the index as a .dvq file (Node). Atomic: a crash mid-save never leaves a broken file in place. */
  async save(path: string): Promise<void> {
    const data = this.requireTrained('save');
    const files = await importNodeOnly<typeof import('../io/index-file.js')>('../io/index-file.js');
    await files.writeIndexData(path, data);
  }

  /**
   * Loads an index from a .dvq or Faiss IndexIVFPQ file: its bytes (Uint8Array / ArrayBuffer), a URL (fetched;
   * browsers and Node) or a file path (Node). `opts`: signal, maxBytes, timeoutMs, stallTimeoutMs (LoadOptions).
   */
  static async load(engine: Engine, source: IndexSource, opts: LoadOptions = {}): Promise<IvfPqIndexCore> {
    return IvfPqIndexCore.fromData(engine, await loadIndexData(source, opts));
  }

  /** A copy of the index as plain host data (what the file formats store). */
  toData(): IvfPqData {
    return copyData(this.requireTrained('toData'));
  }

  /** Makes an index from plain data (e.g. a loaded file); the arrays are copied. */
  static fromData(engine: Engine, data: IvfPqData): IvfPqIndexCore {
    return new IvfPqIndexCore(engine, optionsOf(data)).adopt(data);
  }

  /** The learned parameters: GPU buffers with their shapes and host copies (see IvfPqParameters). */
  parameters(): IvfPqParameters {
    this.checkLive();
    const d = this.requireTrained('parameters'), t = this.tables!;
    return {
      centroids: { buffer: t.centroids, shape: [this.nlist, this.dim], values: d.centroids.slice() },
      codebooks: { buffer: t.codebooks, shape: [this.m, this.ksub, this.dsub], values: d.codebooks.slice() },
      rotation: t.rotation && d.rotation ? { buffer: t.rotation, shape: [this.dim, this.dim], values: d.rotation.slice() } : null,
    };
  }

  /** Replaces the learned parameters (values are copied). The stored codes are left as they are: call reencode(). */
  setParameters(p: { centroids?: Float32Array; codebooks?: Float32Array; rotation?: Float32Array | null }): void {
    this.checkLive();
    const d = this.requireTrained('setParameters');
    const next: IvfPqData = { ...d };
    if (p.centroids) { if (p.centroids.length !== d.centroids.length) throw new InputError('centroids have the wrong size'); next.centroids = p.centroids.slice(); }
    if (p.codebooks) { if (p.codebooks.length !== d.codebooks.length) throw new InputError('codebooks have the wrong size'); next.codebooks = p.codebooks.slice(); }
    if (p.rotation !== undefined) {
      if (p.rotation) checkRotation(p.rotation, this.dim);
      next.rotation = p.rotation ? p.rotation.slice() : null;
    }
    checkTableValues(next, (msg) => { throw new InputError(`setParameters: ${msg}`); });
    this.setTables(GpuTables.upload(this.engine, next));
    this.data = next;
  }

  /** Removes all vectors, keeping the trained parameters. */
  reset(): void {
    const d = this.requireTrained('reset');
    this.setLists({ ...d, ...emptyLists(this.nlist), ...emptyRefine(d) });
  }

  /** Sizes of the inverted lists. */
  listSizes(): Uint32Array {
    return listSizes(this.requireTrained('listSizes').listOffsets, this.nlist);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.lists?.dispose();
    this.lists = null;
    this.setTables(null);
  }

  /** Takes a copy of `data` (checked) as the index's contents; for fromData() of this class and its subclasses. */
  protected adopt(data: IvfPqData): this {
    validateIvfPq(data, 'index data');
    if ((data.refine?.kind ?? null) !== this.refine) throw new InputError(`index data: refine copy ${data.refine?.kind ?? 'none'} where the index has ${this.refine ?? 'none'}`);
    const copy = copyData(data);
    this.setTables(GpuTables.upload(this.engine, copy));
    this.setLists(copy);
    return this;
  }

  protected requireTrained(what: string): IvfPqData {
    if (!this.data) throw new Error(`${what}: the index is not trained (call train() first)`);
    return this.data;
  }

  protected checkLive(): void {
    if (this.disposed) throw new Error('this index was disposed');
  }

  /** Encodes vectors and makes `into` plus them the index's contents (nothing changes if it fails). */
  private async encodeInto(into: IvfPqData, vectors: VectorInput, ids: ArrayLike<number> | undefined, what: string,
    opts: LongWorkOptions, known?: Uint32Array): Promise<Uint32Array> {
    const { data: x, n } = toMatrix(vectors, this.dim, `${what} vectors`);
    const newIds = toIds(ids, n, into.listOffsets[this.nlist]!, what);
    if (known) checkKnownLists(known, n, this.nlist, what);
    const refineCodes = into.refine ? encodeForRefine(into.refine, x, n, this.dim, what) : null;
    const enc = await encodeVectors(this.engine, this.coarse, this.pq, this.tables!, x, n, opts, known);
    this.setLists({
      ...into, ...mergeIntoLists(into, this.nlist, this.codeSize, enc.lists, enc.codes, newIds),
      ...(into.refine ? { refine: mergeRefine(into, enc.lists, refineCodes!, newIds) } : {}),
    });
    return enc.lists;
  }

  /** New host data; the GPU lists are uploaded again on the next search. */
  private setLists(data: IvfPqData | null): void {
    this.lists?.dispose();
    this.lists = null;
    this.data = data;
  }

  private setTables(t: GpuTables | null): void {
    this.tables?.dispose();
    this.tables = t;
  }
}

/**
 * Reads index data from bytes in memory, a URL (fetched; browsers and Node) or a Node file path; each holds a .dvq
 * file or a Faiss IndexIVFPQ file (told apart by the first bytes). `opts` bounds and cancels the read (LoadOptions).
 */
export async function loadIndexData(source: IndexSource, opts: LoadOptions = {}): Promise<IvfPqData> {
  throwIfAborted(opts.signal, typeof source === 'string' || source instanceof URL ? `loading ${String(source)}` : 'load');
  if (source instanceof Uint8Array) return parseIndexBytes(source);
  if (source instanceof ArrayBuffer) return parseIndexBytes(new Uint8Array(source));
  const s = String(source);
  if (source instanceof URL || /^(https?|blob|data):/.test(s) || typeof process === 'undefined') return fetchIndexData(s, opts);
  const files = await importNodeOnly<typeof import('../io/index-file.js')>('../io/index-file.js');
  return files.readIndexData(s, opts);
}

/** The constructor options of an index holding `data`. */
export function optionsOf(data: IvfPqData): IvfPqOptions {
  return { dim: data.dim, nlist: data.nlist, m: data.m, bits: data.bits as 8 | 4, metric: data.metric, ...(data.refine ? { refine: data.refine.kind } : {}) };
}

function copyData(d: IvfPqData): IvfPqData {
  return {
    ...d, rotation: d.rotation ? d.rotation.slice() : null, centroids: d.centroids.slice(), codebooks: d.codebooks.slice(),
    listOffsets: d.listOffsets.slice(), codes: d.codes.slice(), ids: d.ids.slice(),
    ...(d.refine ? { refine: { kind: d.refine.kind, ranges: d.refine.ranges.slice(), codes: d.refine.codes.slice() } } : {}),
  };
}

/** The lists a caller hands reencode(): one per vector, each < nlist. */
function checkKnownLists(lists: Uint32Array, n: number, nlist: number, what: string): void {
  if (!(lists instanceof Uint32Array)) throw new InputError(`${what}: lists must be a Uint32Array (what reencode() returned)`);
  if (lists.length !== n) throw new InputError(`${what}: lists has ${lists.length} entries for ${n} vectors`);
  for (let i = 0; i < n; i++) {
    if (lists[i]! >= nlist) throw new InputError(`${what}: lists[${i}] = ${lists[i]} is not a list (the index has ${nlist})`);
  }
}
