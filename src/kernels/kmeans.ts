// GPU k-means: nearest-centroid assignment and Lloyd's iterations for G independent problems at once
// (G = 1 for the IVF coarse quantizer, G = M for the PQ sub-spaces).
import type { Engine } from '../pipeline/engine.js';
import { need, rowsPerChunk, sub, type Buf } from './row-chunks.js';

export type { Buf };

/** Bytes per chunk of the per-row temporaries (assignments, scores, member lists) of k-means. */
const TEMP_CAP = 32 << 20;

function checkSizes(fn: string, n: number, groups: number, k: number, dsub: number): void {
  for (const [name, v, min] of [['n', n, 0], ['groups', groups, 1], ['k', k, 1], ['dsub', dsub, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`${fn}: ${name} must be an integer >= ${min}, got ${v}`);
  }
  if (groups > 65535) throw new Error(`${fn}: groups (${groups}) is over the per-dimension dispatch limit 65535`);
  if (k >= 1 << 24) throw new Error(`${fn}: k (${k}) must be below 2^24`);
}

/** Records one `kmeans_assign` dispatch over at most 64 * 65535 rows whose bindings fit maxBinding. */
function assignDispatch(engine: Engine, x: Buf, centroids: Buf, assign: Buf, score: Buf,
  n: number, groups: number, k: number, dsub: number, metric: 0 | 1): void {
  engine.dispatch('kmeans_assign', {
    bindings: { x, cent: centroids, assign, score },
    params: { n, groups, k, dsub, metric },
    workgroups: [Math.ceil(n / 64), groups],
  });
}

/**
 * For G independent problems ("groups", used for the M PQ sub-spaces at once): point i of group g is
 * columns g*dsub .. g*dsub+dsub-1 of row i of x (x is n x (G*dsub) row-major). centroids is G x k x dsub.
 * Writes assign[i*G + g] (u32) = best centroid and score[i*G + g] (f32) = its inner product (metric 0, max)
 * or squared L2 distance (metric 1, min). Ties -> lowest centroid index. Rows are chunked so that no binding
 * passes engine.maxBinding (the centroids are bound whole: G*k*dsub*4 bytes must fit).
 * NaN inputs are not detected here: a NaN score never wins a comparison, so such rows get an arbitrary index.
 */
export function assignNearest(engine: Engine, x: Buf, centroids: Buf, assign: Buf, score: Buf,
  n: number, groups: number, k: number, dsub: number, metric: 0 | 1): void {
  checkSizes('assignNearest', n, groups, k, dsub);
  if (metric !== 0 && metric !== 1) throw new Error(`assignNearest: metric must be 0 (inner product) or 1 (L2), got ${metric}`);
  if (n === 0) return;
  const D = groups * dsub;
  need(x, n * D * 4, 'assignNearest: x');
  need(centroids, groups * k * dsub * 4, 'assignNearest: centroids');
  need(assign, n * groups * 4, 'assignNearest: assign');
  need(score, n * groups * 4, 'assignNearest: score');
  const R = rowsPerChunk(engine, [D * 4, groups * 4], 'assignNearest');
  for (let r0 = 0; r0 < n; r0 += R) {
    const rows = Math.min(R, n - r0);
    assignDispatch(engine, sub(x, r0 * D * 4, rows * D * 4), centroids,
      sub(assign, r0 * groups * 4, rows * groups * 4), sub(score, r0 * groups * 4, rows * groups * 4), rows, groups, k, dsub, metric);
  }
}
