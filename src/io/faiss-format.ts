// Faiss IndexIVFPQ interop (browser-safe): writes the bytes faiss.write_index writes for an IndexIVFPQ ("IwPQ",
// with a flat quantizer and ArrayInvertedLists "ilar"), wrapped in an IndexPreTransform ("IxPT") holding one
// LinearTransform ("LTra") when the index has a rotation; and reads such files back, including files written by
// Faiss itself (Faiss 1.7.x layout, which current Faiss still writes for these classes).
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
import type { IvfPqData } from './ivfpq-data.js';
import { codeSize } from '../quantizers/product.js';
import { validateIvfPq } from './dvq-format.js';

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
}

/**
 * Serializes an index as a Faiss IndexIVFPQ file (IndexPreTransform + LinearTransform when it has a rotation),
 * byte for byte what faiss.write_index writes for the same index.
 */
export function toFaissBytes(data: IvfPqData, opts: FaissWriteOptions = {}): Uint8Array {
  validateIvfPq(data, 'toFaissBytes');
  const { dim, nlist, m, bits } = data;
  const metric = data.metric === 'ip' ? 0 : 1;
  const n = data.listOffsets[nlist]!;
  const cs = codeSize(m, bits);
  const nprobe = opts.nprobe ?? 1;
  if (!Number.isInteger(nprobe) || nprobe < 1) throw new Error(`toFaissBytes: nprobe ${nprobe} must be a positive integer`);
  const w = new Writer();
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
  return w.result();
}

// ---------------------------------------------------------------------------------------------------- reader
class Reader {
  private dv: DataView;
  pos = 0;
  constructor(private b: Uint8Array) { this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength); }
  private need(n: number, what: string): void {
    if (this.pos + n > this.b.length) throw new Error(`faiss: file truncated reading ${what} at byte ${this.pos} (${this.b.length - this.pos} bytes left, need ${n})`);
  }
  u8(what: string): number { this.need(1, what); return this.b[this.pos++]!; }
  i32(what: string): number { this.need(4, what); const v = this.dv.getInt32(this.pos, true); this.pos += 4; return v; }
  u32(what: string): number { this.need(4, what); const v = this.dv.getUint32(this.pos, true); this.pos += 4; return v; }
  f32(what: string): number { this.need(4, what); const v = this.dv.getFloat32(this.pos, true); this.pos += 4; return v; }
  /** a 64-bit integer that must be a safe non-negative number (sizes, counts) */
  size(what: string, max = Number.MAX_SAFE_INTEGER): number {
    this.need(8, what);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(max)) throw new Error(`faiss: ${what} is ${v}, more than the allowed ${max}`);
    return Number(v);
  }
  i64(what: string): bigint { this.need(8, what); const v = this.dv.getBigInt64(this.pos, true); this.pos += 8; return v; }
  /** vector count, checked against the bytes left before anything is allocated */
  count(what: string, elemBytes: number): number {
    const n = this.size(`${what} length`);
    if (n * elemBytes > this.b.length - this.pos) throw new Error(`faiss: ${what} claims ${n} elements (${n * elemBytes} bytes) but only ${this.b.length - this.pos} bytes are left`);
    return n;
  }
  floats(n: number, what: string): Float32Array {
    this.need(4 * n, what);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.dv.getFloat32(this.pos + 4 * i, true);
    this.pos += 4 * n;
    return out;
  }
  fvec(what: string): Float32Array { return this.floats(this.count(what, 4), what); }
  bytes(n: number, what: string): Uint8Array { this.need(n, what); const v = this.b.subarray(this.pos, this.pos + n); this.pos += n; return v; }
  get left(): number { return this.b.length - this.pos; }
}

interface Header { d: number; ntotal: number; isTrained: boolean; metric: number }

function readHeader(r: Reader, what: string): Header {
  const d = r.i32(`${what} d`);
  if (d < 1 || d > 1 << 20) throw new Error(`faiss: ${what} dimension ${d} out of range`);
  const nt = r.i64(`${what} ntotal`);
  if (nt < 0n || nt > 2n ** 31n - 1n) throw new Error(`faiss: ${what} ntotal ${nt} out of range (0..2^31-1)`);
  r.i64('dummy'); r.i64('dummy');
  const isTrained = r.u8(`${what} is_trained`) !== 0;
  const metric = r.i32(`${what} metric_type`);
  if (metric > 1) r.f32('metric_arg');
  return { d, ntotal: Number(nt), isTrained, metric };
}

