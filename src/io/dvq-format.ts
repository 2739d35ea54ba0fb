// The portable .dvq index file: versioned, little-endian, checksummed (see docs/format.md for the byte layout).
// Browser-safe. The reader (readDvq) runs over a ByteQueue, so bytes in memory, a file read in pieces and a fetch
// body are read the same way: the header is checked first (fields, limits, and the exact length it implies against
// the length of the source when known), then each section is allocated as it starts and filled piece by piece
// while the CRC32 is computed, then the checksum and the contents are checked. Failures are DvqFormatErrors whose
// message starts with "dvq:" (after the source's name when there is one) and names what is wrong.
import type { IvfPqData, RefineData } from './ivfpq-data.js';
import { INDEX_LIMITS, validateIvfPq } from './ivfpq-data.js';
import type { Metric } from '../quantizers/metric.js';
import { codeSize } from '../quantizers/product.js';
import { refineBytesPerVector, refineRangeLength, type RefineKind } from '../quantizers/scalar.js';
import { DvqFormatError, type Fail } from '../util/errors.js';
import { parseWhole, type ByteQueue, type Parser } from './byte-queue.js';

export const DVQ_MAGIC = 'DVQI';
/** the version of a file without a refine copy (written byte for byte as before version 2 existed) */
export const DVQ_VERSION = 1;
/** the version of a file with a refine copy (flags bit 1); readers of version 1 refuse it */
export const DVQ_VERSION_REFINE = 2;
export const DVQ_HEADER_BYTES = 64;
/** flags bit 0: a rotation matrix (dim x dim float32) follows the header */
export const DVQ_FLAG_ROTATION = 1;
/** flags bit 1 (version 2): a refine copy follows the codes; the header's u32 at offset 44 names its kind */
export const DVQ_FLAG_REFINE = 2;
/** the refine kind codes of header offset 44 (version 2) */
const REFINE_CODES: Record<RefineKind, number> = { sq8: 1, fp16: 2 };

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
  /** the refine copy's kind, or null when the file has none */
  refine: RefineKind | null;
  /** total file length implied by the header */
  totalBytes: number;
  /** byte offsets of the sections */
  offsets: { rotation: number; centroids: number; codebooks: number; listOffsets: number; ids: number; codes: number; refineRanges: number; refineCodes: number; crc: number };
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

/** CRC-32 (IEEE 802.3, as zlib's crc32) of bytes; pass the previous result as `crc` to continue over pieces. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = crcTable();
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// ---------------------------------------------------------------------------------------------------- header
/** The function that throws a DvqFormatError "<name>: dvq: <message>" (no name for bytes in memory). */
export function dvqFail(name?: string): Fail {
  const prefix = name ? `${name}: dvq` : 'dvq';
  return (msg) => { throw new DvqFormatError(`${prefix}: ${msg}`); };
}

function u32Field(fail: Fail, name: string, v: number, min: number, max: number): number {
  if (!(v >= min && v <= max)) fail(`${name} ${v} out of range ${min}..${max}`);
  return v;
}

/** Layout of the sections for the given sizes (all in bytes; ids precede codes so every float/int section is 4-aligned). */
function layout(dim: number, nlist: number, m: number, bits: number, ntotal: number, hasRotation: boolean, refine: RefineKind | null): DvqHeader['offsets'] & { total: number } {
  const cs = codeSize(m, bits), ksub = 1 << bits;
  const rotation = DVQ_HEADER_BYTES;
  const centroids = rotation + (hasRotation ? dim * dim * 4 : 0);
  const codebooks = centroids + nlist * dim * 4;
  const listOffsets = codebooks + ksub * dim * 4; // m * ksub * (dim/m) floats
  const ids = listOffsets + (nlist + 1) * 4;
  const codes = ids + ntotal * 4;
  // version 2's refine copy: its ranges (float32) from the next multiple of 4, then its codes
  const refineRanges = Math.ceil((codes + ntotal * cs) / 4) * 4;
  const refineCodes = refineRanges + (refine ? refineRangeLength(refine, dim) * 4 : 0);
  const end = refine ? refineCodes + ntotal * refineBytesPerVector(refine, dim) : codes + ntotal * cs;
  const crc = Math.ceil(end / 4) * 4;
  return { rotation, centroids, codebooks, listOffsets, ids, codes, refineRanges, refineCodes, crc, total: crc + 4 };
}

