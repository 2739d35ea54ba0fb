// The portable .dvq index file: versioned, little-endian, checksummed (see docs/format.md for the byte layout).
// Browser-safe: bytes in, bytes out. The loader checks the header and that the section sizes add up exactly to
// the byte length before it allocates anything, then the CRC32, then the contents; every failure throws an
// Error whose message names what is wrong.
import type { IvfPqData } from './ivfpq-data.js';
import type { Metric } from '../quantizers/metric.js';
import { codeSize } from '../quantizers/product.js';

export const DVQ_MAGIC = 'DVQI';
export const DVQ_VERSION = 1;
export const DVQ_HEADER_BYTES = 64;
/** flags bit 0: a rotation matrix (dim x dim float32) follows the header */
export const DVQ_FLAG_ROTATION = 1;

/** Limits that reject absurd headers before any size arithmetic is trusted. */
export const DVQ_LIMITS = { maxDim: 65536, maxNlist: 1 << 24, maxNtotal: 2 ** 31 - 1 } as const;

export interface DvqHeader {
  version: number;
  metric: Metric;
  dim: number;
  nlist: number;
  m: number;
  bits: number;
  codeSize: number;
  ntotal: number;
  hasRotation: boolean;
  /** total file length implied by the header */
  totalBytes: number;
  /** byte offsets of the sections */
  offsets: { rotation: number; centroids: number; codebooks: number; listOffsets: number; ids: number; codes: number; crc: number };
}

// ---------------------------------------------------------------------------------------------------- CRC32
let CRC_TABLE: Uint32Array | null = null;
function crcTable(): Uint32Array {
  if (CRC_TABLE) return CRC_TABLE;
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return (CRC_TABLE = t);
}

/** CRC-32 (IEEE 802.3, as zlib's crc32) of bytes. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = crcTable();
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------------------------------------------- header
function fail(msg: string): never {
  throw new Error(`dvq: ${msg}`);
}

function u32Field(name: string, v: number, min: number, max: number): number {
  if (!(v >= min && v <= max)) fail(`${name} ${v} out of range ${min}..${max}`);
  return v;
}

/** Layout of the sections for the given sizes (all in bytes; ids precede codes so every float/int section is 4-aligned). */
function layout(dim: number, nlist: number, m: number, bits: number, ntotal: number, hasRotation: boolean): DvqHeader['offsets'] & { total: number } {
  const cs = codeSize(m, bits), ksub = 1 << bits;
  const rotation = DVQ_HEADER_BYTES;
  const centroids = rotation + (hasRotation ? dim * dim * 4 : 0);
  const codebooks = centroids + nlist * dim * 4;
  const listOffsets = codebooks + ksub * dim * 4; // m * ksub * (dim/m) floats
  const ids = listOffsets + (nlist + 1) * 4;
  const codes = ids + ntotal * 4;
  const crc = Math.ceil((codes + ntotal * cs) / 4) * 4;
  return { rotation, centroids, codebooks, listOffsets, ids, codes, crc, total: crc + 4 };
}

/**
 * Reads and checks the 64-byte header against the total byte length. Throws on bad magic, unknown version,
 * out-of-range fields, non-zero reserved bytes, unknown flags, or a length that is not exactly what the header
 * implies. Allocates nothing proportional to the header's sizes.
 */
