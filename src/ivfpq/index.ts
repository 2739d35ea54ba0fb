// IvfPqIndex: an inverted-file index with residual product quantization (as Faiss IndexIVFPQ), trained,
// filled and searched on the GPU. Host memory keeps the plain IvfPqData (what files hold); the GPU keeps the
// same tables for search.
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import { scores } from '../kernels/scores.js';
import { topk } from '../kernels/topk.js';
import { adcLut, adcL2Term, adcScan } from '../kernels/adc.js';
import { assignNearest } from '../kernels/kmeans.js';
import { trainKMeans } from '../quantizers/clustering.js';
import { mulberry32, sampleDistinct } from '../util/random.js';
import { residuals } from '../kernels/residuals.js';
import { pqEncode, wordsPerVector } from '../kernels/pq.js';
import { codeSize, type IvfPqData, type Metric, type SearchResult } from './types.js';
import { toMatrix, checkInt, type VectorInput } from './validate.js';
import { ProgressMeter, type LongWorkOptions, type Progress } from '../util/progress.js';
import { throwIfAborted } from '../util/abort.js';
import { distillIndex, type DistillOptions, type DistillReport } from './distill.js';
import { toBytes, fromBytes, validateIvfPq } from './format.js';

/** Imports a Node-only module by a name bundlers do not follow, so the browser build stays free of node:*. */
function importNodeOnly<T>(specifier: string): Promise<T> {
  const url = new URL(specifier, import.meta.url).href;
  return import(/* @vite-ignore */ url) as Promise<T>;
}

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
}

export interface TrainOptions extends LongWorkOptions {
  /** k-means iterations for the IVF centroids (Faiss IndexIVF: 10) */
  ivfIters?: number;
  /** k-means iterations for each PQ codebook (Faiss ProductQuantizer: 25) */
  pqIters?: number;
  seed?: number;
  /** learn an OPQ rotation first (as Faiss OPQ{m},IVF{nlist},PQ{m}) */
  opq?: boolean | { iters?: number };
  /** a rotation to use as is (dim x dim, y = A x) instead of learning one */
  rotation?: Float32Array;
}

export interface SearchOptions extends LongWorkOptions {
  k: number;
  nprobe: number;
}

interface GpuTables {
  centroids: GpuBuffer;
  codebooks: GpuBuffer;
  rotation: GpuBuffer | null;
  l2Term: GpuBuffer | null;
}

interface GpuDatabase {
  codes: GpuBuffer;
  ids: GpuBuffer;
  listOffsets: GpuBuffer;
}

export class IvfPqIndex {
  readonly dim: number;
  readonly nlist: number;
  readonly m: number;
  readonly bits: 8 | 4;
  readonly metric: Metric;
  readonly ksub: number;
  readonly dsub: number;
  private data: IvfPqData | null = null;
  private tables: GpuTables | null = null;
  private db: GpuDatabase | null = null;
  private disposed = false;

  constructor(readonly engine: Engine, opts: IvfPqOptions) {
    this.dim = checkInt(opts.dim, 'dim', 1, 65536);
    this.nlist = checkInt(opts.nlist, 'nlist', 1, 1 << 20);
    this.m = checkInt(opts.m, 'm', 1, this.dim);
    if (this.dim % this.m !== 0) throw new Error(`dim ${this.dim} is not divisible by m ${this.m}`);
    const bits = opts.bits ?? 8;
    if (bits !== 8 && bits !== 4) throw new Error(`bits must be 8 or 4, got ${String(bits)}`);
    this.bits = bits;
    const metric = opts.metric ?? 'ip';
    if (metric !== 'ip' && metric !== 'l2') throw new Error(`metric must be 'ip' or 'l2', got '${String(metric)}'`);
    this.metric = metric;
    this.ksub = 1 << bits;
    this.dsub = this.dim / this.m;
  }

  get isTrained(): boolean { return this.data !== null; }
  get ntotal(): number { return this.data ? this.data.listOffsets[this.nlist]! : 0; }
  get codeSize(): number { return codeSize(this.m, this.bits); }
  /** bytes per stored vector: its code plus its 4-byte id */
  get bytesPerVector(): number { return this.codeSize + 4; }
  private get metricCode(): 0 | 1 { return this.metric === 'ip' ? 0 : 1; }