/**
 * Parses and checks the 64-byte header alone: magic, version, every field in range (INDEX_LIMITS), no unknown
 * flags, reserved bytes 0, and no section larger than one array may be. `totalBytes` is the length it implies.
 * Allocates nothing proportional to the header's sizes.
 */
export function parseDvqHeader(head: Uint8Array, fail: Fail = dvqFail()): DvqHeader {
  if (head.byteLength < DVQ_HEADER_BYTES) fail(`file too short (${head.byteLength} bytes) for the ${DVQ_HEADER_BYTES}-byte header and checksum`);
  const magic = String.fromCharCode(head[0]!, head[1]!, head[2]!, head[3]!);
  if (magic !== DVQ_MAGIC) fail(`bad magic ${JSON.stringify(magic)} (expected "${DVQ_MAGIC}"; not a .dvq index file)`);
  const dv = new DataView(head.buffer, head.byteOffset, DVQ_HEADER_BYTES);
  const g = (o: number): number => dv.getUint32(o, true);
  const version = g(4);
  if (version !== DVQ_VERSION && version !== DVQ_VERSION_REFINE) fail(`unsupported format version ${version} (this reader knows versions ${DVQ_VERSION} and ${DVQ_VERSION_REFINE})`);
  if (g(8) !== DVQ_HEADER_BYTES) fail(`header size ${g(8)} is not ${DVQ_HEADER_BYTES}`);
  const metricCode = g(12);
  if (metricCode !== 0 && metricCode !== 1) fail(`unknown metric code ${metricCode} (0 = inner product, 1 = L2)`);
  const dim = u32Field(fail, 'dim', g(16), 1, INDEX_LIMITS.maxDim);
  const nlist = u32Field(fail, 'nlist', g(20), 1, INDEX_LIMITS.maxNlist);
  const m = u32Field(fail, 'm', g(24), 1, dim);
  if (dim % m !== 0) fail(`dim ${dim} is not a multiple of m ${m}`);
  const bits = g(28);
  if (bits !== 4 && bits !== 8) fail(`bits ${bits} not supported (4 or 8)`);
  const cs = g(32);
  if (cs !== codeSize(m, bits)) fail(`code size ${cs} does not match m ${m} x bits ${bits} (expected ${codeSize(m, bits)})`);
  const ntotal = u32Field(fail, 'ntotal', g(36), 0, INDEX_LIMITS.maxNtotal);
  const flags = g(40);
  const known = version === DVQ_VERSION ? DVQ_FLAG_ROTATION : DVQ_FLAG_ROTATION | DVQ_FLAG_REFINE;
  if (flags & ~known) fail(`unknown flags 0x${flags.toString(16)}${flags & DVQ_FLAG_REFINE ? ` (a refine copy needs version ${DVQ_VERSION_REFINE})` : ''}`);
  // each index has one encoding: version 2 is for a file with a refine copy, and only for one
  if (version === DVQ_VERSION_REFINE && !(flags & DVQ_FLAG_REFINE)) fail(`version ${DVQ_VERSION_REFINE} without a refine copy (flags bit 1); such a file is version ${DVQ_VERSION}`);
  let refine: RefineKind | null = null;
  if (flags & DVQ_FLAG_REFINE) {
    const code = g(44);
    refine = (Object.keys(REFINE_CODES) as RefineKind[]).find((k) => REFINE_CODES[k] === code) ?? null;
    if (!refine) fail(`unknown refine kind code ${code} (1 = sq8, 2 = fp16)`);
  }
  for (let o = refine ? 48 : 44; o < DVQ_HEADER_BYTES; o++) if (head[o] !== 0) fail(`reserved header byte ${o} is ${head[o]}, must be 0`);
  const hasRotation = (flags & DVQ_FLAG_ROTATION) !== 0;
  const sections: [string, number][] = [['rotation', hasRotation ? dim * dim * 4 : 0], ['centroids', nlist * dim * 4], ['ids', ntotal * 4], ['codes', ntotal * cs],
    ['refine codes', refine ? ntotal * refineBytesPerVector(refine, dim) : 0]];
  for (const [name, bytes] of sections) {
    if (bytes > INDEX_LIMITS.maxArrayBytes) fail(`the ${name} section would take ${bytes} bytes, over the ${INDEX_LIMITS.maxArrayBytes}-byte limit of one array`);
  }
  const { total, ...offsets } = layout(dim, nlist, m, bits, ntotal, hasRotation, refine);
  return { version, metric: metricCode === 0 ? 'ip' : 'l2', dim, nlist, m, bits, codeSize: cs, ntotal, hasRotation, refine, totalBytes: total, offsets };
}

