// IVFPQ search (Faiss IndexIVFPQ::search), in chunks of queries that fit the binding limit: rotate, score the
// lists (coarse quantizer), keep the nprobe best, build the PQ lookup tables and scan the probed lists with the
// ADC kernels, which also select the k best. Lists held in several segments (inverted-lists.ts) are scanned one
// segment at a time and the segments' k best merged on the GPU (kernels/lists-merge.ts). One readback per chunk.
import type { Engine } from '../pipeline/engine.js';
import { topk } from '../kernels/topk.js';
import { adcScan } from '../kernels/adc.js';
import { mergeTopk, positionsToIds } from '../kernels/lists-merge.js';
import { sub } from '../kernels/row-chunks.js';
import { InputError } from '../util/errors.js';
import type { CoarseQuantizer } from '../quantizers/coarse.js';
import type { ProductQuantizer } from '../quantizers/product.js';
import { ProgressMeter, type LongWorkOptions } from '../util/progress.js';
import { throwIfAborted } from '../util/abort.js';
import type { GpuTables } from './tables.js';
import type { GpuLists } from './inverted-lists.js';
import type { GpuBuffer, Buf } from '../pipeline/buffer.js';
import { rerank, type RefineStage } from './refine.js';

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
  /** the lists, or null when `listsForProbes` supplies each chunk's */
  lists: GpuLists | null;
  hostListOffsets: Uint32Array;
  /** with a refine stage the scan selects min(R x k, ntotal) candidates by position and refine.ts re-ranks them */
  refine?: RefineStage | null;
  /** a lazily opened index (lazy-lists.ts): the lists of one chunk, given its probes (rows x nprobe list numbers) */
  listsForProbes?: ((probes: Uint32Array, rows: number, nprobe: number) => Promise<ChunkLists>) | undefined;
}

/** The lists one chunk scans in place of the target's: the same nlist, the unprobed lists empty. The refine stage
 *  (when the search has one) reads its codes and ids by position in these lists. Released by dispose(). */
export interface ChunkLists {
  lists: GpuLists;
  hostListOffsets: Uint32Array;
  refine: RefineStage | null;
  dispose(): void;
}

/** The k best of the nprobe nearest lists for each of the nq queries (nq x dim, before the rotation); k, nprobe and
 *  the refine factor already checked. */
