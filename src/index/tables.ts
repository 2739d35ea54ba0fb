// The index's learned parameters on the GPU: centroids (nlist x dim), codebooks (m x ksub x dsub), the optional
// rotation (dim x dim), and the L2 search's precomputed term, built on first use. Owned by one index and freed
// by dispose().
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import type { ProductQuantizer } from '../quantizers/product.js';
import { rotateRows } from '../quantizers/rotation.js';
import { adcPairTables } from '../kernels/adc.js';

/** Host values of the learned parameters. */
export interface HostTables {
  centroids: Float32Array;
  codebooks: Float32Array;
  rotation: Float32Array | null;
}

export class GpuTables {
  private l2: GpuBuffer | null = null;
  private l2Pairs: GpuBuffer | null = null;

  constructor(readonly centroids: GpuBuffer, readonly codebooks: GpuBuffer, readonly rotation: GpuBuffer | null) {}

  static upload(engine: Engine, t: HostTables): GpuTables {
    return new GpuTables(engine.upload(t.centroids, 'centroids'), engine.upload(t.codebooks, 'codebooks'),
      t.rotation ? engine.upload(t.rotation, 'rotation') : null);
  }

  /** nlist x m x ksub: ||C[j][c]||^2 + 2 <o_l,j, C[j][c]> (computed once, kept until dispose). */
  l2Term(engine: Engine, pq: ProductQuantizer, nlist: number): GpuBuffer {
    if (!this.l2) {
      this.l2 = engine.buffer(nlist * pq.m * pq.ksub * 4, 'l2 term');
      pq.l2Term(engine, this.centroids, this.codebooks, this.l2, nlist);
    }
    return this.l2;
  }

  /** For 4-bit codes: the L2 term as byte-pair tables, nlist x ceil(m / 2) x 256 (adcPairTables; computed once,
   *  kept until dispose), so that a search does not rebuild it per call. */
  l2PairTerm(engine: Engine, pq: ProductQuantizer, nlist: number): GpuBuffer {
    if (!this.l2Pairs) {
      const term = this.l2Term(engine, pq, nlist);
      this.l2Pairs = engine.buffer(nlist * Math.ceil(pq.m / 2) * 256 * 4, 'l2 pair term');
      adcPairTables(engine, term, this.l2Pairs, nlist, pq.m);
    }
    return this.l2Pairs;
  }

  /** Writes rows r0 .. r0+rows-1 of x (n x dim, host) into `raw` and returns them in the index's space: rotated
   *  into `rotated` when the index has a rotation, else `raw` itself. */
  rowsInIndexSpace(engine: Engine, x: Float32Array, r0: number, rows: number, dim: number, raw: GpuBuffer, rotated: GpuBuffer | null): GpuBuffer {
    engine.write(raw, x.subarray(r0 * dim, (r0 + rows) * dim));
    if (!this.rotation || !rotated) return raw;
    rotateRows(engine, raw, this.rotation, rotated, rows, dim);
    return rotated;
  }

  dispose(): void {
    for (const b of [this.centroids, this.codebooks, this.rotation, this.l2, this.l2Pairs]) b?.dispose();
    this.l2 = null;
    this.l2Pairs = null;
  }
}
