// Asymmetric distance computation (ADC) for IVF-PQ search: per-query lookup tables (adc_lut), Faiss's
// precomputed L2 term per IVF centroid (adc_lut with l2 = 1), and the scan of the probed inverted lists
// with a fused top-k (adc_scan).
import type { Engine } from '../pipeline/engine.js';
import { type Buf, checkK, needBytes, selectionConstants, selectingSource } from './topk.js';

function checkDims(what: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${what}: ${name} must be a non-negative integer, got ${v}`);
  }
}

function lutLike(engine: Engine, what: string, rowsBuf: Buf, codebooks: Buf, out: Buf,
  nrows: number, m: number, ksub: number, dsub: number, l2: boolean): void {
  checkDims(what, { rows: nrows, m, ksub, dsub });
  if (m < 1 || ksub < 1 || dsub < 1) throw new Error(`${what}: m, ksub and dsub must be at least 1 (got ${m}, ${ksub}, ${dsub})`);
  needBytes(rowsBuf, nrows * m * dsub * 4, `${what}: ${l2 ? 'centroids' : 'queries'}`);
  needBytes(codebooks, m * ksub * dsub * 4, `${what}: codebooks`);
  needBytes(out, nrows * m * ksub * 4, `${what}: out`);
  if (nrows === 0) return;
  const cblocks = Math.ceil(ksub / 64);
  engine.dispatch('adc_lut', {
    bindings: { x: rowsBuf, codebooks, out },
    params: { nrows, m, ksub, dsub, l2: l2 ? 1 : 0, cblocks },
    workgroups: m * cblocks * Math.ceil(nrows / 16),
  });
}

/** Per-query lookup tables: out[q][j][c] = <Q[q][j*dsub..], C[j][c]> for queries nq x d (d = m*dsub),
 *  codebooks m x ksub x dsub. out is nq x m x ksub f32. */
export function adcLut(engine: Engine, queries: Buf, codebooks: Buf, out: Buf, nq: number, m: number, ksub: number, dsub: number): void {
  lutLike(engine, 'adcLut', queries, codebooks, out, nq, m, ksub, dsub, false);
}

/** For L2 IVFPQ (Faiss's precomputed table): out[l][j][c] = ||C[j][c]||^2 + 2 <O[l][j*dsub..], C[j][c]> for
 *  IVF centroids O (nlist x d). out is nlist x m x ksub. */
export function adcL2Term(engine: Engine, centroids: Buf, codebooks: Buf, out: Buf, nlist: number, m: number, ksub: number, dsub: number): void {
  lutLike(engine, 'adcL2Term', centroids, codebooks, out, nlist, m, ksub, dsub, true);
}
