// Inverted lists (Faiss ArrayInvertedLists), concatenated in list order: the vectors of list l are rows
// listOffsets[l] .. listOffsets[l+1]-1 of `codes` (codeSize bytes each) and `ids`. The host lists are what files
// hold; the GPU mirror (codes padded to u32 words, ids, offsets) is uploaded for search, in segments of consecutive
// rows that each fit the device's binding and buffer limits.
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer, GpuTexture } from '../pipeline/buffer.js';
import type { ProductQuantizer } from '../quantizers/product.js';
import { texelScan } from '../kernels/adc.js';
import { pqTexels, texelsPerVector } from '../kernels/pq.js';

export interface HostLists {
  /** nlist + 1 offsets */
  listOffsets: Uint32Array;
  /** ntotal x codeSize bytes */
  codes: Uint8Array;
  /** ntotal user ids */
  ids: Int32Array;
}

export function emptyLists(nlist: number): HostLists {
  return { listOffsets: new Uint32Array(nlist + 1), codes: new Uint8Array(0), ids: new Int32Array(0) };
}

/** Number of vectors in each list. */
export function listSizes(listOffsets: Uint32Array, nlist: number): Uint32Array {
  const s = new Uint32Array(nlist);
  for (let l = 0; l < nlist; l++) s[l] = listOffsets[l + 1]! - listOffsets[l]!;
  return s;
}

/** New lists holding `lists` plus vectors with lists `assign`, packed codes `codes` and `ids`; within a list,
 *  older vectors come first, then new ones in their given order. */
export function mergeIntoLists(lists: HostLists, nlist: number, codeSize: number, assign: Uint32Array, codes: Uint8Array, ids: Int32Array): HostLists {
  const cs = codeSize, old = lists.listOffsets;
  const oldN = old[nlist]!, n = assign.length;
  const counts = listSizes(old, nlist);
  for (let i = 0; i < n; i++) counts[assign[i]!]!++;
  const offsets = new Uint32Array(nlist + 1);
  for (let l = 0; l < nlist; l++) offsets[l + 1] = offsets[l]! + counts[l]!;
  const outCodes = new Uint8Array((oldN + n) * cs), outIds = new Int32Array(oldN + n);
  const cursor = offsets.slice(0, nlist);
  for (let l = 0; l < nlist; l++) {
    const a = old[l]!, b = old[l + 1]!;
    outCodes.set(lists.codes.subarray(a * cs, b * cs), cursor[l]! * cs);
    outIds.set(lists.ids.subarray(a, b), cursor[l]!);
    cursor[l]! += b - a;
  }
  for (let i = 0; i < n; i++) {
    const l = assign[i]!, at = cursor[l]!++;
    outCodes.set(codes.subarray(i * cs, (i + 1) * cs), at * cs);
    outIds[at] = ids[i]!;
  }
  return { listOffsets: offsets, codes: outCodes, ids: outIds };
}

/** Rows [start, end) of the concatenated lists, held in one GPU buffer each of codes and ids. */
export interface ListSegment {
  readonly start: number;
  readonly end: number;
  /** (end - start) x words u32: the codes of the segment's rows */
  readonly codes: GpuBuffer;
  /** end - start i32 ids */
  readonly ids: GpuBuffer;
  /** nlist + 1 u32 offsets relative to start: each list's rows inside the segment (lists outside it are empty) */
  readonly listOffsets: GpuBuffer;
  /** the same offsets on the host */
  readonly hostListOffsets: Uint32Array;
}

/**
 * The row ranges [start, end) of the segments that hold n rows of `rowBytes` bytes each in lists `listOffsets`,
 * at most `limitBytes` bytes a segment: consecutive whole lists, and a list larger than one segment split into
 * parts (a segment then ends inside it). One empty range for n = 0. Throws when one row exceeds the limit.
 */
export function planSegments(listOffsets: ArrayLike<number>, nlist: number, rowBytes: number, limitBytes: number): [number, number][] {
  const n = listOffsets[nlist]!, rows = Math.floor(limitBytes / rowBytes);
  if (rows < 1) throw new Error(`inverted lists: a row of ${rowBytes} bytes exceeds the ${limitBytes}-byte segment limit`);
  if (n === 0) return [[0, 0]];
  const out: [number, number][] = [];
  for (let start = 0, l = 0; start < n;) {
    const cap = Math.min(n, start + rows);
    // the last list boundary in (start, cap], or cap itself when a list crosses it
    while (l < nlist && listOffsets[l + 1]! <= cap) l++;
    const boundary = listOffsets[l]!;
    const end = boundary > start ? boundary : cap;
    out.push([start, end]);
    start = end;
  }
  return out;
}

