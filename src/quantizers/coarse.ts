// The coarse quantizer of an IVF index (Faiss IndexIVF's `quantizer`, a flat index over the nlist centroids):
// k-means training of the centroids, the nearest list of each vector, and the score of every list for a query.
// Stateless: the centroids live in a GPU buffer the caller owns (nlist x dim, row-major).
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import type { Buf } from '../kernels/row-chunks.js';
import { scores } from '../kernels/scores.js';
import { assignNearest } from '../kernels/kmeans.js';
import { trainKMeans } from './clustering.js';
import type { LongWorkOptions } from '../util/progress.js';
import { metricCode, type Metric } from './metric.js';

export interface CoarseTrainOptions extends LongWorkOptions {
  /** Lloyd iterations (Faiss IndexIVF: 10) */
  iters: number;
  seed: number;
}

export class CoarseQuantizer {
  constructor(readonly nlist: number, readonly dim: number, readonly metric: Metric) {}

  /** k-means on n rows of x (spherical for 'ip', as Faiss IndexIVF): a new buffer of nlist centroids (caller disposes). */
  train(engine: Engine, x: Buf, n: number, opts: CoarseTrainOptions): Promise<GpuBuffer> {
    return trainKMeans(engine, x, {
      n, dsub: this.dim, k: this.nlist, metric: this.metric, iters: opts.iters, seed: opts.seed, spherical: this.metric === 'ip',
      ...(opts.onProgress ? { onProgress: (p) => opts.onProgress!({ ...p, phase: 'ivf k-means' }) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** list[i] = the best list of row i of x (rows x dim), best[i] its score. */
  assign(engine: Engine, x: Buf, centroids: Buf, list: Buf, best: Buf, rows: number): void {
    assignNearest(engine, x, centroids, list, best, rows, 1, this.nlist, this.dim, metricCode(this.metric));
  }

  /** out (rows x nlist) = the score of every list for each row of x (ip: <x, o>; l2: ||x - o||^2). */
  scores(engine: Engine, x: Buf, centroids: Buf, out: Buf, rows: number): void {
    scores(engine, x, centroids, out, rows, this.nlist, this.dim, metricCode(this.metric));
  }
}
