// Faiss IndexIVFPQ interop (browser-safe): writes the bytes faiss.write_index writes for an IndexIVFPQ ("IwPQ",
// with a flat quantizer and ArrayInvertedLists "ilar"), wrapped in an IndexPreTransform ("IxPT") holding one
// LinearTransform ("LTra") when the index has a rotation; and reads such files back, including files written by
// Faiss itself (Faiss 1.7.x layout, which current Faiss still writes for these classes). The reader (readFaiss)
// runs incrementally over a ByteQueue like the .dvq one: each vector length is checked before it is allocated, and
// every failure is a FaissFormatError whose message starts with "faiss:" (after the source's name, if any).
// Layout (all little-endian; size_t / idx_t are 64-bit; bool is 1 byte; int and MetricType are 32-bit):
//   index header: int d, idx_t ntotal, idx_t dummy, idx_t dummy, bool is_trained, int metric[, float metric_arg if metric > 1]
//   vector<T>: size_t count, count * T
//   IxFI/IxF2/IxFl: header, vector<float> codes (as floats: count = ntotal * d)
//   IwPQ: header, size_t nlist, size_t nprobe, quantizer index, char direct_map_type, vector<idx_t> direct_map,
//         bool by_residual, size_t code_size, PQ (size_t d, size_t M, size_t nbits, vector<float> centroids),
//         invlists ("ilar": size_t nlist, size_t code_size, fourcc "full" + vector<size_t> sizes[nlist] or
//         "sprs" + vector<size_t> (list, size) pairs; then per non-empty list: codes, then idx_t ids)
//   IxPT: header, int nt, nt x VectorTransform, inner index
//   LTra: fourcc, bool have_bias, vector<float> A (d_out x d_in), vector<float> b, int d_in, int d_out, bool is_trained
//   IxRF (IndexRefine; written for an index with a refine copy): header, base index, refine index, float k_factor
//   IxSQ (IndexScalarQuantizer): header, int qtype, int rangestat, float rangestat_arg, size_t d, size_t code_size,
//         vector<float> trained, vector<uint8> codes (row i = the vector with id i)
import { INDEX_LIMITS, validateIvfPq, type IvfPqData } from './ivfpq-data.js';
import { codeSize } from '../quantizers/product.js';
import { refineBytesPerVector } from '../quantizers/scalar.js';
import { FaissFormatError, InputError, type Fail } from '../util/errors.js';
import { parseWhole, type ByteQueue, type Parser } from './byte-queue.js';

const fourcc = (s: string): number => s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | ((s.charCodeAt(3) << 24) >>> 0);
const fourccName = (h: number): string => {
  const c = [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, h >>> 24];
  return c.every((x) => x >= 32 && x < 127) ? String.fromCharCode(...c) : `0x${(h >>> 0).toString(16).padStart(8, '0')}`;
};

// ---------------------------------------------------------------------------------------------------- writer
class Writer {
  private buf = new Uint8Array(1 << 16);
  private dv = new DataView(this.buf.buffer);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
    this.dv = new DataView(nb.buffer);
  }
  u8(v: number): void { this.ensure(1); this.buf[this.len++] = v; }
  i32(v: number): void { this.ensure(4); this.dv.setInt32(this.len, v, true); this.len += 4; }
  u32(v: number): void { this.ensure(4); this.dv.setUint32(this.len, v, true); this.len += 4; }
  u64(v: number): void { this.ensure(8); this.dv.setBigUint64(this.len, BigInt(v), true); this.len += 8; }
  i64(v: number): void { this.ensure(8); this.dv.setBigInt64(this.len, BigInt(v), true); this.len += 8; }
  f32(v: number): void { this.ensure(4); this.dv.setFloat32(this.len, v, true); this.len += 4; }
  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.len); this.len += b.length; }
  floats(a: Float32Array): void { this.ensure(4 * a.length); for (let i = 0; i < a.length; i++) this.f32(a[i]!); }
  fvec(a: Float32Array): void { this.u64(a.length); this.floats(a); }
  result(): Uint8Array { return this.buf.slice(0, this.len); }
}

