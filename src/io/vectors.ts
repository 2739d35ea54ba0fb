// Vector file formats, browser-safe (no Node imports): .fvecs / .ivecs / .bvecs, NumPy .npy (2-D, C order,
// '<f4' or '<i4'), big-ann .fbin / .ibin (int32 n, int32 dim header), raw .f32 / .i32 with a given dim.
// The layout of a file is worked out from its first bytes and its size (describeLayout); rows are then decoded
// chunk by chunk (decodeRows) so the Node reader can stream files without holding them whole.
// Every problem with a file's contents is an InputError whose message names the file (and row, when there is one).
import { InputError } from '../util/errors.js';
import { halfToFloat, floatToHalf } from '../util/float16.js';

export type VectorFormat = 'fvecs' | 'ivecs' | 'bvecs' | 'npy' | 'fbin' | 'ibin' | 'f32' | 'i32';
export type ElementType = 'f32' | 'i32' | 'u8';

/** Where the rows of one vector file lie and how they are encoded. */
export interface VectorLayout {
  format: VectorFormat;
  /** element type stored in the file */
  elem: ElementType;
  /** rows in the file */
  n: number;
  dim: number;
  /** byte offset of the first row */
  dataOffset: number;
  /** bytes per row including any per-row prefix */
  rowBytes: number;
  /** bytes of the per-row int32 dim prefix (4 for *vecs, else 0) */
  rowPrefix: number;
}

export interface VectorSet<T extends Float32Array | Int32Array = Float32Array> {
  data: T;
  n: number;
  dim: number;
}

/** Largest dim accepted (guards against absurd headers). */
export const MAX_DIM = 1 << 20;
/** Bytes of the file start that describeLayout may need (npy headers can be long). */
export const HEADER_PROBE_BYTES = 65536 + 12;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The vector format of a file name, from its extension. */
export function formatOf(name: string): VectorFormat {
  const m = /\.([a-z0-9]+)$/i.exec(name);
  const ext = m ? m[1]!.toLowerCase() : '';
  switch (ext) {
    case 'fvecs': case 'ivecs': case 'bvecs': case 'npy': case 'fbin': case 'ibin': case 'f32': case 'i32':
      return ext;
    case 'u8bin':
      throw new InputError(`${name}: .u8bin is not supported; use .bvecs or convert to float32`);
    default:
      throw new InputError(`${name}: unknown vector file extension '${ext}' (expected .fvecs, .ivecs, .bvecs, .npy, .fbin, .ibin, .f32 or .i32)`);
  }
}

/** The element type of each format whose name fixes it (.npy says its own in the header). */
const FORMAT_ELEM: Record<Exclude<VectorFormat, 'npy'>, ElementType> = {
  fvecs: 'f32', fbin: 'f32', f32: 'f32', ivecs: 'i32', ibin: 'i32', i32: 'i32', bvecs: 'u8',
};

function elemBytes(e: ElementType): number {
  return e === 'u8' ? 1 : 4;
}

function checkDim(name: string, dim: number, where: string): void {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) {
    throw new InputError(`${name}: invalid dimension ${dim} ${where} (must be 1..${MAX_DIM})`);
  }
}

function checkRows(name: string, payload: number, rowBytes: number, dim: number): number {
  if (payload % rowBytes !== 0) {
    const full = Math.floor(payload / rowBytes);
    throw new InputError(
      `${name}: truncated or inconsistent file: ${payload} data bytes is not a whole number of ${rowBytes}-byte rows (dim ${dim}); row ${full} is incomplete (${payload % rowBytes} bytes)`,
    );
  }
  return payload / rowBytes;
}

/**
 * Works out the layout of a vector file from its first bytes (at least min(size, HEADER_PROBE_BYTES)) and its
 * total size. `dim` is required for raw .f32/.i32 and, when given for other formats, must match. `want`, when given,
 * is what the rows will be read as (checkElementType), checked before the dimension.
 */
