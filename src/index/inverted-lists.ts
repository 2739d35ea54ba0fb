// Inverted lists (Faiss ArrayInvertedLists), concatenated in list order: the vectors of list l are rows
// listOffsets[l] .. listOffsets[l+1]-1 of `codes` (codeSize bytes each) and `ids`. The host lists are what files
// hold; the GPU mirror (codes padded to u32 words, ids, offsets) is uploaded for search.
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import type { ProductQuantizer } from '../quantizers/product.js';

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

/** The lists on the GPU, as the ADC scan reads them. */
export class GpuLists {
  private pos: GpuBuffer | null = null;

  private constructor(readonly codes: GpuBuffer, readonly ids: GpuBuffer, readonly listOffsets: GpuBuffer, readonly n: number) {}

  /** i32 positions 0 .. n-1: given to the scan as its ids, it returns database positions (a refined search). Made on
   *  first use, released with the lists. */
  positions(engine: Engine): GpuBuffer {
    return (this.pos ??= engine.upload(Int32Array.from({ length: this.n }, (_, i) => i), 'positions'));
  }

  /** Uploads host lists of n vectors; the codes must fit one storage binding. */
  static upload(engine: Engine, lists: HostLists, n: number, pq: ProductQuantizer): GpuLists {
    const bytes = n * pq.words * 4;
    if (bytes > engine.maxBinding) {
      throw new Error(`the index's codes (${bytes} bytes) exceed this device's maxStorageBufferBindingSize (${engine.maxBinding}); split the database over several indexes`);
    }
    return new GpuLists(engine.upload(pq.pad(lists.codes, n), 'codes'), engine.upload(lists.ids, 'ids'), engine.upload(lists.listOffsets, 'list offsets'), n);
  }

  dispose(): void {
    this.codes.dispose(); this.ids.dispose(); this.listOffsets.dispose(); this.pos?.dispose();
  }
}