export async function searchLists(engine: Engine, s: SearchTarget, q: Float32Array, nq: number, k: number, nprobe: number,
  opts: LongWorkOptions = {}): Promise<SearchResult> {
  const e = engine, { coarse, pq, tables: t, lists } = s;
  const dim = coarse.dim, nlist = coarse.nlist, metric = coarse.metric;
  const rf = s.refine ?? null;
  // the scan's k: the candidates of the refine stage (by position), or the k results (by id)
  const ks = rf ? Math.min(rf.factor * k, s.hostListOffsets[nlist]!) : k;
  // the segments of the lists (a lazily opened index: its chunks' lists are one segment unless they pass a binding)
  const S = lists ? lists.segments.length : 1;
  // per query, in the widest binding: a table, the coarse scores, the rows, the candidates (of every segment)
  const perQuery = Math.max(pq.m * pq.ksub, nlist, dim, nprobe * Math.max(ks, 1), S > 1 ? S * ks : 0) * 4;
  const qc = queriesPerChunk(e, nq, perQuery, S, ks);
  const l2Term = metric === 'l2' ? t.l2Term(e, pq, nlist) : null;
  const l2Pairs = metric === 'l2' && pq.bits === 4 ? t.l2PairTerm(e, pq, nlist) : null; // the 4-bit scan's form of it
  const outIds = new Int32Array(nq * k), outScores = new Float32Array(nq * k);
  const qb = e.buffer(qc * dim * 4, 'queries');
  const qr = t.rotation ? e.buffer(qc * dim * 4, 'rotated queries') : null;
  const coarseScores = e.buffer(qc * nlist * 4, 'coarse scores');
  const probes = e.buffer(qc * nprobe * 4, 'probes'), probeScores = e.buffer(qc * nprobe * 4, 'probe scores');
  const lut = e.buffer(qc * pq.m * pq.ksub * 4, 'lut');
  // scores and ids share one buffer so each chunk needs a single readback
  const idsAt = Math.ceil((qc * ks * 4) / 256) * 256;
  const results = e.buffer(idsAt + qc * ks * 4, 'results');
  const resScores = results.slice(0, qc * ks * 4), resIds = results.slice(idsAt, qc * ks * 4);
  // several segments: each one's k best per query (by position in the segment), merged into the results
  const stride = segmentStride(qc, ks);
  let cand: [GpuBuffer, GpuBuffer] | null = null;
  let merged: GpuBuffer | null = null;
  /** candidate rows for `count` segments: made on first use, remade larger when a lazy chunk needs more */
  const segmentBuffers = (count: number): [GpuBuffer, GpuBuffer] => {
    const bytes = count * stride * 4;
    if (bytes > e.maxBinding) {
      throw segmentsDoNotFit(e, count, ks);
    }
    if (!cand || cand[0].size < bytes) {
      cand?.forEach((b) => b.dispose());
      cand = null; // disposed: not again in finally if the next buffer cannot be made
      cand = [e.buffer(bytes, 'segment scores'), e.buffer(bytes, 'segment positions')];
    }
    return cand;
  };
  if (S > 1) segmentBuffers(S);
  const meter = new ProgressMeter('search', nq, opts.onProgress);
  try {
    for (let q0 = 0; q0 < nq; q0 += qc) {
      throwIfAborted(opts.signal);
      const rows = Math.min(qc, nq - q0);
      const src = t.rowsInIndexSpace(e, q, q0, rows, dim, qb, qr);
      coarse.scores(e, src, t.centroids, coarseScores, rows);
      topk(e, coarseScores, probeScores, probes, rows, nlist, nprobe, metric === 'ip');
      pq.lookupTables(e, src, t.codebooks, lut, rows);
      // a lazily opened index scans the lists of this chunk's probes, uploaded for it
      const chunk = s.listsForProbes ? await s.listsForProbes(await e.read(probes, Uint32Array, 0, rows * nprobe * 4), rows, nprobe) : null;
      let bytes: Uint8Array;
      try {
        const L = chunk?.lists ?? lists!;
        const segs = L.segments;
        const scan = (i: number, ids: GpuBuffer, outScores: Buf, outIds: Buf) => {
          const g = segs[i]!, codeTexels = L.codeTexels(e, i, pq);
          adcScan(e, {
            lut, probes, coarse: probeScores, listOffsets: g.listOffsets, codes: g.codes, ids,
            ...(l2Term ? { l2Term } : {}), ...(l2Pairs ? { l2Pairs } : {}), ...(codeTexels ? { codeTexels } : {}), outScores, outIds,
            nq: rows, nprobe, nlist, m: pq.m, bits: pq.bits, k: ks, metric,
            hostListOffsets: g.hostListOffsets,
          });
        };
        if (segs.length === 1) {
          scan(0, rf ? L.positions(e) : segs[0]!.ids, resScores, resIds);
        } else {
          const [cs, cp] = segmentBuffers(segs.length);
          segs.forEach((_, i) => scan(i, L.positions(e), sub(cs, i * stride * 4, rows * ks * 4), sub(cp, i * stride * 4, rows * ks * 4)));
          const mergedPos = rf ? null : (merged ??= e.buffer(qc * ks * 4, 'merged positions'));
          mergeTopk(e, { inScores: cs, inPos: cp, starts: L.starts, outScores: resScores, outPos: mergedPos ?? resIds, rows, k: ks, segs: segs.length, stride, largest: metric === 'ip' });
          if (mergedPos) for (const g of segs) positionsToIds(e, mergedPos, g.ids, resIds, rows * ks, g.start, g.end);
        }
        bytes = await e.read(results, Uint8Array, 0, idsAt + rows * ks * 4);
      } finally {
        chunk?.dispose();
      }
      if (rf) {
        rerank(chunk?.refine ?? rf, metric, q.subarray(q0 * dim, (q0 + rows) * dim), rows, new Int32Array(bytes.buffer, idsAt, rows * ks), ks, k, outIds, outScores, q0 * k);
      } else {
        outScores.set(new Float32Array(bytes.buffer, 0, rows * k), q0 * k);
        outIds.set(new Int32Array(bytes.buffer, idsAt, rows * k), q0 * k);
        // the selection pads a short row with -Infinity / +Infinity; a missing result's score is NaN (SearchResult)
        for (let i = q0 * k; i < (q0 + rows) * k; i++) if (outIds[i] === -1) outScores[i] = NaN;
      }
      meter.report(q0 + rows);
    }
  } finally {
    for (const b of [qb, qr, coarseScores, probes, probeScores, lut, results, ...(cand ?? []), merged] as (GpuBuffer | null)[]) b?.dispose();
  }
  return { ids: outIds, scores: outScores, k, nq };
}

function segmentsDoNotFit(e: Engine, count: number, ks: number): InputError {
  return new InputError(`search: the lists are held in ${count} segments whose ${ks} candidates per query do not fit this device's maxStorageBufferBindingSize (${e.maxBinding} bytes); ask for fewer results (k, refineFactor)`);
}

/** Elements between segments' candidate rows in a chunk of qc queries: qc x ks rounded up to 256 bytes. */
function segmentStride(qc: number, ks: number): number {
  return Math.ceil((qc * ks) / 64) * 64;
}

/**
 * Queries per chunk: at most 1024 and nq, each binding of at most perQuery bytes a query within the binding limit,
 * and the S segments' candidate rows (S x stride) within one binding. Refused (InputError) before any work when
 * one query's do not fit.
 */
function queriesPerChunk(e: Engine, nq: number, perQuery: number, S: number, ks: number): number {
  let qc = Math.max(1, Math.min(nq, 1024, Math.floor(e.maxBinding / perQuery)));
  while (S > 1 && qc > 1 && S * segmentStride(qc, ks) * 4 > e.maxBinding) qc--;
  if (S > 1 && S * segmentStride(qc, ks) * 4 > e.maxBinding) {
    throw segmentsDoNotFit(e, S, ks);
  }
  return qc;
}