export function describeLayout(name: string, head: Uint8Array, fileSize: number, dim?: number, want?: 'float' | 'int'): VectorLayout {
  const format = formatOf(name);
  if (want && format !== 'npy') checkElementType(name, FORMAT_ELEM[format], want); // known before any size check
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const need = (k: number, what: string): void => {
    if (head.byteLength < k) throw new InputError(`${name}: file too short (${fileSize} bytes) to hold ${what}`);
  };
  let layout: VectorLayout;
  switch (format) {
    case 'fvecs': case 'ivecs': case 'bvecs': {
      const elem = FORMAT_ELEM[format];
      if (fileSize === 0) {
        if (dim === undefined) throw new InputError(`${name}: empty file; its dimension is unknown (pass dim)`);
        checkDim(name, dim, 'given');
        return { format, elem, n: 0, dim, dataOffset: 0, rowBytes: 4 + dim * elemBytes(elem), rowPrefix: 4 };
      }
      need(4, 'the first row dimension');
      const d = dv.getInt32(0, true);
      checkDim(name, d, 'in row 0 prefix');
      const rowBytes = 4 + d * elemBytes(elem);
      layout = { format, elem, n: checkRows(name, fileSize, rowBytes, d), dim: d, dataOffset: 0, rowBytes, rowPrefix: 4 };
      break;
    }
    case 'fbin': case 'ibin': {
      const elem = FORMAT_ELEM[format];
      need(8, 'the header (int32 n, int32 dim)');
      const n = dv.getInt32(0, true), d = dv.getInt32(4, true);
      if (n < 0) throw new InputError(`${name}: negative row count ${n} in header`);
      checkDim(name, d, 'in header');
      const expect = 8 + n * d * 4;
      if (expect !== fileSize) {
        throw new InputError(`${name}: header says ${n} rows x ${d} dims (${expect} bytes) but the file has ${fileSize} bytes${fileSize < expect ? ' (truncated)' : ''}`);
      }
      layout = { format, elem, n, dim: d, dataOffset: 8, rowBytes: d * 4, rowPrefix: 0 };
      break;
    }
    case 'f32': case 'i32': {
      if (dim === undefined) throw new InputError(`${name}: raw .${format} files need the dimension (opts.dim)`);
      checkDim(name, dim, 'given');
      const rowBytes = dim * 4;
      layout = { format, elem: FORMAT_ELEM[format], n: checkRows(name, fileSize, rowBytes, dim), dim, dataOffset: 0, rowBytes, rowPrefix: 0 };
      break;
    }
    case 'npy':
      layout = npyLayout(name, head, fileSize);
      break;
  }
  if (want) checkElementType(name, layout.elem, want);
  if (dim !== undefined && dim !== layout.dim) {
    throw new InputError(`${name}: file has dimension ${layout.dim} but dim ${dim} was expected`);
  }
  return layout;
}

function npyLayout(name: string, head: Uint8Array, fileSize: number): VectorLayout {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (head.byteLength < 10 || magic.some((b, i) => head[i] !== b)) throw new InputError(`${name}: not a NumPy .npy file (bad magic)`);
  const major = head[6]!;
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let hlen: number, hstart: number;
  if (major === 1) { hlen = dv.getUint16(8, true); hstart = 10; }
  else if (major === 2 || major === 3) {
    if (head.byteLength < 12) throw new InputError(`${name}: .npy header truncated`);
    hlen = dv.getUint32(8, true); hstart = 12;
  } else throw new InputError(`${name}: unsupported .npy format version ${major}`);
  if (hstart + hlen > head.byteLength) throw new InputError(`${name}: .npy header (${hlen} bytes) is truncated or too long`);
  let header = '';
  for (let i = hstart; i < hstart + hlen; i++) header += String.fromCharCode(head[i]!);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) throw new InputError(`${name}: cannot parse .npy header ${JSON.stringify(header.trim())}`);
  let elem: ElementType;
  if (descr === '<f4') elem = 'f32';
  else if (descr === '<i4') elem = 'i32';
  else if (descr === '|u1' || descr === '<u1') elem = 'u8';
  else throw new InputError(`${name}: .npy dtype '${descr}' is not supported (need little-endian float32 '<f4', or int32 '<i4' / uint8 '|u1'); convert with arr.astype('<f4')`);
  if (fortran === 'True') throw new InputError(`${name}: .npy array is in Fortran order; save a C-order array (np.ascontiguousarray)`);
  const dims = shape.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (dims.length !== 2 || dims.some((x) => !Number.isInteger(x) || x < 0)) throw new InputError(`${name}: .npy shape (${shape}) is not 2-D (need rows x dim)`);
  const [n, d] = dims as [number, number];
  checkDim(name, d, 'in .npy shape');
  const dataOffset = hstart + hlen;
  const expect = dataOffset + n * d * elemBytes(elem);
  if (expect !== fileSize) throw new InputError(`${name}: .npy shape (${n}, ${d}) needs ${expect} bytes but the file has ${fileSize}${fileSize < expect ? ' (truncated)' : ''}`);
  return { format: 'npy', elem, n, dim: d, dataOffset, rowBytes: d * elemBytes(elem), rowPrefix: 0 };
}

/**
 * Refuses a file whose element type does not fit what is read from it: int32 files (.ivecs, .ibin, .i32, .npy '<i4')
 * are not float vectors and float32 files are not ids or ground truth. uint8 (.bvecs, .npy '|u1') fits both.
 */
export function checkElementType(name: string, elem: ElementType, want: 'float' | 'int'): void {
  if (want === 'float' && elem === 'i32') {
    throw new InputError(`${name}: holds int32 values (ids or ground truth); float vectors were expected (.fvecs, .bvecs, .npy '<f4' or '|u1', .fbin, .f32)`);
  }
  if (want === 'int' && elem === 'f32') {
    throw new InputError(`${name}: holds float32 values; an integer array (ids or ground truth: .ivecs, .npy '<i4', .ibin, .i32) was expected`);
  }
}

