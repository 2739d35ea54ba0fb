// Reading a .dvq file by byte ranges (IvfPqIndex.open): the head (header, rotation, centroids, codebooks, list
// offsets, refine ranges) in two reads, then any run of adjacent lists on demand. The byte range of lists a..b-1 is
// computable from the header and the list offsets: ids at offsets.ids + 4 * listOffsets[a], codes at offsets.codes
// + codeSize * listOffsets[a], refine codes at offsets.refineCodes + bytesPerVector * listOffsets[a] (docs/format.md).
// Checked: the header against the file's size, the list offsets, the table values and refine ranges, and each list
// as it arrives (ids >= 0, unused code bits 0, fp16 refine values finite). Not checked: the file's CRC-32 and its
// padding, which cover bytes a ranged reader never reads (docs/format.md, "Ranged reads").
import type { RefineData } from './ivfpq-data.js';
import { checkRefine, checkTableValues } from './ivfpq-data.js';
import { DVQ_HEADER_BYTES, checkListOffsets, dvqFail, readDvqHeader, type DvqHeader } from './dvq-format.js';
import { indexFormatOf } from './index-source.js';
import { refineBytesPerVector, refineRangeLength } from '../quantizers/scalar.js';
import { InputError, type Fail } from '../util/errors.js';
import type { RangeReader } from './range-reader.js';

/** What open() holds of a .dvq file: its header and everything before the ids (and the refine ranges). */
export interface DvqHead {
  header: DvqHeader;
  rotation: Float32Array | null;
  centroids: Float32Array;
  codebooks: Float32Array;
  listOffsets: Uint32Array;
  /** the refine copy without its codes (they are read with the lists), or null */
  refine: RefineData | null;
}

/** The ids, codes and refine codes (null without a refine copy, or when not read) of a run of lists, in list order. */
export interface ListRun {
  ids: Int32Array;
  codes: Uint8Array;
  refine: Uint8Array | null;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function f32(b: Uint8Array, from: number, to: number): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(b.slice(from, to).buffer);
  const dv = new DataView(b.buffer, b.byteOffset + from, to - from), out = new Float32Array((to - from) / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(4 * i, true);
  return out;
}

function u32<T extends Uint32Array | Int32Array>(ctor: { new(b: ArrayBuffer): T; new(n: number): T }, b: Uint8Array, from: number, to: number): T {
  if (LITTLE_ENDIAN) return new ctor(b.slice(from, to).buffer as ArrayBuffer);
  const dv = new DataView(b.buffer, b.byteOffset + from, to - from), out = new ctor((to - from) / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getUint32(4 * i, true);
  return out;
}

/**
 * Reads and checks the head of a .dvq file through `r` (`first`: the file's first bytes when already read). A Faiss
 * file is refused with an InputError (open reads .dvq files; load reads Faiss files); a malformed head is a
 * DvqFormatError naming the file.
 */
export async function readDvqHead(r: RangeReader, signal?: AbortSignal, first?: Uint8Array): Promise<DvqHead> {
  const fail = dvqFail(r.name);
  const headLen = Math.min(DVQ_HEADER_BYTES, r.size);
  const head = first && first.length >= headLen ? first.subarray(0, headLen) : await r.read(0, headLen, signal);
  if (indexFormatOf(head) === 'faiss') throw new InputError(`${r.name}: a Faiss index file: open() reads .dvq files; use IvfPqIndex.load() for Faiss files`);
  const h = readDvqHeader(head, r.size, fail);
  const o = h.offsets;
  const b = await r.read(o.rotation, o.ids - o.rotation, signal);
  const at = (x: number): number => x - o.rotation;
  const rotation = h.hasRotation ? f32(b, at(o.rotation), at(o.centroids)) : null;
  const centroids = f32(b, at(o.centroids), at(o.codebooks));
  const codebooks = f32(b, at(o.codebooks), at(o.listOffsets));
  const listOffsets = u32(Uint32Array, b, at(o.listOffsets), at(o.ids));
  checkListOffsets(listOffsets, h, fail);
  checkTableValues({ dim: h.dim, m: h.m, rotation, centroids, codebooks }, fail);
  let refine: RefineData | null = null;
  if (h.refine) {
    const len = refineRangeLength(h.refine, h.dim) * 4;
    const ranges = len ? f32(await r.read(o.refineRanges, len, signal), 0, len) : new Float32Array(0);
    refine = { kind: h.refine, ranges, codes: new Uint8Array(0) };
    checkRefine(refine, h.dim, 0, fail);
  }
  return { header: h, rotation, centroids, codebooks, listOffsets, refine };
}

/** The byte ranges [offset, length] of lists a..b-1: ids, codes and (with a refine copy) refine codes. */
export function listRunRanges(head: DvqHead, a: number, b: number): { ids: [number, number]; codes: [number, number]; refine: [number, number] | null } {
  const h = head.header, lo = head.listOffsets[a]!, n = head.listOffsets[b]! - lo;
  const bpv = h.refine ? refineBytesPerVector(h.refine, h.dim) : 0;
  return {
    ids: [h.offsets.ids + 4 * lo, 4 * n],
    codes: [h.offsets.codes + h.codeSize * lo, h.codeSize * n],
    refine: h.refine ? [h.offsets.refineCodes + bpv * lo, bpv * n] : null,
  };
}

/** Reads and checks lists a..b-1 (one read per section; the refine codes only when `withRefine`, else null). */
export async function readListRun(r: RangeReader, head: DvqHead, a: number, b: number, withRefine: boolean, signal?: AbortSignal): Promise<ListRun> {
  const g = listRunRanges(head, a, b);
  if (!withRefine) g.refine = null;
  const [idb, codes, refine] = await Promise.all([
    r.read(g.ids[0], g.ids[1], signal), r.read(g.codes[0], g.codes[1], signal), g.refine ? r.read(g.refine[0], g.refine[1], signal) : null,
  ]);
  const ids = u32(Int32Array, idb, 0, idb.length);
  checkListRun(head, a, { ids, codes, refine }, dvqFail(r.name));
  return { ids, codes, refine };
}

/** The per-vector checks of the whole-file reader (validateIvfPq), for the vectors of a run starting at list a. */
function checkListRun(head: DvqHead, a: number, run: ListRun, fail: Fail): void {
  const h = head.header, lo = head.listOffsets[a]!, cs = h.codeSize, n = run.ids.length;
  for (let i = 0; i < n; i++) if (run.ids[i]! < 0) fail(`id at position ${lo + i} is negative (${run.ids[i]})`);
  if ((h.m * h.bits) % 8 !== 0) {
    const mask = 0xff & ~((1 << ((h.m * h.bits) % 8)) - 1);
    for (let i = 0; i < n; i++) if (run.codes[i * cs + cs - 1]! & mask) fail(`code of vector ${lo + i} has non-zero unused bits in its last byte`);
  }
  if (h.refine && run.refine) checkRefine({ kind: h.refine, ranges: head.refine!.ranges, codes: run.refine }, h.dim, n, fail);
}