export function readDvqHeader(head: Uint8Array, totalBytes: number): DvqHeader {
  if (totalBytes < DVQ_HEADER_BYTES + 4 || head.byteLength < DVQ_HEADER_BYTES) fail(`file too short (${totalBytes} bytes) for the ${DVQ_HEADER_BYTES}-byte header and checksum`);
  const magic = String.fromCharCode(head[0]!, head[1]!, head[2]!, head[3]!);
  if (magic !== DVQ_MAGIC) fail(`bad magic ${JSON.stringify(magic)} (expected "${DVQ_MAGIC}"; not a .dvq index file)`);
  const dv = new DataView(head.buffer, head.byteOffset, DVQ_HEADER_BYTES);
  const g = (o: number): number => dv.getUint32(o, true);
  const version = g(4);
  if (version !== DVQ_VERSION) fail(`unsupported format version ${version} (this reader knows version ${DVQ_VERSION})`);
  if (g(8) !== DVQ_HEADER_BYTES) fail(`header size ${g(8)} is not ${DVQ_HEADER_BYTES}`);
  const metricCode = g(12);
  if (metricCode !== 0 && metricCode !== 1) fail(`unknown metric code ${metricCode} (0 = inner product, 1 = L2)`);
  const dim = u32Field('dim', g(16), 1, DVQ_LIMITS.maxDim);
  const nlist = u32Field('nlist', g(20), 1, DVQ_LIMITS.maxNlist);
  const m = u32Field('m', g(24), 1, dim);
  if (dim % m !== 0) fail(`dim ${dim} is not a multiple of m ${m}`);
  const bits = g(28);
  if (bits !== 4 && bits !== 8) fail(`bits ${bits} not supported (4 or 8)`);
  const cs = g(32);
  if (cs !== codeSize(m, bits)) fail(`code size ${cs} does not match m ${m} x bits ${bits} (expected ${codeSize(m, bits)})`);
  const ntotal = u32Field('ntotal', g(36), 0, DVQ_LIMITS.maxNtotal);
  const flags = g(40);
  if (flags & ~DVQ_FLAG_ROTATION) fail(`unknown flags 0x${flags.toString(16)}`);
  for (let o = 44; o < DVQ_HEADER_BYTES; o++) if (head[o] !== 0) fail(`reserved header byte ${o} is ${head[o]}, must be 0`);
  const hasRotation = (flags & DVQ_FLAG_ROTATION) !== 0;
  const L = layout(dim, nlist, m, bits, ntotal, hasRotation);
  if (L.total !== totalBytes) {
    fail(`size mismatch: header (dim ${dim}, nlist ${nlist}, m ${m}, bits ${bits}, ntotal ${ntotal}${hasRotation ? ', rotation' : ''}) implies ${L.total} bytes but there are ${totalBytes}${totalBytes < L.total ? ' (truncated)' : ' (trailing bytes)'}`);
  }
  const { total, ...offsets } = L;
  return { version, metric: metricCode === 0 ? 'ip' : 'l2', dim, nlist, m, bits, codeSize: cs, ntotal, hasRotation, totalBytes: total, offsets };
}

// ---------------------------------------------------------------------------------------------------- contents
/**
 * Checks an IvfPqData for consistency: shapes, list offsets (start 0, monotone, end at ntotal), non-negative ids,
 * unused code bits zero, finite floats. Throws an Error naming the first problem.
 */
export function validateIvfPq(d: IvfPqData, where = 'IvfPqData'): void {
  const bad = (msg: string): never => { throw new Error(`${where}: ${msg}`); };
  if (d.metric !== 'ip' && d.metric !== 'l2') bad(`unknown metric ${String(d.metric)}`);
  for (const k of ['dim', 'nlist', 'm', 'bits'] as const) if (!Number.isInteger(d[k]) || d[k] < 1) bad(`${k} ${d[k]} is not a positive integer`);
  if (d.dim % d.m !== 0) bad(`dim ${d.dim} is not a multiple of m ${d.m}`);
  if (d.bits !== 4 && d.bits !== 8) bad(`bits ${d.bits} not supported (4 or 8)`);
  const ksub = 1 << d.bits, cs = codeSize(d.m, d.bits);
  if (!(d.listOffsets instanceof Uint32Array) || d.listOffsets.length !== d.nlist + 1) bad(`listOffsets must be a Uint32Array of nlist + 1 = ${d.nlist + 1} entries`);
  const n = d.listOffsets[d.nlist]!;
  if (d.rotation !== null && (!(d.rotation instanceof Float32Array) || d.rotation.length !== d.dim * d.dim)) bad(`rotation must be null or a Float32Array of dim x dim = ${d.dim * d.dim}`);
  if (!(d.centroids instanceof Float32Array) || d.centroids.length !== d.nlist * d.dim) bad(`centroids must be a Float32Array of nlist x dim = ${d.nlist * d.dim}`);
  if (!(d.codebooks instanceof Float32Array) || d.codebooks.length !== ksub * d.dim) bad(`codebooks must be a Float32Array of m x ksub x dsub = ${ksub * d.dim}`);
  if (!(d.ids instanceof Int32Array) || d.ids.length !== n) bad(`ids must be an Int32Array of ntotal = ${n} (listOffsets[nlist])`);
  if (!(d.codes instanceof Uint8Array) || d.codes.length !== n * cs) bad(`codes must be a Uint8Array of ntotal x codeSize = ${n} x ${cs}`);
  if (d.listOffsets[0] !== 0) bad(`listOffsets[0] is ${d.listOffsets[0]}, must be 0`);
  for (let l = 0; l < d.nlist; l++) {
    if (d.listOffsets[l + 1]! < d.listOffsets[l]!) bad(`listOffsets not monotone: list ${l} starts at ${d.listOffsets[l]} but ends at ${d.listOffsets[l + 1]}`);
  }
  for (let i = 0; i < n; i++) if (d.ids[i]! < 0) bad(`id at position ${i} is negative (${d.ids[i]})`);
  if ((d.m * d.bits) % 8 !== 0) {
    const used = (d.m * d.bits) % 8, mask = 0xff & ~((1 << used) - 1);
    for (let i = 0; i < n; i++) if (d.codes[i * cs + cs - 1]! & mask) bad(`code of vector ${i} has non-zero unused bits in its last byte`);
  }
  const finite = (a: Float32Array | null, what: string, row: number): void => {
    if (!a) return;
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) bad(`${what} has a non-finite value ${a[i]} at row ${Math.floor(i / row)}, column ${i % row}`);
  };
  finite(d.rotation, 'rotation', d.dim);
  finite(d.centroids, 'centroids', d.dim);
  finite(d.codebooks, 'codebooks', d.dim / d.m);
}