/**
 * Decodes `rows` whole rows from `chunk` (which starts at a row boundary) into `out` starting at output row
 * `outRow`; `firstRow` is the row index within the file (for error messages). Checks the per-row dim prefix of
 * *vecs files and, for float output, that every value is finite.
 */
export function decodeRows(
  name: string, layout: VectorLayout, chunk: Uint8Array, rows: number, firstRow: number,
  out: Float32Array | Int32Array, outRow: number,
): void {
  const { dim, rowBytes, rowPrefix, elem } = layout;
  if (chunk.byteLength < rows * rowBytes) throw new RangeError(`${name}: internal: chunk of ${chunk.byteLength} bytes holds fewer than ${rows} rows`);
  const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const isFloatOut = out instanceof Float32Array;
  checkElementType(name, elem, isFloatOut ? 'float' : 'int');
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  for (let r = 0; r < rows; r++) {
    const base = r * rowBytes;
    if (rowPrefix) {
      const d = dv.getInt32(base, true);
      if (d !== dim) throw new InputError(`${name}: row ${firstRow + r} has dimension ${d}, expected ${dim} (inconsistent dims or corrupt file)`);
    }
    const src = base + rowPrefix;
    const o = (outRow + r) * dim;
    if (elem === 'u8') {
      for (let j = 0; j < dim; j++) out[o + j] = chunk[src + j]!;
    } else if (LITTLE_ENDIAN && ((elem === 'f32') === isFloatOut)) {
      outBytes.set(chunk.subarray(src, src + dim * 4), o * 4);
    } else if (elem === 'f32') {
      for (let j = 0; j < dim; j++) out[o + j] = dv.getFloat32(src + 4 * j, true);
    } else {
      for (let j = 0; j < dim; j++) out[o + j] = dv.getInt32(src + 4 * j, true);
    }
    if (isFloatOut) {
      for (let j = 0; j < dim; j++) {
        const v = out[o + j]!;
        if (!Number.isFinite(v)) throw new InputError(`${name}: row ${firstRow + r}, column ${j} is ${v} (NaN/Infinity not allowed)`);
      }
    }
  }
}

/** Parses a whole vector file held in memory (browser use). */
export function parseVectors(name: string, bytes: Uint8Array, opts: { dim?: number } = {}): VectorSet<Float32Array> {
  const layout = describeLayout(name, bytes.subarray(0, HEADER_PROBE_BYTES), bytes.byteLength, opts.dim, 'float');
  const out = new Float32Array(layout.n * layout.dim);
  decodeRows(name, layout, bytes.subarray(layout.dataOffset), layout.n, 0, out, 0);
  return { data: out, n: layout.n, dim: layout.dim };
}

/** Parses a whole integer vector file (.ivecs, int32 .npy, .ibin, .i32) held in memory. */
export function parseIntVectors(name: string, bytes: Uint8Array, opts: { dim?: number } = {}): VectorSet<Int32Array> {
  const layout = describeLayout(name, bytes.subarray(0, HEADER_PROBE_BYTES), bytes.byteLength, opts.dim, 'int');
  const out = new Int32Array(layout.n * layout.dim);
  decodeRows(name, layout, bytes.subarray(layout.dataOffset), layout.n, 0, out, 0);
  return { data: out, n: layout.n, dim: layout.dim };
}

function encodeVecs(data: Float32Array | Int32Array, dim: number, what: string): Uint8Array {
  checkDim(what, dim, 'given');
  if (data.length % dim !== 0) throw new InputError(`${what}: data length ${data.length} is not a multiple of dim ${dim}`);
  const n = data.length / dim;
  const out = new Uint8Array(n * (4 + 4 * dim));
  const dv = new DataView(out.buffer);
  const isF = data instanceof Float32Array;
  for (let i = 0; i < n; i++) {
    const b = i * (4 + 4 * dim);
    dv.setInt32(b, dim, true);
    for (let j = 0; j < dim; j++) {
      if (isF) dv.setFloat32(b + 4 + 4 * j, data[i * dim + j]!, true);
      else dv.setInt32(b + 4 + 4 * j, data[i * dim + j]!, true);
    }
  }
  return out;
}

/** Encodes rows of float32 as .fvecs bytes. */
export function encodeFvecs(data: Float32Array, dim: number): Uint8Array {
  return encodeVecs(data, dim, 'fvecs');
}

/** Encodes rows of int32 as .ivecs bytes. */
export function encodeIvecs(data: Int32Array, dim: number): Uint8Array {
  return encodeVecs(data, dim, 'ivecs');
}

export { halfToFloat, floatToHalf };

/** Decodes IEEE half-precision values (as Uint16 bit patterns) to float32. */
export function float16ToFloat32(src: Uint16Array, out: Float32Array = new Float32Array(src.length)): Float32Array {
  if (out.length < src.length) throw new InputError(`float16ToFloat32: output has ${out.length} elements, need ${src.length}`);
  for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]!);
  return out;
}

/** Encodes float32 values as IEEE half bit patterns. */
export function float32ToFloat16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = floatToHalf(src[i]!);
  return out;
}
