// Exact (brute-force) k-nearest-neighbour search on the GPU: the teacher's ranking for distillation and the
// ground truth for evaluation. Scores are computed tile by tile (scores kernel) and reduced with the top-k
// kernel; base sets larger than one binding are processed in row chunks whose results are merged on the host.
import type { Engine } from '../pipeline/engine.js';
import { scores, scoresTexels, hasScoresTexels } from '../kernels/scores.js';
import type { GpuTexture } from '../pipeline/buffer.js';
import { topk } from '../kernels/topk.js';
import { metricCode, type Metric } from '../quantizers/metric.js';
import { ProgressMeter, type LongWorkOptions } from '../util/progress.js';
import { throwIfAborted } from '../util/abort.js';

export interface ExactResult {
  /** nq x k row indices into the base set, best first */
  ids: Int32Array;
  scores: Float32Array;
  k: number;
}

export async function exactSearch(engine: Engine, base: Float32Array, n: number, queries: Float32Array, nq: number, dim: number,
  k: number, metric: Metric, opts: LongWorkOptions = {}): Promise<ExactResult> {
  if (k < 1 || k > n) throw new Error(`exact search: k = ${k} must be in [1, ${n}]`);
  if (k > 1024) throw new Error(`exact search: k = ${k} is over the top-k kernel's limit of 1024`);
  if (base.length !== n * dim || queries.length !== nq * dim) throw new Error('exact search: array sizes do not match n, nq and dim');
  const largest = metric === 'ip';
  const maxB = engine.maxBinding;
  const nb = Math.max(k, Math.min(n, Math.floor(maxB / (dim * 4)), 1 << 16));
  const qc = Math.max(1, Math.min(nq, Math.floor(maxB / (nb * 4)), Math.floor(maxB / (dim * 4)), 1024));
  const chunks = Math.ceil(n / nb);
  const outIds = new Int32Array(nq * k), outScores = new Float32Array(nq * k);
  const meter = new ProgressMeter('exact search', nq * chunks, opts.onProgress);
  // on a software adapter with subgroups the base block and the queries go straight from the host into textures
  // (scoresTexels: one copy of the block serves every query chunk; kernels/scores.ts)
  const tex = hasScoresTexels(engine, dim) && nq > 8 && engine.fitsTexels((nb * dim) / 4) && engine.fitsTexels((qc * dim) / 4);
  const bBuf = tex ? null : engine.buffer(nb * dim * 4, 'exact base');
  const qBuf = tex ? null : engine.buffer(qc * dim * 4, 'exact queries');
  let bTex: GpuTexture | null = null;
  const sBuf = engine.buffer(qc * nb * 4, 'exact scores');
  const vBuf = engine.buffer(qc * k * 4, 'exact topk values'), iBuf = engine.buffer(qc * k * 4, 'exact topk ids');
  // running best per query (host merge across base chunks)
  const bestS = new Float32Array(nq * k).fill(largest ? -Infinity : Infinity), bestI = new Int32Array(nq * k).fill(-1);
  try {
    let done = 0;
    for (let b0 = 0; b0 < n; b0 += nb) {
      const rowsB = Math.min(nb, n - b0);
      bTex?.dispose(); bTex = null;
      if (bBuf) engine.write(bBuf, base.subarray(b0 * dim, (b0 + rowsB) * dim));
      else bTex = engine.texelsFrom(base.subarray(b0 * dim, (b0 + rowsB) * dim), 'exact base texels');
      const kk = Math.min(k, rowsB);
      for (let q0 = 0; q0 < nq; q0 += qc) {
        throwIfAborted(opts.signal);
        const rows = Math.min(qc, nq - q0);
        if (!bBuf || !qBuf) {
          const qTex = engine.texelsFrom(queries.subarray(q0 * dim, (q0 + rows) * dim), 'exact query texels');
          try { scoresTexels(engine, qTex, bTex!, sBuf, rows, rowsB, dim, metricCode(metric)); } finally { qTex.dispose(); }
        } else {
          engine.write(qBuf, queries.subarray(q0 * dim, (q0 + rows) * dim));
          scores(engine, qBuf, bBuf, sBuf, rows, rowsB, dim, metricCode(metric));
        }
        topk(engine, sBuf, vBuf, iBuf, rows, rowsB, kk, largest);
        const v = await engine.read(vBuf, Float32Array, 0, rows * kk * 4);
        const id = await engine.read(iBuf, Int32Array, 0, rows * kk * 4);
        if (chunks === 1) {
          outScores.set(v, q0 * k); outIds.set(id, q0 * k);
        } else {
          for (let r = 0; r < rows; r++) mergeRow(bestS, bestI, (q0 + r) * k, k, v, id, r * kk, kk, b0, largest);
        }
        done += rows;
        meter.report(done);
      }
    }
  } finally {
    bTex?.dispose();
    for (const b of [bBuf, qBuf, sBuf, vBuf, iBuf]) b?.dispose();
  }
  if (chunks > 1) { outScores.set(bestS); outIds.set(bestI); }
  return { ids: outIds, scores: outScores, k };
}

/** Merges a chunk's sorted top-kk (ids relative to the chunk start) into a row's running sorted top-k. */
function mergeRow(bs: Float32Array, bi: Int32Array, at: number, k: number, v: Float32Array, id: Int32Array, off: number, kk: number, base: number, largest: boolean): void {
  const s = Array.from(bs.subarray(at, at + k)), ii = Array.from(bi.subarray(at, at + k));
  let a = 0, b = 0;
  for (let o = 0; o < k; o++) {
    const takeA = b >= kk || (a < k && (largest ? s[a]! >= v[off + b]! : s[a]! <= v[off + b]!));
    if (takeA) { bs[at + o] = s[a]!; bi[at + o] = ii[a]!; a++; } else { bs[at + o] = v[off + b]!; bi[at + o] = id[off + b]! + base; b++; }
  }
}