// ---------------------------------------------------------------------------------------------------- encode / decode
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function putArray(out: Uint8Array, off: number, a: Float32Array | Uint32Array | Int32Array): void {
  if (LITTLE_ENDIAN) { out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off); return; }
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(off + 4 * i, a[i]!, true);
    else dv.setUint32(off + 4 * i, a[i]! >>> 0, true);
  }
}

function getArray<T extends Float32Array | Uint32Array | Int32Array>(bytes: Uint8Array, off: number, count: number, C: { new (n: number): T; new (b: ArrayBuffer): T }): T {
  if (LITTLE_ENDIAN) return new C(bytes.slice(off, off + count * 4).buffer);
  const out = new C(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = out instanceof Float32Array ? dv.getFloat32(off + 4 * i, true) : out instanceof Int32Array ? dv.getInt32(off + 4 * i, true) : dv.getUint32(off + 4 * i, true);
  return out;
}

/** Serializes an index to .dvq bytes (validates it first). */
export function toBytes(data: IvfPqData): Uint8Array {
  validateIvfPq(data, 'dvq toBytes');
  const n = data.listOffsets[data.nlist]!;
  if (data.dim > DVQ_LIMITS.maxDim || data.nlist > DVQ_LIMITS.maxNlist) fail(`dim ${data.dim} / nlist ${data.nlist} exceed the format limits`);
  const L = layout(data.dim, data.nlist, data.m, data.bits, n, data.rotation !== null);
  const out = new Uint8Array(L.total);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = DVQ_MAGIC.charCodeAt(i);
  const fields = [DVQ_VERSION, DVQ_HEADER_BYTES, data.metric === 'ip' ? 0 : 1, data.dim, data.nlist, data.m, data.bits, codeSize(data.m, data.bits), n, data.rotation ? DVQ_FLAG_ROTATION : 0];
  fields.forEach((v, i) => dv.setUint32(4 + 4 * i, v, true));
  if (data.rotation) putArray(out, L.rotation, data.rotation);
  putArray(out, L.centroids, data.centroids);
  putArray(out, L.codebooks, data.codebooks);
  putArray(out, L.listOffsets, data.listOffsets);
  putArray(out, L.ids, data.ids);
  out.set(data.codes, L.codes);
  dv.setUint32(L.crc, crc32(out.subarray(0, L.crc)), true);
  return out;
}

/** Parses and fully checks .dvq bytes. Throws an Error naming the problem for anything malformed. */
export function fromBytes(bytes: Uint8Array): IvfPqData {
  if (!(bytes instanceof Uint8Array)) fail('fromBytes needs a Uint8Array');
  const h = readDvqHeader(bytes, bytes.byteLength);
  const O = h.offsets;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stored = dv.getUint32(O.crc, true);
  const actual = crc32(bytes.subarray(0, O.crc));
  if (stored !== actual) fail(`checksum mismatch (stored CRC32 0x${stored.toString(16).padStart(8, '0')}, computed 0x${actual.toString(16).padStart(8, '0')}): the file is corrupt`);
  for (let o = O.codes + h.ntotal * h.codeSize; o < O.crc; o++) if (bytes[o] !== 0) fail(`padding byte at offset ${o} is not zero`);
  const ksub = 1 << h.bits;
  const data: IvfPqData = {
    metric: h.metric, dim: h.dim, nlist: h.nlist, m: h.m, bits: h.bits,
    rotation: h.hasRotation ? getArray(bytes, O.rotation, h.dim * h.dim, Float32Array) : null,
    centroids: getArray(bytes, O.centroids, h.nlist * h.dim, Float32Array),
    codebooks: getArray(bytes, O.codebooks, ksub * h.dim, Float32Array),
    listOffsets: getArray(bytes, O.listOffsets, h.nlist + 1, Uint32Array),
    ids: getArray(bytes, O.ids, h.ntotal, Int32Array),
    codes: bytes.slice(O.codes, O.codes + h.ntotal * h.codeSize),
  };
  if (data.listOffsets[h.nlist] !== h.ntotal) fail(`list offsets end at ${data.listOffsets[h.nlist]} but the header says ntotal ${h.ntotal}`);
  validateIvfPq(data, 'dvq');
  return data;
}