function sizeMismatch(h: DvqHeader, actual: number): string {
  return `size mismatch: header (dim ${h.dim}, nlist ${h.nlist}, m ${h.m}, bits ${h.bits}, ntotal ${h.ntotal}${h.hasRotation ? ', rotation' : ''}${h.refine ? `, refine ${h.refine}` : ''}) implies ${h.totalBytes} bytes but there are ${actual}${actual < h.totalBytes ? ' (truncated)' : ' (trailing bytes)'}`;
}

/**
 * Reads and checks the 64-byte header against the total byte length. Throws a DvqFormatError on bad magic, unknown
 * version, out-of-range fields, non-zero reserved bytes, unknown flags, or a length that is not exactly what the
 * header implies. Allocates nothing proportional to the header's sizes.
 */
export function readDvqHeader(head: Uint8Array, totalBytes: number, fail: Fail = dvqFail()): DvqHeader {
  if (totalBytes < DVQ_HEADER_BYTES + 4 || head.byteLength < DVQ_HEADER_BYTES) fail(`file too short (${totalBytes} bytes) for the ${DVQ_HEADER_BYTES}-byte header and checksum`);
  const h = parseDvqHeader(head, fail);
  if (h.totalBytes !== totalBytes) fail(sizeMismatch(h, totalBytes));
  return h;
}

// ---------------------------------------------------------------------------------------------------- writer
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function putArray(out: Uint8Array, off: number, a: Float32Array | Uint32Array | Int32Array): void {
  if (LITTLE_ENDIAN) { out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off); return; }
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Float32Array) dv.setFloat32(off + 4 * i, a[i]!, true);
    else dv.setUint32(off + 4 * i, a[i]! >>> 0, true);
  }
}

/** Serializes an index to .dvq bytes. Validates it first (InputError): what the reader would refuse is not written. */
export function toBytes(data: IvfPqData): Uint8Array {
  validateIvfPq(data, 'dvq toBytes');
  const n = data.listOffsets[data.nlist]!;
  const refine = data.refine ?? null;
  const L = layout(data.dim, data.nlist, data.m, data.bits, n, data.rotation !== null, refine?.kind ?? null);
  const out = new Uint8Array(L.total);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = DVQ_MAGIC.charCodeAt(i);
  const flags = (data.rotation ? DVQ_FLAG_ROTATION : 0) | (refine ? DVQ_FLAG_REFINE : 0);
  const fields = [refine ? DVQ_VERSION_REFINE : DVQ_VERSION, DVQ_HEADER_BYTES, data.metric === 'ip' ? 0 : 1, data.dim, data.nlist, data.m, data.bits,
    codeSize(data.m, data.bits), n, flags, ...(refine ? [REFINE_CODES[refine.kind]] : [])];
  fields.forEach((v, i) => dv.setUint32(4 + 4 * i, v, true));
  if (data.rotation) putArray(out, L.rotation, data.rotation);
  putArray(out, L.centroids, data.centroids);
  putArray(out, L.codebooks, data.codebooks);
  putArray(out, L.listOffsets, data.listOffsets);
  putArray(out, L.ids, data.ids);
  out.set(data.codes, L.codes);
  if (refine) {
    putArray(out, L.refineRanges, refine.ranges);
    out.set(refine.codes, L.refineCodes);
  }
  dv.setUint32(L.crc, crc32(out.subarray(0, L.crc)), true);
  return out;
}

// ---------------------------------------------------------------------------------------------------- reader
/**
 * Reads a .dvq file from a ByteQueue whose `fail` throws DvqFormatErrors (see dvqFail). Checks the header against
 * the queue's length when known (else: exactly the implied bytes are accepted, one more fails), allocates each
 * section when it starts, checks the list offsets as soon as they are read, then the padding, the CRC32 computed
 * over the pieces as they were read, and the contents (validateIvfPq).
 */
