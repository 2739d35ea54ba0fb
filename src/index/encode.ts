// Encoding vectors for the inverted lists (Faiss IndexIVFPQ::encode_vectors, residual PQ): per chunk of rows,
// rotate (when there is a rotation), find the nearest list, take the residual x - o_list and PQ-encode it.
// One readback per chunk brings the codes and the lists home. Given the lists (`known`: what an earlier encoding
// under the same centroids and rotation returned) the nearest-list search is skipped and they are uploaded
// instead; the codes are then those of the full encoding, bit for bit.
import type { Engine } from '../pipeline/engine.js';
import { residuals } from '../kernels/residuals.js';
import type { CoarseQuantizer } from '../quantizers/coarse.js';
import type { ProductQuantizer } from '../quantizers/product.js';
import { ProgressMeter, type LongWorkOptions } from '../util/progress.js';
import { throwIfAborted } from '../util/abort.js';
import type { GpuTables } from './tables.js';

export interface Encoded {
  /** the list of each vector */
  lists: Uint32Array;
  /** packed codes, n x codeSize bytes */
  codes: Uint8Array;
}

/** Encodes the n rows of x (n x dim) with the tables; progress phase 'add'. Cancelling frees what it made.
 *  `known`: the list of each row (n values < nlist, checked by the caller), to skip the nearest-list search. */
export async function encodeVectors(engine: Engine, coarse: CoarseQuantizer, pq: ProductQuantizer, t: GpuTables,
  x: Float32Array, n: number, opts: LongWorkOptions = {}, known?: Uint32Array): Promise<Encoded> {
  const e = engine, dim = coarse.dim;
  const cs = pq.codeSize, wpv = pq.words;
  const chunk = Math.max(1, Math.min(n, 65536, Math.floor(e.maxBinding / (dim * 4))));
  const lists = new Uint32Array(n);
  const codes = new Uint8Array(n * cs);
  const meter = new ProgressMeter('add', n, opts.onProgress);
  const xb = e.buffer(chunk * dim * 4, 'add vectors');
  const xr = t.rotation ? e.buffer(chunk * dim * 4, 'add rotated') : null;
  const best = e.buffer(chunk * 4, 'add best');
  const res = e.buffer(chunk * dim * 4, 'add residuals');
  // codes and list assignments share one buffer so each chunk needs a single readback
  const assignAt = Math.ceil((chunk * wpv * 4) / 256) * 256;
  const encoded = e.buffer(assignAt + chunk * 4, 'add codes + assign');
  const words = encoded.slice(0, chunk * wpv * 4), assign = encoded.slice(assignAt, chunk * 4);
  try {
    for (let r0 = 0; r0 < n; r0 += chunk) {
      throwIfAborted(opts.signal);
      const rows = Math.min(chunk, n - r0);
      const src = t.rowsInIndexSpace(e, x, r0, rows, dim, xb, xr);
      if (known) e.write(assign, known.subarray(r0, r0 + rows));
      else coarse.assign(e, src, t.centroids, assign, best, rows);
      residuals(e, src, t.centroids, assign, res, rows, dim);
      pq.encode(e, res, t.codebooks, words, rows);
      const bytes = await e.read(encoded, Uint8Array, 0, assignAt + rows * 4);
      lists.set(new Uint32Array(bytes.buffer, assignAt, rows), r0);
      pq.unpad(bytes, rows, codes, r0);
      meter.report(r0 + rows);
    }
  } finally {
    for (const b of [xb, xr, best, res, encoded]) b?.dispose();
  }
  return { lists, codes };
}