function readRotation(r: Reader): Float32Array {
  const h = r.u32('transform fourcc');
  if (h !== fourcc('LTra') && h !== fourcc('rrot')) {
    throw new Error(`faiss: vector transform '${fourccName(h)}' is not supported (only a square LinearTransform 'LTra' / OPQ or RandomRotation 'rrot')`);
  }
  const haveBias = r.u8('have_bias') !== 0;
  const A = r.fvec('LinearTransform A');
  const b = r.fvec('LinearTransform b');
  const dIn = r.i32('d_in'), dOut = r.i32('d_out');
  r.u8('is_trained');
  if (dIn !== dOut) throw new Error(`faiss: LinearTransform is ${dOut} x ${dIn}, not square; only rotations are supported`);
  if (A.length !== dIn * dOut) throw new Error(`faiss: LinearTransform A has ${A.length} values, expected ${dIn} x ${dOut}`);
  if (haveBias && b.some((v) => v !== 0)) throw new Error('faiss: LinearTransform has a non-zero bias, which IvfPqData cannot hold');
  return A;
}

/** Reads a Faiss IndexIVFPQ file (optionally inside an IndexPreTransform with one rotation). */
export function fromFaissBytes(bytes: Uint8Array): IvfPqData {
  const r = new Reader(bytes);
  let h = r.u32('index fourcc');
  let rotation: Float32Array | null = null;
  let outerD = 0;
  if (h === fourcc('IxPT')) {
    const ph = readHeader(r, 'IndexPreTransform');
    outerD = ph.d;
    const nt = r.i32('chain length');
    if (nt !== 1) throw new Error(`faiss: IndexPreTransform has ${nt} transforms; only exactly one rotation is supported`);
    rotation = readRotation(r);
    h = r.u32('index fourcc');
  }
  if (h === fourcc('IvPQ') || h === fourcc('IvQR') || h === fourcc('IwQR')) throw new Error(`faiss: index type '${fourccName(h)}' (legacy or IVFPQR) is not supported; re-save it as a plain IndexIVFPQ`);
  if (h !== fourcc('IwPQ')) throw new Error(`faiss: index type '${fourccName(h)}' is not an IndexIVFPQ ('IwPQ')`);
  const ih = readHeader(r, 'IndexIVFPQ');
  if (ih.metric !== 0 && ih.metric !== 1) throw new Error(`faiss: metric type ${ih.metric} not supported (inner product 0 or L2 1)`);
  if (!ih.isTrained) throw new Error('faiss: the index is not trained');
  const dim = ih.d;
  if (rotation && (rotation.length !== dim * dim || outerD !== dim)) throw new Error(`faiss: rotation size does not match dimension ${dim}`);
  const nlist = r.size('nlist', 1 << 24);
  if (nlist < 1) throw new Error('faiss: nlist is 0');
  r.size('nprobe');
  const qh = r.u32('quantizer fourcc');
  if (qh !== fourcc('IxFI') && qh !== fourcc('IxF2') && qh !== fourcc('IxFl')) throw new Error(`faiss: coarse quantizer '${fourccName(qh)}' is not supported (a flat index IxFI/IxF2/IxFl is needed)`);
  const qhd = readHeader(r, 'quantizer');
  if (qhd.metric !== ih.metric) throw new Error(`faiss: quantizer metric ${qhd.metric} differs from the index metric ${ih.metric}`);
  if (qhd.d !== dim || qhd.ntotal !== nlist) throw new Error(`faiss: quantizer holds ${qhd.ntotal} x ${qhd.d} centroids, expected ${nlist} x ${dim}`);
  const centroids = r.fvec('quantizer centroids');
  if (centroids.length !== nlist * dim) throw new Error(`faiss: quantizer has ${centroids.length} floats, expected ${nlist * dim}`);
  const dmType = r.u8('direct map type');
  const dmLen = r.count('direct map', 8);
  r.bytes(dmLen * 8, 'direct map');
  if (dmType === 2) { const hl = r.count('direct map hashtable', 16); r.bytes(hl * 16, 'direct map hashtable'); }
  const byResidual = r.u8('by_residual') !== 0;
  if (!byResidual) throw new Error('faiss: by_residual = false is not supported (IvfPqData codes are residuals)');
  const cs = r.size('code_size', 1 << 20);
  const pqD = r.size('pq d', 1 << 20), m = r.size('pq M', 1 << 20), bits = r.size('pq nbits', 64);
  if (pqD !== dim) throw new Error(`faiss: PQ dimension ${pqD} differs from the index dimension ${dim}`);
  if (bits !== 4 && bits !== 8) throw new Error(`faiss: PQ nbits ${bits} not supported (4 or 8)`);
  if (m < 1 || dim % m !== 0) throw new Error(`faiss: PQ M ${m} does not divide dimension ${dim}`);
  if (cs !== codeSize(m, bits)) throw new Error(`faiss: code_size ${cs} does not match M ${m} x nbits ${bits}`);
  const codebooks = r.fvec('PQ centroids');
  if (codebooks.length !== (1 << bits) * dim) throw new Error(`faiss: PQ has ${codebooks.length} centroid floats, expected ${(1 << bits) * dim}`);
  const il = r.u32('invlists fourcc');
  if (il !== fourcc('ilar')) throw new Error(`faiss: inverted lists '${fourccName(il)}' not supported (only in-file ArrayInvertedLists 'ilar')`);
  const ilN = r.size('invlists nlist'), ilCs = r.size('invlists code_size');
  if (ilN !== nlist || ilCs !== cs) throw new Error(`faiss: inverted lists (nlist ${ilN}, code_size ${ilCs}) do not match the index (${nlist}, ${cs})`);
  const listType = r.u32('list type');
  const sizes = new Array<number>(nlist).fill(0);
  if (listType === fourcc('full')) {
    const k = r.count('list sizes', 8);
    if (k !== nlist) throw new Error(`faiss: ${k} list sizes for ${nlist} lists`);
    for (let l = 0; l < nlist; l++) sizes[l] = r.size('list size', 2 ** 31 - 1);
  } else if (listType === fourcc('sprs')) {
    const k = r.count('sparse list sizes', 8);
    if (k % 2 !== 0) throw new Error('faiss: sparse list sizes have odd length');
    for (let i = 0; i < k; i += 2) {
      const l = r.size('list number', nlist - 1);
      sizes[l] = r.size('list size', 2 ** 31 - 1);
    }
  } else throw new Error(`faiss: unknown list type '${fourccName(listType)}'`);
  const listOffsets = new Uint32Array(nlist + 1);
  for (let l = 0; l < nlist; l++) {
    const next = listOffsets[l]! + sizes[l]!;
    if (next > ih.ntotal) throw new Error(`faiss: list sizes add up to more than ntotal ${ih.ntotal}`);
    listOffsets[l + 1] = next;
  }
  const n = listOffsets[nlist]!;
  if (n !== ih.ntotal) throw new Error(`faiss: list sizes add up to ${n}, but ntotal is ${ih.ntotal}`);
  if (n * (cs + 8) > r.left) throw new Error(`faiss: file truncated: ${n} vectors need ${n * (cs + 8)} bytes of codes and ids, ${r.left} are left`);
  const codes = new Uint8Array(n * cs);
  const ids = new Int32Array(n);
  for (let l = 0; l < nlist; l++) {
    const a = listOffsets[l]!, s = sizes[l]!;
    if (s === 0) continue;
    codes.set(r.bytes(s * cs, `codes of list ${l}`), a * cs);
    for (let i = 0; i < s; i++) {
      const id = r.i64(`ids of list ${l}`);
      if (id < 0n || id > 2n ** 31n - 1n) throw new Error(`faiss: id ${id} in list ${l} is outside 0..2^31-1 (IvfPqData ids are non-negative int32)`);
      ids[a + i] = Number(id);
    }
  }
  if (r.left !== 0) throw new Error(`faiss: ${r.left} unexpected bytes after the index (nested or unsupported fields)`);
  const data: IvfPqData = { metric: ih.metric === 0 ? 'ip' : 'l2', dim, nlist, m, bits, rotation, centroids, codebooks, listOffsets, codes, ids };
  validateIvfPq(data, 'faiss');
  return data;
}
