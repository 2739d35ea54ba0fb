import type { Engine } from '../pipeline/engine.js';
import type { Buf } from '../pipeline/buffer.js';
import { scores as scoresKernel } from '../shaders/kernels.js';

export type MetricCode = 0 | 1; // 0 = inner product, 1 = squared L2

/**
 * out[i * n + j] = score(Q[i], X[j]) for Q (nq x d) and X (n x d). `out` must hold nq * n floats.
 * The caller chunks Q and X so that no binding exceeds the device's maxStorageBufferBindingSize.
 */
export function scores(engine: Engine, q: Buf, x: Buf, out: Buf,
  nq: number, n: number, d: number, metric: MetricCode): void {
  engine.run(scoresKernel, {
    bindings: { q, x, out },
    params: { nq, n, d, metric },
    workgroups: [Math.ceil(n / 64), Math.ceil(nq / 64)],
  });
}