/**
 * The lists on the GPU, as the ADC scan reads them: one or more segments (ListSegment), each within one storage
 * binding (engine.maxBinding) and one buffer (maxBufferSize); search scans each and merges the results.
 */
export class GpuLists {
  private pos: GpuBuffer | null = null;
  /** per segment: its codes as a texture (codeTexels), null where none fits */
  private texels: (GpuTexture | null)[] = [];

  private constructor(readonly segments: readonly ListSegment[], readonly n: number, readonly starts: GpuBuffer) {}

  /** i32 positions 0 .. r - 1, r the rows of the largest segment: given to the scan of a segment as its ids, it
   *  returns positions in the segment (with one segment, database positions: a refined search). Made on first use,
   *  released with the lists. */
  positions(engine: Engine): GpuBuffer {
    const rows = this.segments.reduce((r, g) => Math.max(r, g.end - g.start), 0);
    return (this.pos ??= engine.upload(Int32Array.from({ length: rows }, (_, i) => i), 'positions'));
  }

  /** Segment i's codes as an rgba32uint texture (pqTexels), for the 4-bit scan that reads them from one
   *  (AdcScanArgs.codeTexels): made on first use, released with the lists. Null where that scan does not apply
   *  (texelScan) or the texture would not fit the device. */
  codeTexels(engine: Engine, i: number, pq: ProductQuantizer): GpuTexture | null {
    if (!texelScan(engine, pq.m, pq.bits)) return null;
    if (this.texels[i] !== undefined) return this.texels[i]!;
    const g = this.segments[i]!, n = g.end - g.start;
    const count = Math.max(1, n * texelsPerVector(pq.words));
    if (!engine.fitsTexels(count)) return (this.texels[i] = null);
    const t = engine.uintTexels(count, 'code texels');
    this.texels[i] = t;
    pqTexels(engine, g.codes, t, n, pq.words);
    return t;
  }

  /** The bytes of one segment at most on this engine: one binding, one buffer (a multiple of 16). */
  static segmentLimit(engine: Engine): number {
    return Math.floor(Math.min(engine.maxBinding, Number(engine.limits.maxBufferSize)) / 16) * 16;
  }

  /** Uploads host lists of n vectors, in as many segments as the device's limits (and `maxSegmentBytes`, when
   *  smaller) need. */
  static upload(engine: Engine, lists: HostLists, n: number, pq: ProductQuantizer, maxSegmentBytes = Infinity): GpuLists {
    const nlist = lists.listOffsets.length - 1, cs = pq.codeSize;
    if (lists.listOffsets[nlist] !== n) throw new Error(`GpuLists.upload: the lists hold ${lists.listOffsets[nlist]} vectors, not ${n}`);
    const ranges = planSegments(lists.listOffsets, nlist, pq.words * 4, Math.min(GpuLists.segmentLimit(engine), maxSegmentBytes));
    const segments: ListSegment[] = [], made: GpuBuffer[] = [];
    const upload = (data: ArrayBufferView, label: string) => { const b = engine.upload(data, label); made.push(b); return b; };
    try {
      for (const [start, end] of ranges) {
        const off = new Uint32Array(nlist + 1);
        for (let l = 0; l <= nlist; l++) off[l] = Math.min(Math.max(lists.listOffsets[l]!, start), end) - start;
        segments.push({
          start, end, hostListOffsets: off, listOffsets: upload(off, 'list offsets'),
          codes: upload(pq.pad(lists.codes.subarray(start * cs, end * cs), end - start), 'codes'),
          ids: upload(lists.ids.subarray(start, end), 'ids'),
        });
      }
      return new GpuLists(segments, n, upload(Uint32Array.from(ranges, ([start]) => start), 'segment starts'));
    } catch (e) {
      for (const b of made) b.dispose();
      throw e;
    }
  }

  dispose(): void {
    for (const g of this.segments) { g.codes.dispose(); g.ids.dispose(); g.listOffsets.dispose(); }
    this.starts.dispose();
    this.pos?.dispose();
    for (const t of this.texels) t?.dispose();
    this.texels = [];
  }
}
