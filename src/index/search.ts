// IVFPQ search (Faiss IndexIVFPQ::search), in chunks of queries that fit the binding limit: rotate, score the
// lists (coarse quantizer), keep the nprobe best, build the PQ lookup tables and scan the probed lists with the
// ADC kernels, which also select the k best. One buffer (carved into the parts) per call, one readback per chunk.
import type { Engine } from '../pipeline/engine.js';
import { sliceOf, type Buf, type GpuBuffer } from '../pipeline/buffer.js';
import { topk } from '../kernels/topk.js';
import { adcScan } from '../kernels/adc.js';
import type { CoarseQuantizer } from '../quantizers/coarse.js';
import type { ProductQuantizer } from '../quantizers/product.js';
import { ProgressMeter, type LongWorkOptions } from '../util/progress.js';
import { throwIfAborted } from '../util/abort.js';
import type { GpuTables } from './tables.js';
import type { GpuLists } from './inverted-lists.js';

export interface SearchResult {
  /** nq x k ids, row-major; -1 where fewer than k results exist */
  ids: Int32Array;
  /** nq x k scores: inner products (descending) or squared L2 distances (ascending); NaN where no result */
  scores: Float32Array;
  k: number;
  nq: number;
}

/** What a search reads: the quantizers, their GPU tables and the lists (GPU, and the host offsets). */
export interface SearchTarget {
  coarse: CoarseQuantizer;
  pq: ProductQuantizer;
  tables: GpuTables;
  lists: GpuLists;
  hostListOffsets: Uint32Array;
}

/** The k best of the nprobe nearest lists for each of the nq queries (nq x dim); k and nprobe already checked. */
export async function searchLists(engine: Engine, s: SearchTarget, q: Float32Array, nq: number, k: number, nprobe: number,
  opts: LongWorkOptions = {}): Promise<SearchResult> {
  const e = engine, { coarse, pq, tables: t, lists } = s;
  const dim = coarse.dim, nlist = coarse.nlist, metric = coarse.metric;
  const l2Term = metric === 'l2' ? t.l2Term(e, pq, nlist) : null;
  const perQuery = Math.max(pq.m * pq.ksub, nlist, dim, nprobe * Math.max(k, 1)) * 4;
  const qc = Math.max(1, Math.min(nq, 1024, Math.floor(e.maxBinding / perQuery)));
  const outIds = new Int32Array(nq * k), outScores = new Float32Array(nq * k);
  // scores and ids end to end so each chunk needs a single readback
  const ws = carve(e, {
    queries: qc * dim * 4, rotated: t.rotation ? qc * dim * 4 : 0, coarseScores: qc * nlist * 4,
    probes: qc * nprobe * 4, probeScores: qc * nprobe * 4, lut: qc * pq.m * pq.ksub * 4, resScores: qc * k * 4, resIds: qc * k * 4,
  });
  const w = ws.parts;
  const meter = new ProgressMeter('search', nq, opts.onProgress);
  try {
    for (let q0 = 0; q0 < nq; q0 += qc) {
      throwIfAborted(opts.signal);
      const rows = Math.min(qc, nq - q0);
      const src = t.rowsInIndexSpace(e, q, q0, rows, dim, w.queries, t.rotation ? w.rotated : null);
      coarse.scores(e, src, t.centroids, w.coarseScores, rows);
      topk(e, w.coarseScores, w.probeScores, w.probes, rows, nlist, nprobe, metric === 'ip');
      pq.lookupTables(e, src, t.codebooks, w.lut, rows);
      adcScan(e, {
        lut: w.lut, probes: w.probes, coarse: w.probeScores, listOffsets: lists.listOffsets, codes: lists.codes, ids: lists.ids,
        ...(l2Term ? { l2Term } : {}), outScores: w.resScores, outIds: w.resIds,
        nq: rows, nprobe, nlist, m: pq.m, bits: pq.bits, k, metric,
        hostListOffsets: s.hostListOffsets,
      });
      const rs = sliceOf(w.resScores), ri = sliceOf(w.resIds);
      if (rs.buffer === ri.buffer) { // one readback of both
        const bytes = await e.read(rs.buffer, Uint8Array, rs.offset, ri.offset - rs.offset + rows * k * 4);
        outScores.set(new Float32Array(bytes.buffer, 0, rows * k), q0 * k);
        outIds.set(new Int32Array(bytes.buffer, ri.offset - rs.offset, rows * k), q0 * k);
      } else {
        outScores.set(await e.read(rs.buffer, Float32Array, rs.offset, rows * k * 4), q0 * k);
        outIds.set(await e.read(ri.buffer, Int32Array, ri.offset, rows * k * 4), q0 * k);
      }
      meter.report(q0 + rows);
    }
  } finally {
    ws.dispose();
  }
  return { ids: outIds, scores: outScores, k, nq };
}

/**
 * Buffers of the given byte sizes for one search call: slices of a single buffer (one allocation per call; slice
 * offsets aligned for storage bindings, parts in the order given), or one buffer each when that single buffer
 * would pass the device's maxBufferSize. Zero-byte parts get 16 bytes.
 */
function carve<N extends string>(e: Engine, sizes: Record<N, number>): { parts: Record<N, Buf>; dispose(): void } {
  const align = Math.max(256, e.limits.minStorageBufferOffsetAlignment);
  const names = Object.keys(sizes) as N[];
  const bytes = (n: N) => Math.max(16, Math.ceil(sizes[n] / 16) * 16);
  let total = 0;
  const at = {} as Record<N, number>;
  for (const n of names) { at[n] = total; total += Math.ceil(bytes(n) / align) * align; }
  const parts = {} as Record<N, Buf>;
  if (total <= e.limits.maxBufferSize) {
    const one = e.buffer(total, 'search workspace');
    for (const n of names) parts[n] = one.slice(at[n], bytes(n));
    return { parts, dispose: () => one.dispose() };
  }
  const own: GpuBuffer[] = [];
  try {
    for (const n of names) { const b = e.buffer(bytes(n), `search ${n}`); own.push(b); parts[n] = b; }
  } catch (err) {
    for (const b of own) b.dispose();
    throw err;
  }
  return { parts, dispose: () => { for (const b of own) b.dispose(); } };
}