function writeHeader(w: Writer, d: number, ntotal: number, metric: number): void {
  w.i32(d); w.i64(ntotal); w.i64(1 << 20); w.i64(1 << 20); w.u8(1); w.i32(metric);
}

export interface FaissWriteOptions {
  /** nprobe stored in the file (Faiss default 1) */
  nprobe?: number;
  /** an index with a refine copy: the IndexRefine's k_factor stored in the file (Faiss default 1) */
  refineFactor?: number;
}

/** Faiss ScalarQuantizer::QuantizerType of each refine kind */
const FAISS_QTYPE = { sq8: 0, fp16: 4 } as const;

/**
 * Serializes an index as a Faiss IndexIVFPQ file (IndexPreTransform + LinearTransform when it has a rotation),
 * byte for byte what faiss.write_index writes for the same index. An index with a refine copy is written as
 * Faiss's IndexRefine ('IxRF') of that index and an IndexScalarQuantizer ('IxSQ', QT_8bit or QT_fp16) holding
 * the refine codes; Faiss finds a candidate's refine code by its id, so this needs the ids to be 0 .. ntotal-1
 * (in any list order), and refuses other ids with an InputError.
 */
export function toFaissBytes(data: IvfPqData, opts: FaissWriteOptions = {}): Uint8Array {
  validateIvfPq(data, 'toFaissBytes');
  const { dim, nlist, m, bits } = data;
  const metric = data.metric === 'ip' ? 0 : 1;
  const n = data.listOffsets[nlist]!;
  const cs = codeSize(m, bits);
  const nprobe = opts.nprobe ?? 1;
  if (!Number.isInteger(nprobe) || nprobe < 1) throw new Error(`toFaissBytes: nprobe ${nprobe} must be a positive integer`);
  const kFactor = opts.refineFactor ?? 1;
  if (!Number.isInteger(kFactor) || kFactor < 1) throw new Error(`toFaissBytes: refineFactor ${kFactor} must be a positive integer`);
  const refineRows = data.refine ? refineRowsById(data) : null;
  const w = new Writer();
  if (data.refine) {
    w.u32(fourcc('IxRF'));
    writeHeader(w, dim, n, metric);
  }
  if (data.rotation) {
    w.u32(fourcc('IxPT'));
    writeHeader(w, dim, n, metric);
    w.i32(1);
    w.u32(fourcc('LTra'));
    w.u8(0); // have_bias
    w.fvec(data.rotation);
    w.u64(0); // b (empty)
    w.i32(dim); w.i32(dim); w.u8(1); // d_in, d_out, is_trained
  }
  w.u32(fourcc('IwPQ'));
  writeHeader(w, dim, n, metric);
  w.u64(nlist); w.u64(nprobe);
  w.u32(fourcc(metric === 0 ? 'IxFI' : 'IxF2'));
  writeHeader(w, dim, nlist, metric);
  w.fvec(data.centroids);
  w.u8(0); w.u64(0); // direct map: none, empty array
  w.u8(1); // by_residual
  w.u64(cs);
  w.u64(dim); w.u64(m); w.u64(bits);
  w.fvec(data.codebooks);
  w.u32(fourcc('ilar'));
  w.u64(nlist); w.u64(cs);
  let nonEmpty = 0;
  for (let l = 0; l < nlist; l++) if (data.listOffsets[l + 1]! > data.listOffsets[l]!) nonEmpty++;
  if (nonEmpty > Math.floor(nlist / 2)) {
    w.u32(fourcc('full'));
    w.u64(nlist);
    for (let l = 0; l < nlist; l++) w.u64(data.listOffsets[l + 1]! - data.listOffsets[l]!);
  } else {
    w.u32(fourcc('sprs'));
    w.u64(2 * nonEmpty);
    for (let l = 0; l < nlist; l++) {
      const s = data.listOffsets[l + 1]! - data.listOffsets[l]!;
      if (s > 0) { w.u64(l); w.u64(s); }
    }
  }
  for (let l = 0; l < nlist; l++) {
    const a = data.listOffsets[l]!, b = data.listOffsets[l + 1]!;
    if (b === a) continue;
    w.bytes(data.codes.subarray(a * cs, b * cs));
    for (let i = a; i < b; i++) w.i64(data.ids[i]!);
  }
  if (data.refine && refineRows) {
    const r = data.refine;
    w.u32(fourcc('IxSQ'));
    writeHeader(w, dim, n, metric);
    w.i32(FAISS_QTYPE[r.kind]); w.i32(0); w.f32(0); // qtype, rangestat RS_minmax, rangestat_arg
    w.u64(dim); w.u64(refineBytesPerVector(r.kind, dim));
    w.fvec(r.ranges);
    w.u64(refineRows.length);
    w.bytes(refineRows);
    w.f32(kFactor);
  }
  return w.result();
}

