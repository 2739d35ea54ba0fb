import type { Engine } from '../pipeline/engine.js';
import type { Buf } from '../pipeline/buffer.js';
import { scores as scoresKernel, scores_rows } from '../shaders/kernels.js';

export type MetricCode = 0 | 1; // 0 = inner product, 1 = squared L2

/** Up to this many query rows take the one-invocation-per-output kernel (scores_rows), which sums in the same
 *  order as the tiled kernel (same bits) without computing a mostly empty 64-row tile. */
const FEW_ROWS = 8;

/**
 * out[i * n + j] = score(Q[i], X[j]) for Q (nq x d) and X (n x d). `out` must hold nq * n floats.
 * The caller chunks Q and X so that no binding exceeds the device's maxStorageBufferBindingSize.
 */
export function scores(engine: Engine, q: Buf, x: Buf, out: Buf,
  nq: number, n: number, d: number, metric: MetricCode): void {
  if (nq <= FEW_ROWS) {
    engine.run(scores_rows, { bindings: { q, x, out }, params: { nq, n, d, metric }, workgroups: Math.ceil((nq * n) / 64) });
    return;
  }
  engine.run(scoresKernel, {
    bindings: { q, x, out },
    params: { nq, n, d, metric },
    workgroups: [Math.ceil(n / 64), Math.ceil(nq / 64)],
  });
}