export function* readDvq(q: ByteQueue): Parser<IvfPqData> {
  const fail = q.fail;
  if (q.length !== undefined && q.length < DVQ_HEADER_BYTES + 4) fail(`file too short (${q.length} bytes) for the ${DVQ_HEADER_BYTES}-byte header and checksum`);
  let crc = 0;
  q.onRead = (b) => { crc = crc32(b, crc); };
  const h = parseDvqHeader(yield* q.bytes(DVQ_HEADER_BYTES, 'the header'), fail);
  if (q.length !== undefined && q.length !== h.totalBytes) fail(sizeMismatch(h, q.length));
  q.expectTotal(h.totalBytes, `more bytes than the ${h.totalBytes} the header implies (dim ${h.dim}, nlist ${h.nlist}, m ${h.m}, bits ${h.bits}, ntotal ${h.ntotal}): trailing bytes`);
  const ksub = 1 << h.bits;
  const rotation = h.hasRotation ? yield* q.fill(new Float32Array(h.dim * h.dim), 'the rotation') : null;
  const centroids = yield* q.fill(new Float32Array(h.nlist * h.dim), 'the centroids');
  const codebooks = yield* q.fill(new Float32Array(ksub * h.dim), 'the codebooks');
  const listOffsets = yield* q.fill(new Uint32Array(h.nlist + 1), 'the list offsets');
  checkListOffsets(listOffsets, h, fail); // before the ids and codes (most of a large file) are read
  const ids = yield* q.fill(new Int32Array(h.ntotal), 'the ids');
  const codes = yield* q.fill(new Uint8Array(h.ntotal * h.codeSize), 'the codes');
  let refine: RefineData | undefined;
  if (h.refine) {
    yield* zeroPadding(q, h.offsets.codes + h.ntotal * h.codeSize, h.offsets.refineRanges);
    const ranges = yield* q.fill(new Float32Array(refineRangeLength(h.refine, h.dim)), 'the refine ranges');
    const rcodes = yield* q.fill(new Uint8Array(h.ntotal * refineBytesPerVector(h.refine, h.dim)), 'the refine codes');
    refine = { kind: h.refine, ranges, codes: rcodes };
  }
  const end = h.refine ? h.offsets.refineCodes + refine!.codes.length : h.offsets.codes + h.ntotal * h.codeSize;
  yield* zeroPadding(q, end, h.offsets.crc);
  q.onRead = null;
  const stored = yield* q.u32('the checksum');
  if (stored !== crc) fail(`checksum mismatch (stored CRC32 0x${stored.toString(16).padStart(8, '0')}, computed 0x${crc.toString(16).padStart(8, '0')}): the file is corrupt`);
  yield* q.atEnd();
  const data: IvfPqData = { metric: h.metric, dim: h.dim, nlist: h.nlist, m: h.m, bits: h.bits, rotation, centroids, codebooks, listOffsets, ids, codes, ...(refine ? { refine } : {}) };
  validateIvfPq(data, fail);
  return data;
}

/** Checks a file's list offsets against its header: start 0, non-decreasing, end at ntotal. */
export function checkListOffsets(listOffsets: Uint32Array, h: Pick<DvqHeader, 'nlist' | 'ntotal'>, fail: Fail): void {
  if (listOffsets[0] !== 0) fail(`listOffsets[0] is ${listOffsets[0]}, must be 0`);
  for (let l = 0; l < h.nlist; l++) {
    if (listOffsets[l + 1]! < listOffsets[l]!) fail(`listOffsets not monotone: list ${l} starts at ${listOffsets[l]} but ends at ${listOffsets[l + 1]}`);
  }
  if (listOffsets[h.nlist] !== h.ntotal) fail(`list offsets end at ${listOffsets[h.nlist]} but the header says ntotal ${h.ntotal}`);
}

/** Reads the padding bytes from offset `from` up to `to`; each must be zero. */
function* zeroPadding(q: ByteQueue, from: number, to: number): Parser<void> {
  const pad = yield* q.bytes(to - from, 'the padding');
  for (let i = 0; i < pad.length; i++) if (pad[i] !== 0) q.fail(`padding byte at offset ${from + i} is not zero`);
}

/** Parses and fully checks .dvq bytes. Throws a DvqFormatError naming the problem for anything malformed. */
export function fromBytes(bytes: Uint8Array): IvfPqData {
  if (!(bytes instanceof Uint8Array)) dvqFail()('fromBytes needs a Uint8Array');
  return parseWhole(readDvq, bytes, { fail: dvqFail() });
}