/** The refine codes in id order (row i: the vector with id i); an InputError unless the ids are 0 .. ntotal-1. */
function refineRowsById(data: IvfPqData): Uint8Array {
  const r = data.refine!, n = data.ids.length, bpv = refineBytesPerVector(r.kind, data.dim);
  const out = new Uint8Array(r.codes.length), seen = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const id = data.ids[p]!;
    if (id >= n || seen[id]) {
      throw new InputError(`toFaissBytes: the refine copy can only be written (as a Faiss IndexRefine) when the ids are 0 .. ntotal-1, since Faiss finds a vector's refine code by its id; id ${id} at position ${p} is ${id >= n ? `not below ntotal ${n}` : 'repeated'}. Export without it: { ...data, refine: undefined }`);
    }
    seen[id] = 1;
    out.set(r.codes.subarray(p * bpv, (p + 1) * bpv), id * bpv);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------- reader
/** The function that throws a FaissFormatError "<name>: faiss: <message>" (no name for bytes in memory). */
export function faissFail(name?: string): Fail {
  const prefix = name ? `${name}: faiss` : 'faiss';
  return (msg) => { throw new FaissFormatError(`${prefix}: ${msg}`); };
}

/** A 64-bit size field that must be at most `max` (a safe non-negative number). */
function* size(q: ByteQueue, what: string, max = Number.MAX_SAFE_INTEGER): Parser<number> {
  const v = yield* q.u64(what);
  if (v > BigInt(max)) q.fail(`${what} is ${v}, more than the allowed ${max}`);
  return Number(v);
}

/** A vector's element count, checked against the bytes the source may still hold before anything is allocated. */
function* count(q: ByteQueue, what: string, elemBytes: number): Parser<number> {
  const n = yield* size(q, `${what} length`);
  const { bytes: left, exact } = q.left;
  if (n * elemBytes > INDEX_LIMITS.maxArrayBytes) q.fail(`${what} claims ${n} elements (${n * elemBytes} bytes), over the ${INDEX_LIMITS.maxArrayBytes}-byte limit of one array`);
  if (n * elemBytes > left) {
    // past the source's known length the file is malformed; past maxBytes (length unknown) it is too big
    if (!exact) q.tooBig(q.position + n * elemBytes);
    q.fail(`${what} claims ${n} elements (${n * elemBytes} bytes) but only ${left} bytes are left`);
  }
  return n;
}

/** A vector<float> whose length must be `expected` (checked before it is allocated). */
function* floatsOf(q: ByteQueue, what: string, expected: number, detail: string): Parser<Float32Array> {
  const n = yield* count(q, what, 4);
  if (n !== expected) q.fail(`${what} has ${n} floats, expected ${detail}`);
  return yield* q.fill(new Float32Array(n), what);
}

interface Header { d: number; ntotal: number; isTrained: boolean; metric: number }

function* readHeader(q: ByteQueue, what: string): Parser<Header> {
  const d = yield* q.i32(`${what} d`);
  if (d < 1 || d > INDEX_LIMITS.maxDim) q.fail(`${what} dimension ${d} out of range 1..${INDEX_LIMITS.maxDim}`);
  const nt = yield* q.i64(`${what} ntotal`);
  if (nt < 0n || nt > BigInt(INDEX_LIMITS.maxNtotal)) q.fail(`${what} ntotal ${nt} out of range (0..2^31-1)`);
  yield* q.i64('dummy'); yield* q.i64('dummy');
  const isTrained = (yield* q.u8(`${what} is_trained`)) !== 0;
  const metric = yield* q.i32(`${what} metric_type`);
  if (metric > 1) yield* q.f32('metric_arg');
  return { d, ntotal: Number(nt), isTrained, metric };
}

/**
 * The one transform of an IndexPreTransform over dimension d: a square LinearTransform ('LTra', as OPQ writes it)
 * or RandomRotationMatrix ('rrot'). Like Faiss at search time, refuses a transform that is not trained and a bias
 * flag without d bias values; a non-zero bias cannot be held in IvfPqData.
 */
function* readRotation(q: ByteQueue, d: number): Parser<Float32Array> {
  const h = yield* q.u32('transform fourcc');
  if (h !== fourcc('LTra') && h !== fourcc('rrot')) {
    q.fail(`vector transform '${fourccName(h)}' is not supported (only a square LinearTransform 'LTra' / OPQ or RandomRotation 'rrot')`);
  }
  const haveBias = (yield* q.u8('have_bias')) !== 0;
  const A = yield* floatsOf(q, 'LinearTransform A', d * d, `${d} x ${d} (a square rotation of the index's dimension)`);
  const nb = yield* count(q, 'LinearTransform b', 4);
  if (nb !== 0 && nb !== d) q.fail(`LinearTransform b has ${nb} values, expected 0 or d_out ${d}`);
  const b = yield* q.fill(new Float32Array(nb), 'LinearTransform b');
  const dIn = yield* q.i32('d_in'), dOut = yield* q.i32('d_out');
  const trained = (yield* q.u8('transform is_trained')) !== 0;
  if (dIn !== dOut) q.fail(`LinearTransform is ${dOut} x ${dIn}, not square; only rotations are supported`);
  if (dIn !== d) q.fail(`LinearTransform is ${dOut} x ${dIn} but the IndexPreTransform has dimension ${d}`);
  if (!trained) q.fail('LinearTransform is_trained = 0 (Faiss refuses to apply it: "Transformation not trained")');
  if (haveBias && nb !== d) q.fail(`LinearTransform has_bias = 1 but ${nb} bias values for d_out ${d} (Faiss refuses to apply it: "Bias not initialized")`);
  if (haveBias && b.some((v) => v !== 0)) q.fail('LinearTransform has a non-zero bias, which IvfPqData cannot hold');
  return A;
}

/**
 * Reads a Faiss IndexIVFPQ file (optionally inside an IndexPreTransform with one rotation) from a ByteQueue whose
 * `fail` throws FaissFormatErrors (see faissFail). Each vector length is checked against what the header fields
 * imply and against the bytes the source may still hold before it is allocated; once the list sizes are read,
 * exactly the bytes of the codes and ids must follow.
 */
export function* readFaiss(q: ByteQueue): Parser<IvfPqData> {
  const fail = q.fail;
  let h = yield* q.u32('index fourcc');
  let rotation: Float32Array | null = null;
  let outer: Header | null = null;
  if (h === fourcc('IxPT')) {
    outer = yield* readHeader(q, 'IndexPreTransform');
    if (!outer.isTrained) fail('IndexPreTransform is_trained = 0 (Faiss refuses to search it)');
    const nt = yield* q.i32('chain length');
    if (nt !== 1) fail(`IndexPreTransform has ${nt} transforms; only exactly one rotation is supported`);
    rotation = yield* readRotation(q, outer.d);
    h = yield* q.u32('index fourcc');
  }
  if (h === fourcc('IvPQ') || h === fourcc('IvQR') || h === fourcc('IwQR')) fail(`index type '${fourccName(h)}' (legacy or IVFPQR) is not supported; re-save it as a plain IndexIVFPQ`);
  if (h !== fourcc('IwPQ')) fail(`index type '${fourccName(h)}' is not an IndexIVFPQ ('IwPQ')`);
  const ih = yield* readHeader(q, 'IndexIVFPQ');
  if (ih.metric !== 0 && ih.metric !== 1) fail(`metric type ${ih.metric} not supported (inner product 0 or L2 1)`);
  if (!ih.isTrained) fail('the index is not trained');
  const dim = ih.d;
  if (outer && outer.d !== dim) fail(`the IndexPreTransform has dimension ${outer.d} but the IndexIVFPQ ${dim}`);
  if (outer && outer.ntotal !== ih.ntotal) fail(`the IndexPreTransform says ntotal ${outer.ntotal} but the IndexIVFPQ holds ${ih.ntotal}`);
  const nlist = yield* size(q, 'nlist', INDEX_LIMITS.maxNlist);
  if (nlist < 1) fail('nlist is 0');
  yield* size(q, 'nprobe');
  const qh = yield* q.u32('quantizer fourcc');
  if (qh !== fourcc('IxFI') && qh !== fourcc('IxF2') && qh !== fourcc('IxFl')) fail(`coarse quantizer '${fourccName(qh)}' is not supported (a flat index IxFI/IxF2/IxFl is needed)`);
  const qhd = yield* readHeader(q, 'quantizer');
  if (qhd.metric !== ih.metric) fail(`quantizer metric ${qhd.metric} differs from the index metric ${ih.metric}`);
  if (qhd.d !== dim || qhd.ntotal !== nlist) fail(`quantizer holds ${qhd.ntotal} x ${qhd.d} centroids, expected ${nlist} x ${dim}`);
  const centroids = yield* floatsOf(q, 'quantizer centroids', nlist * dim, `nlist x d = ${nlist * dim}`);
  const dmType = yield* q.u8('direct map type');
  const dmLen = yield* count(q, 'direct map', 8);
  yield* q.skip(dmLen * 8, 'direct map');
  if (dmType === 2) { const hl = yield* count(q, 'direct map hashtable', 16); yield* q.skip(hl * 16, 'direct map hashtable'); }
  const byResidual = (yield* q.u8('by_residual')) !== 0;
  if (!byResidual) fail('by_residual = false is not supported (IvfPqData codes are residuals)');
  const cs = yield* size(q, 'code_size', 1 << 20);
  const pqD = yield* size(q, 'pq d', 1 << 20), m = yield* size(q, 'pq M', 1 << 20), bits = yield* size(q, 'pq nbits', 64);
  if (pqD !== dim) fail(`PQ dimension ${pqD} differs from the index dimension ${dim}`);
  if (bits !== 4 && bits !== 8) fail(`PQ nbits ${bits} not supported (4 or 8)`);
  if (m < 1 || dim % m !== 0) fail(`PQ M ${m} does not divide dimension ${dim}`);
  if (cs !== codeSize(m, bits)) fail(`code_size ${cs} does not match M ${m} x nbits ${bits}`);
  const codebooks = yield* floatsOf(q, 'PQ centroids', (1 << bits) * dim, `2^nbits x d = ${(1 << bits) * dim}`);
  const il = yield* q.u32('invlists fourcc');
  if (il !== fourcc('ilar')) fail(`inverted lists '${fourccName(il)}' not supported (only in-file ArrayInvertedLists 'ilar')`);
  const ilN = yield* size(q, 'invlists nlist'), ilCs = yield* size(q, 'invlists code_size');
  if (ilN !== nlist || ilCs !== cs) fail(`inverted lists (nlist ${ilN}, code_size ${ilCs}) do not match the index (${nlist}, ${cs})`);
  const listType = yield* q.u32('list type');
  const sizes = new Array<number>(nlist).fill(0);
  if (listType === fourcc('full')) {
    const k = yield* count(q, 'list sizes', 8);
    if (k !== nlist) fail(`${k} list sizes for ${nlist} lists`);
    for (let l = 0; l < nlist; l++) sizes[l] = yield* size(q, 'list size', INDEX_LIMITS.maxNtotal);
  } else if (listType === fourcc('sprs')) {
    const k = yield* count(q, 'sparse list sizes', 8);
    if (k % 2 !== 0) fail('sparse list sizes have odd length');
    for (let i = 0; i < k; i += 2) {
      const l = yield* size(q, 'list number', nlist - 1);
      sizes[l] = yield* size(q, 'list size', INDEX_LIMITS.maxNtotal);
    }
  } else fail(`unknown list type '${fourccName(listType)}'`);
  const listOffsets = new Uint32Array(nlist + 1);
  for (let l = 0; l < nlist; l++) {
    const next = listOffsets[l]! + sizes[l]!;
    if (next > ih.ntotal) fail(`list sizes add up to more than ntotal ${ih.ntotal}`);
    listOffsets[l + 1] = next;
  }
  const n = listOffsets[nlist]!;
  if (n !== ih.ntotal) fail(`list sizes add up to ${n}, but ntotal is ${ih.ntotal}`);
  // exactly the codes and ids follow: the source's length (or the stream, at its first extra byte) must agree
  const total = q.position + n * (cs + 8);
  if (q.length !== undefined && q.length < total) fail(`file truncated: ${n} vectors need ${n * (cs + 8)} bytes of codes and ids, ${q.length - q.position} are left`);
  if (q.length !== undefined && q.length > total) fail(`${q.length - total} unexpected bytes after the index (nested or unsupported fields)`);
  if (n * cs > INDEX_LIMITS.maxArrayBytes || n * 4 > INDEX_LIMITS.maxArrayBytes) fail(`${n} vectors of ${cs}-byte codes are over the ${INDEX_LIMITS.maxArrayBytes}-byte limit of one array`);
  q.expectTotal(total, `unexpected bytes after the index: ${n} vectors end at byte ${total} (nested or unsupported fields)`);
  const codes = new Uint8Array(n * cs);
  const ids = new Int32Array(n);
  for (let l = 0; l < nlist; l++) {
    const a = listOffsets[l]!, s = sizes[l]!;
    if (s === 0) continue;
    yield* q.fill(codes.subarray(a * cs, (a + s) * cs), `codes of list ${l}`);
    let i = a;
    yield* q.pieces(s * 8, `ids of list ${l}`, (p) => {
      const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
      for (let o = 0; o < p.length; o += 8, i++) {
        const lo = dv.getUint32(o, true), hi = dv.getInt32(o + 4, true);
        if (hi !== 0 || lo > 0x7fffffff) fail(`id ${dv.getBigInt64(o, true)} in list ${l} is outside 0..2^31-1 (IvfPqData ids are non-negative int32)`);
        ids[i] = lo;
      }
    }, 8);
  }
  yield* q.atEnd();
  const data: IvfPqData = { metric: ih.metric === 0 ? 'ip' : 'l2', dim, nlist, m, bits, rotation, centroids, codebooks, listOffsets, codes, ids };
  validateIvfPq(data, fail);
  return data;
}

/** Reads a Faiss IndexIVFPQ file held in memory (optionally inside an IndexPreTransform with one rotation). */
export function fromFaissBytes(bytes: Uint8Array): IvfPqData {
  return parseWhole(readFaiss, bytes, { fail: faissFail() });
}
