// The refine stage of a search (Faiss IndexRefine, LanceDB refineFactor): the ADC scan selects R x k candidates by
// database position, and they are re-ranked on the host by the exact score against the index's refine copy (a finer
// code of each input vector, src/quantizers/scalar.ts), keeping the k best. Host code: R x k candidates per query
// (at most MAX_K) cost R x k x dim multiply-adds, small beside the scan. Also the refine copy's part of the index's
// contents: training its ranges, encoding added vectors, emptying it with the lists.
import type { IvfPqData, RefineData } from '../io/ivfpq-data.js';
import type { Metric } from '../quantizers/metric.js';
import { RefineDecoder, encodeRefine, refineBytesPerVector, trainSq8Ranges, type RefineKind } from '../quantizers/scalar.js';
import { mergeIntoLists } from './inverted-lists.js';

/** What the search's refine stage reads: the factor R, the refine copy (decoder and codes) and the ids by position. */
export interface RefineStage {
  factor: number;
  decoder: RefineDecoder;
  codes: Uint8Array;
  ids: Int32Array;
}

/** A new, empty refine copy of `kind`, its sq8 ranges learned from the n training vectors x (n x dim). */
export function trainRefine(kind: RefineKind, x: Float32Array, n: number, dim: number): RefineData {
  return { kind, ranges: kind === 'sq8' ? trainSq8Ranges(x, n, dim) : new Float32Array(0), codes: new Uint8Array(0) };
}

/** The refine part of emptied contents: `{ refine }` with no codes when d has a refine copy, else nothing. */
export function emptyRefine(d: IvfPqData): { refine?: RefineData } {
  return d.refine ? { refine: { ...d.refine, codes: new Uint8Array(0) } } : {};
}

/**
 * The refine copy of `into` plus n new vectors x (n x dim, before the rotation) assigned to the lists `assign`, in
 * the order mergeIntoLists puts their codes and ids. `newCodes`: encodeRefine's codes of x (encoded first, so a
 * vector the copy cannot hold fails before anything changes).
 */
export function mergeRefine(into: IvfPqData, assign: Uint32Array, newCodes: Uint8Array, ids: Int32Array): RefineData {
  const r = into.refine!;
  const bpv = refineBytesPerVector(r.kind, into.dim);
  const merged = mergeIntoLists({ listOffsets: into.listOffsets, codes: r.codes, ids: into.ids }, into.nlist, bpv, assign, newCodes, ids);
  return { ...r, codes: merged.codes };
}

/** Encodes n vectors x for the refine copy r (InputError when fp16 cannot hold a value). */
export function encodeForRefine(r: RefineData, x: Float32Array, n: number, dim: number, what: string): Uint8Array {
  return encodeRefine(r.kind, r.ranges, x, n, dim, `${what} vectors (refine ${r.kind})`);
}

/** The search's refine stage over the index's refine copy, or null when there is no factor. */
export function refineStage(d: IvfPqData, factor: number | undefined): RefineStage | null {
  if (factor === undefined || !d.refine) return null;
  return { factor, decoder: new RefineDecoder(d.refine.kind, d.refine.ranges, d.dim), codes: d.refine.codes, ids: d.ids };
}

/**
 * Re-ranks `rows` queries q (rows x dim, the caller's vectors before the rotation). Query r's candidates are the
 * database positions cand[r * kk .. r * kk + kk) (-1: none). Each is scored exactly against its decoded refine code
 * x^ in float64: ip <q, x^> (larger is better), l2 ||q - x^||^2 (smaller is better); the k best, ties to the lower
 * position, are written best first as ids (the id at that position) and float32 scores into row r of outIds and
 * outScores, starting at element `at`; a missing result is id -1 and score NaN.
 */
export function rerank(stage: RefineStage, metric: Metric, q: Float32Array, rows: number, cand: Int32Array, kk: number, k: number,
  outIds: Int32Array, outScores: Float32Array, at: number): void {
  const { decoder, codes, ids } = stage, dim = decoder.dim;
  const l2 = metric === 'l2';
  const pos = new Int32Array(kk), score = new Float64Array(kk), order: number[] = [];
  const sign = metric === 'ip' ? -1 : 1; // sort ascending by sign * score
  for (let r = 0; r < rows; r++) {
    const qo = r * dim;
    let n = 0;
    for (let c = 0; c < kk; c++) {
      const p = cand[r * kk + c]!;
      if (p < 0) continue;
      pos[n] = p; score[n] = decoder.score(codes, p, q, qo, l2); n++;
    }
    order.length = n;
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => sign * (score[a]! - score[b]!) || pos[a]! - pos[b]!);
    const o = at + r * k;
    for (let j = 0; j < k; j++) {
      if (j < n) { const i = order[j]!; outIds[o + j] = ids[pos[i]!]!; outScores[o + j] = score[i]!; }
      else { outIds[o + j] = -1; outScores[o + j] = NaN; }
    }
  }
}
