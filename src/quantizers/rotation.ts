// The linear transform applied before the quantizers (Faiss LinearTransform inside an IndexPreTransform):
// y = A x for every row, A dim x dim row-major (an OPQ rotation). On the GPU it is the `scores` kernel (inner
// products) of the rows against A's rows.
import type { Engine } from '../pipeline/engine.js';
import { scores } from '../kernels/scores.js';
import { rowsPerChunk, sub, type Buf } from '../kernels/row-chunks.js';
import { InputError } from '../util/errors.js';

/** out (rows x dim) = x (rows x dim) rotated by A (dim x dim): out_i = A x_i. Rows are chunked to fit a binding. */
export function rotateRows(engine: Engine, x: Buf, rotation: Buf, out: Buf, rows: number, dim: number): void {
  const chunk = rowsPerChunk(engine, [dim * 4, dim * 4], 'rotate');
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    scores(engine, sub(x, r0 * dim * 4, n * dim * 4), rotation, sub(out, r0 * dim * 4, n * dim * 4), n, dim, dim, 0);
  }
}

/** Throws unless `rotation` is a dim x dim matrix. */
export function checkRotation(rotation: Float32Array, dim: number): void {
  if (!(rotation instanceof Float32Array) || rotation.length !== dim * dim) throw new InputError(`rotation must be ${dim} x ${dim} (a Float32Array)`);
}
