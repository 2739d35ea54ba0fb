import type { Engine } from '../pipeline/engine.js';
import { residuals as residualsKernel } from '../shaders/kernels.js';
import { need, rowsPerChunk, sub, type Buf } from './row-chunks.js';

/** out[i] = x[i] - centroids[assign[i]] (rows of d floats); assign is u32 n. Chunks rows over maxBinding. */
export function residuals(engine: Engine, x: Buf, centroids: Buf, assign: Buf, out: Buf, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(d) || d < 1) throw new Error(`residuals: bad sizes n=${n} d=${d}`);
  if (n === 0) return;
  need(x, n * d * 4, 'residuals: x');
  need(assign, n * 4, 'residuals: assign');
  need(out, n * d * 4, 'residuals: out');
  const R = rowsPerChunk(engine, [d * 4, 4], 'residuals');
  for (let r0 = 0; r0 < n; r0 += R) {
    const rows = Math.min(R, n - r0);
    engine.run(residualsKernel, {
      bindings: { x: sub(x, r0 * d * 4, rows * d * 4), centroids, assign: sub(assign, r0 * 4, rows * 4), out: sub(out, r0 * d * 4, rows * d * 4) },
      params: { n: rows, d },
      workgroups: Math.ceil((rows * d) / 256),
    });
  }
}