  /** Learns the (optional) rotation, the IVF centroids by k-means and the PQ codebooks on the residuals. */
  async train(vectors: VectorInput, opts: TrainOptions = {}): Promise<void> {
    this.checkLive();
    const { data: x0, n } = toMatrix(vectors, this.dim, 'train vectors');
    if (n < this.nlist) throw new Error(`train vectors: ${n} vectors cannot train ${this.nlist} IVF lists (need at least as many vectors as lists)`);
    if (n < this.ksub) throw new Error(`train vectors: ${n} vectors cannot train ${this.ksub} PQ codewords per sub-space (need at least ${this.ksub})`);
    const seed = opts.seed ?? 1234;
    const e = this.engine;
    // Faiss trains k-means on at most 256 points per centroid; the PQ sees the same set.
    const maxRows = Math.min(n, 256 * Math.max(this.nlist, this.ksub), Math.floor(e.maxBinding / (this.dim * 4)));
    const x = n > maxRows ? sampleRows(x0, n, this.dim, maxRows, seed) : x0;
    const nt = Math.min(n, maxRows);
    const temps: GpuBuffer[] = [];
    const keep: GpuBuffer[] = [];
    try {
      let rotation: Float32Array | null = null;
      if (opts.rotation) {
        if (opts.rotation.length !== this.dim * this.dim) throw new Error(`rotation must be ${this.dim} x ${this.dim}`);
        rotation = opts.rotation;
      } else if (opts.opq) {
        const { trainOpq } = await import('./opq.js');
        const iters = typeof opts.opq === 'object' ? opts.opq.iters : undefined;
        rotation = await trainOpq(e, x, nt, this.dim, this.m, { ...(iters !== undefined ? { iters } : {}), seed, bits: this.bits, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
      }
      throwIfAborted(opts.signal);
      const rotBuf = rotation ? e.upload(rotation, 'rotation') : null;
      if (rotBuf) keep.push(rotBuf);
      const xb = e.upload(x, 'train vectors');
      temps.push(xb);
      let xr = xb;
      if (rotBuf) { xr = e.buffer(nt * this.dim * 4, 'rotated'); temps.push(xr); this.rotateInto(xb, rotBuf, xr, nt); }
      const centroids = await trainKMeans(e, xr, {
        n: nt, dsub: this.dim, k: this.nlist, metric: this.metric, iters: opts.ivfIters ?? 10, seed, spherical: this.metric === 'ip',
        ...(opts.onProgress ? { onProgress: (p: Progress) => opts.onProgress!({ ...p, phase: 'ivf k-means' }) } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      keep.push(centroids);
      const assign = e.buffer(nt * 4, 'assign'), best = e.buffer(nt * 4, 'best');
      const res = e.buffer(nt * this.dim * 4, 'residuals');
      temps.push(assign, best, res);
      assignNearest(e, xr, centroids, assign, best, nt, 1, this.nlist, this.dim, this.metricCode);
      residuals(e, xr, centroids, assign, res, nt, this.dim);
      const codebooks = await trainKMeans(e, res, {
        n: nt, groups: this.m, dsub: this.dsub, k: this.ksub, metric: 'l2', iters: opts.pqIters ?? 25, seed: seed + 1,
        ...(opts.onProgress ? { onProgress: (p: Progress) => opts.onProgress!({ ...p, phase: 'pq k-means' }) } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      keep.push(codebooks);
      const [cHost, bHost] = [await e.read(centroids, Float32Array, 0, this.nlist * this.dim * 4), await e.read(codebooks, Float32Array, 0, this.m * this.ksub * this.dsub * 4)];
      throwIfAborted(opts.signal);
      this.setTables({ centroids, codebooks, rotation: rotBuf, l2Term: null });
      keep.length = 0;
      this.disposeDb();
      this.data = {
        metric: this.metric, dim: this.dim, nlist: this.nlist, m: this.m, bits: this.bits,
        rotation: rotation ? Float32Array.from(rotation) : null, centroids: cHost, codebooks: bHost,
        listOffsets: new Uint32Array(this.nlist + 1), codes: new Uint8Array(0), ids: new Int32Array(0),
      };
    } finally {
      for (const b of temps) b.dispose();
      for (const b of keep) b.dispose();
    }
  }

  /** Encodes vectors and appends them to their IVF lists. ids default to 0, 1, 2, ... in order of addition. */
  async add(vectors: VectorInput, ids?: ArrayLike<number>, opts: LongWorkOptions = {}): Promise<void> {
    this.checkLive();
    const data = this.requireTrained('add');
    const { data: x, n } = toMatrix(vectors, this.dim, 'add vectors');
    const start = this.ntotal;
    const newIds = new Int32Array(n);
    if (ids) {
      if (ids.length !== n) throw new Error(`add: ${ids.length} ids given for ${n} vectors`);
      for (let i = 0; i < n; i++) {
        const v = ids[i]!;
        if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new Error(`add: id ${v} at position ${i} is not a non-negative 32-bit integer`);
        newIds[i] = v;
      }
    } else {
      if (start + n > 0x7fffffff) throw new Error('add: more than 2^31 vectors');
      for (let i = 0; i < n; i++) newIds[i] = start + i;
    }
    const e = this.engine, t = this.tables!;
    const cs = this.codeSize, wpv = wordsPerVector(this.m, this.bits);
    const chunk = Math.max(1, Math.min(n, 65536, Math.floor(e.maxBinding / (this.dim * 4))));
    const assignAll = new Uint32Array(n);
    const codesAll = new Uint8Array(n * cs);
    const meter = new ProgressMeter('add', n, opts.onProgress);
    const xb = e.buffer(chunk * this.dim * 4, 'add vectors');
    const xr = t.rotation ? e.buffer(chunk * this.dim * 4, 'add rotated') : null;
    const best = e.buffer(chunk * 4, 'add best');
    const res = e.buffer(chunk * this.dim * 4, 'add residuals');
    // codes and list assignments share one buffer so each chunk needs a single readback
    const assignAt = Math.ceil((chunk * wpv * 4) / 256) * 256;
    const encoded = e.buffer(assignAt + chunk * 4, 'add codes + assign');
    const codes = encoded.slice(0, chunk * wpv * 4), assign = encoded.slice(assignAt, chunk * 4);
    try {
      for (let r0 = 0; r0 < n; r0 += chunk) {
        throwIfAborted(opts.signal);
        const rows = Math.min(chunk, n - r0);
        e.write(xb, x.subarray(r0 * this.dim, (r0 + rows) * this.dim));
        let src: GpuBuffer = xb;
        if (xr && t.rotation) { this.rotateInto(xb, t.rotation, xr, rows); src = xr; }
        assignNearest(e, src, t.centroids, assign, best, rows, 1, this.nlist, this.dim, this.metricCode);
        residuals(e, src, t.centroids, assign, res, rows, this.dim);
        pqEncode(e, res, t.codebooks, codes, rows, this.m, this.bits, this.dsub);
        const bytes = await e.read(encoded, Uint8Array, 0, assignAt + rows * 4);
        assignAll.set(new Uint32Array(bytes.buffer, assignAt, rows), r0);
        const words = bytes.subarray(0, rows * wpv * 4);
        for (let i = 0; i < rows; i++) codesAll.set(words.subarray(i * wpv * 4, i * wpv * 4 + cs), (r0 + i) * cs);
        meter.report(r0 + rows);
      }
    } finally {
      for (const b of [xb, xr, best, res, encoded]) b?.dispose();
    }
    this.data = mergeIntoLists(data, assignAll, codesAll, newIds);
    this.disposeDb();
  }

  /** Searches the k nearest (ip: largest inner product; l2: smallest distance) among the probed lists. */
  async search(queries: VectorInput, opts: SearchOptions): Promise<SearchResult> {
    this.checkLive();
    this.requireTrained('search');
    const { data: q, n: nq } = toMatrix(queries, this.dim, 'queries');
    const total = this.ntotal;
    if (total === 0) throw new Error('search: the index is empty (add vectors first)');
    const k = checkInt(opts.k, 'k', 1, 1024);
    if (k > total) throw new Error(`k = ${k} is larger than the ${total} vectors in the index`);
    const nprobe = checkInt(opts.nprobe, 'nprobe', 1);
    if (nprobe > this.nlist) throw new Error(`nprobe = ${nprobe} is larger than the number of lists (${this.nlist})`);
    const e = this.engine, t = this.tables!, db = this.database();
    const l2Term = this.metric === 'l2' ? this.l2Term() : null;
    const perQuery = Math.max(this.m * this.ksub, this.nlist, this.dim, nprobe * Math.max(k, 1)) * 4;
    const qc = Math.max(1, Math.min(nq, 1024, Math.floor(e.maxBinding / perQuery)));
    const outIds = new Int32Array(nq * k), outScores = new Float32Array(nq * k);
    const qb = e.buffer(qc * this.dim * 4, 'queries');
    const qr = t.rotation ? e.buffer(qc * this.dim * 4, 'rotated queries') : null;
    const coarse = e.buffer(qc * this.nlist * 4, 'coarse scores');
    const probes = e.buffer(qc * nprobe * 4, 'probes'), probeScores = e.buffer(qc * nprobe * 4, 'probe scores');
    const lut = e.buffer(qc * this.m * this.ksub * 4, 'lut');
    // scores and ids share one buffer so each chunk needs a single readback
    const idsAt = Math.ceil((qc * k * 4) / 256) * 256;
    const results = e.buffer(idsAt + qc * k * 4, 'results');
    const resScores = results.slice(0, qc * k * 4), resIds = results.slice(idsAt, qc * k * 4);
    const meter = new ProgressMeter('search', nq, opts.onProgress);
    try {
      for (let q0 = 0; q0 < nq; q0 += qc) {
        throwIfAborted(opts.signal);
        const rows = Math.min(qc, nq - q0);
        e.write(qb, q.subarray(q0 * this.dim, (q0 + rows) * this.dim));
        let src: GpuBuffer = qb;
        if (qr && t.rotation) { this.rotateInto(qb, t.rotation, qr, rows); src = qr; }
        scores(e, src, t.centroids, coarse, rows, this.nlist, this.dim, this.metricCode);
        topk(e, coarse, probeScores, probes, rows, this.nlist, nprobe, this.metric === 'ip');
        adcLut(e, src, t.codebooks, lut, rows, this.m, this.ksub, this.dsub);
        adcScan(e, {
          lut, probes, coarse: probeScores, listOffsets: db.listOffsets, codes: db.codes, ids: db.ids,
          ...(l2Term ? { l2Term } : {}), outScores: resScores, outIds: resIds,
          nq: rows, nprobe, nlist: this.nlist, m: this.m, bits: this.bits, k, metric: this.metric,
          hostListOffsets: this.data!.listOffsets,
        });
        const bytes = await e.read(results, Uint8Array, 0, idsAt + rows * k * 4);
        outScores.set(new Float32Array(bytes.buffer, 0, rows * k), q0 * k);
        outIds.set(new Int32Array(bytes.buffer, idsAt, rows * k), q0 * k);
        meter.report(q0 + rows);
      }
    } finally {
      for (const b of [qb, qr, coarse, probes, probeScores, lut, results]) b?.dispose();
    }
    return { ids: outIds, scores: outScores, k, nq };
  }

  /** The index as a .dvq file image (docs/format.md). */
  toBytes(): Uint8Array {
    return toBytes(this.requireTrained('toBytes'));
  }

  /** Saves the index as a .dvq file (Node). Atomic: a crash mid-save never leaves a broken file in place. */
  async save(path: string): Promise<void> {
    const data = this.requireTrained('save');
    const persist = await importNodeOnly<typeof import('./persist.js')>('./persist.js');
    await persist.writeIndexData(path, data);
  }

  /**
   * Loads an index from a .dvq file image (Uint8Array / ArrayBuffer), a URL (fetched; browsers and Node) or a
   * file path (Node; Faiss IndexIVFPQ files are recognised too).
   */
  static async load(engine: Engine, source: Uint8Array | ArrayBuffer | URL | string): Promise<IvfPqIndex> {
    if (source instanceof Uint8Array) return IvfPqIndex.fromData(engine, fromBytes(source));
    if (source instanceof ArrayBuffer) return IvfPqIndex.fromData(engine, fromBytes(new Uint8Array(source)));
    const s = String(source);
    if (source instanceof URL || /^(https?|blob|data):/.test(s) || typeof process === 'undefined') {
      const res = await fetch(s);
      if (!res.ok) throw new Error(`cannot fetch index ${s}: HTTP ${res.status}`);
      return IvfPqIndex.fromData(engine, fromBytes(new Uint8Array(await res.arrayBuffer())));
    }
    const persist = await importNodeOnly<typeof import('./persist.js')>('./persist.js');
    return IvfPqIndex.fromData(engine, await persist.readIndexData(s));
  }

  /**
   * Distill-VQ: learns the IVF centroids and PQ codebooks so the index reproduces the ranking of the exact
   * inner products of `base` (the teacher) for unlabeled training queries, then re-encodes `base`.
   * See src/ivfpq/distill.ts and DistillOptions.
   */
  async distill(opts: DistillOptions): Promise<DistillReport> {
    this.checkLive();
    this.requireTrained('distill');
    return distillIndex(this, opts);
  }

  /** A copy of the index as plain host data (what the file formats store). */
  toData(): IvfPqData {
    const d = this.requireTrained('toData');
    return {
      ...d,
      rotation: d.rotation ? d.rotation.slice() : null, centroids: d.centroids.slice(), codebooks: d.codebooks.slice(),
      listOffsets: d.listOffsets.slice(), codes: d.codes.slice(), ids: d.ids.slice(),
    };
  }

  /** Makes an index from plain data (e.g. a loaded file); the arrays are copied. */
  static fromData(engine: Engine, data: IvfPqData): IvfPqIndex {
    const idx = new IvfPqIndex(engine, { dim: data.dim, nlist: data.nlist, m: data.m, bits: data.bits as 8 | 4, metric: data.metric });
    validateIvfPq(data, 'index data');
    const copy: IvfPqData = {
      ...data, rotation: data.rotation ? data.rotation.slice() : null, centroids: data.centroids.slice(),
      codebooks: data.codebooks.slice(), listOffsets: data.listOffsets.slice(), codes: data.codes.slice(), ids: data.ids.slice(),
    };
    idx.setTables({
      centroids: engine.upload(copy.centroids, 'centroids'),
      codebooks: engine.upload(copy.codebooks, 'codebooks'),
      rotation: copy.rotation ? engine.upload(copy.rotation, 'rotation') : null,
      l2Term: null,
    });
    idx.data = copy;
    return idx;
  }

  /** Replaces the learned parameters (used by distillation); re-encoding is the caller's business. */
  setParameters(p: { centroids?: Float32Array; codebooks?: Float32Array; rotation?: Float32Array | null }): void {
    const d = this.requireTrained('setParameters');
    const next: IvfPqData = { ...d };
    if (p.centroids) { if (p.centroids.length !== d.centroids.length) throw new Error('centroids have the wrong size'); next.centroids = p.centroids.slice(); }
    if (p.codebooks) { if (p.codebooks.length !== d.codebooks.length) throw new Error('codebooks have the wrong size'); next.codebooks = p.codebooks.slice(); }
    if (p.rotation !== undefined) {
      if (p.rotation && p.rotation.length !== this.dim * this.dim) throw new Error('rotation has the wrong size');
      next.rotation = p.rotation ? p.rotation.slice() : null;
    }
    const e = this.engine;
    this.setTables({
      centroids: e.upload(next.centroids, 'centroids'), codebooks: e.upload(next.codebooks, 'codebooks'),
      rotation: next.rotation ? e.upload(next.rotation, 'rotation') : null, l2Term: null,
    });
    this.data = next;
  }

  /** Removes all vectors, keeping the trained parameters. */
  reset(): void {
    const d = this.requireTrained('reset');
    this.data = { ...d, listOffsets: new Uint32Array(this.nlist + 1), codes: new Uint8Array(0), ids: new Int32Array(0) };
    this.disposeDb();
  }

  /** Sizes of the inverted lists. */
  listSizes(): Uint32Array {
    const d = this.requireTrained('listSizes');
    const s = new Uint32Array(this.nlist);
    for (let l = 0; l < this.nlist; l++) s[l] = d.listOffsets[l + 1]! - d.listOffsets[l]!;
    return s;
  }

  /** GPU buffers of the learned parameters (read-only use: distillation starts from them). */
  gpuTables(): Readonly<GpuTables> {
    this.requireTrained('gpuTables');
    return this.tables!;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.disposeDb();
    this.setTables(null);
  }

  /** out = rows of x rotated (y = A x for each row; the scores kernel against A's rows). */
  private rotateInto(x: GpuBuffer, rot: GpuBuffer, out: GpuBuffer, rows: number): void {
    scores(this.engine, x, rot, out, rows, this.dim, this.dim, 0);
  }

  private l2Term(): GpuBuffer {
    const t = this.tables!;
    if (!t.l2Term) {
      t.l2Term = this.engine.buffer(this.nlist * this.m * this.ksub * 4, 'l2 term');
      adcL2Term(this.engine, t.centroids, t.codebooks, t.l2Term, this.nlist, this.m, this.ksub, this.dsub);
    }
    return t.l2Term;
  }

  private database(): GpuDatabase {
    if (this.db) return this.db;
    const d = this.data!, e = this.engine;
    const n = this.ntotal, cs = this.codeSize, wpv = wordsPerVector(this.m, this.bits);
    if (n * wpv * 4 > e.maxBinding) {
      throw new Error(`the index's codes (${n * wpv * 4} bytes) exceed this device's maxStorageBufferBindingSize (${e.maxBinding}); split the database over several indexes`);
    }
    let words: Uint8Array;
    if (cs === wpv * 4) words = d.codes;
    else {
      words = new Uint8Array(n * wpv * 4);
      for (let i = 0; i < n; i++) words.set(d.codes.subarray(i * cs, (i + 1) * cs), i * wpv * 4);
    }
    this.db = {
      codes: e.upload(words, 'codes'),
      ids: e.upload(d.ids, 'ids'),
      listOffsets: e.upload(d.listOffsets, 'list offsets'),
    };
    return this.db;
  }

  private setTables(t: GpuTables | null): void {
    if (this.tables) {
      for (const b of [this.tables.centroids, this.tables.codebooks, this.tables.rotation, this.tables.l2Term]) b?.dispose();
    }
    this.tables = t;
  }

  private disposeDb(): void {
    if (!this.db) return;
    this.db.codes.dispose(); this.db.ids.dispose(); this.db.listOffsets.dispose();
    this.db = null;
  }

  private requireTrained(what: string): IvfPqData {
    if (!this.data) throw new Error(`${what}: the index is not trained (call train() first)`);
    return this.data;
  }

  private checkLive(): void {
    if (this.disposed) throw new Error('this index was disposed');
  }
}

/** Inserts new vectors into the lists; within a list, older vectors come first. */
function mergeIntoLists(d: IvfPqData, assign: Uint32Array, codes: Uint8Array, ids: Int32Array): IvfPqData {
  const cs = codeSize(d.m, d.bits), nl = d.nlist;
  const oldN = d.listOffsets[nl]!, n = assign.length;
  const counts = new Uint32Array(nl);
  for (let l = 0; l < nl; l++) counts[l] = d.listOffsets[l + 1]! - d.listOffsets[l]!;
  for (let i = 0; i < n; i++) counts[assign[i]!]!++;
  const offsets = new Uint32Array(nl + 1);
  for (let l = 0; l < nl; l++) offsets[l + 1] = offsets[l]! + counts[l]!;
  const outCodes = new Uint8Array((oldN + n) * cs), outIds = new Int32Array(oldN + n);
  const cursor = offsets.slice(0, nl);
  for (let l = 0; l < nl; l++) {
    const a = d.listOffsets[l]!, b = d.listOffsets[l + 1]!;
    outCodes.set(d.codes.subarray(a * cs, b * cs), cursor[l]! * cs);
    outIds.set(d.ids.subarray(a, b), cursor[l]!);
    cursor[l]! += b - a;
  }
  for (let i = 0; i < n; i++) {
    const l = assign[i]!, at = cursor[l]!++;
    outCodes.set(codes.subarray(i * cs, (i + 1) * cs), at * cs);
    outIds[at] = ids[i]!;
  }
  return { ...d, listOffsets: offsets, codes: outCodes, ids: outIds };
}

function sampleRows(x: Float32Array, n: number, d: number, count: number, seed: number): Float32Array {
  const rows = sampleDistinct(n, count, mulberry32(seed));
  const out = new Float32Array(count * d);
  rows.forEach((r, i) => out.set(x.subarray(r * d, r * d + d), i * d));
  return out;
}
