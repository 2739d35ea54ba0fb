import type { Engine } from '../pipeline/engine.js';
import { residuals as residualsKernel, residuals_vec4 } from '../shaders/kernels.js';
import { need, rowsPerChunk, sub, type Buf } from './row-chunks.js';

/** Vec4s per invocation of residuals_vec4 (d a multiple of 4): 16 floats, so a 512-float row takes 32 invocations. */
const VEC4_PER_INVOCATION = 4;

/** out[i] = x[i] - centroids[assign[i]] (rows of d floats); assign is u32 n. Chunks rows over maxBinding. d a
 *  multiple of 4 takes residuals_vec4 (the same subtractions, by vec4s), other d the kernel per float. */
export function residuals(engine: Engine, x: Buf, centroids: Buf, assign: Buf, out: Buf, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(d) || d < 1) throw new Error(`residuals: bad sizes n=${n} d=${d}`);
  if (n === 0) return;
  need(x, n * d * 4, 'residuals: x');
  need(assign, n * 4, 'residuals: assign');
  need(out, n * d * 4, 'residuals: out');
  const R = rowsPerChunk(engine, [d * 4, 4], 'residuals');
  for (let r0 = 0; r0 < n; r0 += R) {
    const rows = Math.min(R, n - r0);
    const bindings = { x: sub(x, r0 * d * 4, rows * d * 4), centroids, assign: sub(assign, r0 * 4, rows * 4), out: sub(out, r0 * d * 4, rows * d * 4) };
    if (d % 4 === 0) {
      const perRow = Math.ceil(d / 4 / VEC4_PER_INVOCATION);
      engine.run(residuals_vec4, { bindings, params: { n: rows, d4: d / 4 }, constants: { V: VEC4_PER_INVOCATION }, workgroups: Math.ceil((rows * perRow) / 256) });
    } else {
      engine.run(residualsKernel, { bindings, params: { n: rows, d }, workgroups: Math.ceil((rows * d) / 256) });
    }
  }
}
