// The file data model: plain data that describes a trained IVFPQ index, what the file formats (.dvq, Faiss)
// read and write and what the GPU index uploads. Host-side, typed arrays only, no GPU objects.
import type { Metric } from '../quantizers/metric.js';

export interface IvfPqData {
  metric: Metric;
  /** vector dimension (after the rotation, which is square) */
  dim: number;
  /** number of IVF lists */
  nlist: number;
  /** number of PQ sub-quantizers; dim % m === 0 */
  m: number;
  /** bits per PQ code: 8 or 4; ksub = 1 << bits codewords per sub-space */
  bits: number;
  /** optional learned rotation A (dim x dim, row-major): vectors are transformed as y = A x before IVF/PQ */
  rotation: Float32Array | null;
  /** IVF centroids, nlist x dim row-major */
  centroids: Float32Array;
  /** PQ codebooks, m x ksub x (dim / m) row-major; they quantize residuals x - centroid (as Faiss IndexIVFPQ) */
  codebooks: Float32Array;
  /** inverted lists, concatenated: vectors of list l are rows listOffsets[l] .. listOffsets[l+1]-1 */
  listOffsets: Uint32Array; // length nlist + 1
  /** PQ codes, codeSize = ceil(m * bits / 8) bytes per vector, packed as Faiss packs them (LSB first) */
  codes: Uint8Array; // ntotal * codeSize
  /** user ids of the vectors, in list order (non-negative int32) */
  ids: Int32Array; // ntotal
}

export function ntotal(d: IvfPqData): number {
  return d.listOffsets[d.nlist]!;
}
