// float64 CPU reference of an IVFPQ search over plain IvfPqData (Faiss IndexIVFPQ semantics).
import type { IvfPqData } from '../../src/io/ivfpq-data.js';
import { codeSize } from '../../src/quantizers/product.js';

export function codeAt(d: IvfPqData, row: number, j: number): number {
  const cs = codeSize(d.m, d.bits);
  if (d.bits === 8) return d.codes[row * cs + j]!;
  const byte = d.codes[row * cs + (j >> 1)]!;
  return j & 1 ? byte >> 4 : byte & 15;
}

function rotateQuery(d: IvfPqData, q: ArrayLike<number>, off: number): Float64Array {
  const out = new Float64Array(d.dim);
  for (let i = 0; i < d.dim; i++) {
    if (!d.rotation) { out[i] = q[off + i]!; continue; }
    let s = 0;
    for (let j = 0; j < d.dim; j++) s += d.rotation[i * d.dim + j]! * q[off + j]!;
    out[i] = s;
  }
  return out;
}

/** Score of database row `row` (in list `l`) for a (rotated) query under ADC. */
export function adcScore(d: IvfPqData, q: Float64Array, l: number, row: number): number {
  const ksub = 1 << d.bits, dsub = d.dim / d.m;
  let s = 0;
  if (d.metric === 'ip') {
    for (let i = 0; i < d.dim; i++) s += q[i]! * d.centroids[l * d.dim + i]!;
    for (let j = 0; j < d.m; j++) {
      const c = codeAt(d, row, j);
      for (let t = 0; t < dsub; t++) s += q[j * dsub + t]! * d.codebooks[(j * ksub + c) * dsub + t]!;
    }
  } else {
    for (let j = 0; j < d.m; j++) {
      const c = codeAt(d, row, j);
      for (let t = 0; t < dsub; t++) {
        const i = j * dsub + t;
        const r = d.centroids[l * d.dim + i]! + d.codebooks[(j * ksub + c) * dsub + t]!;
        s += (q[i]! - r) * (q[i]! - r);
      }
    }
  }
  return s;
}

export interface RefResult { ids: Int32Array; scores: Float64Array }

/** IVFPQ search: probe the nprobe best lists (ties -> lower list), ADC-score their vectors, keep the best k. */
export function ivfpqSearchRef(d: IvfPqData, queries: ArrayLike<number>, nq: number, k: number, nprobe: number): RefResult {
  const ip = d.metric === 'ip';
  const better = (a: number, b: number) => (ip ? a > b : a < b);
  const ids = new Int32Array(nq * k).fill(-1), scores = new Float64Array(nq * k).fill(NaN);
  for (let qi = 0; qi < nq; qi++) {
    const q = rotateQuery(d, queries, qi * d.dim);
    const coarse: Array<[number, number]> = [];
    for (let l = 0; l < d.nlist; l++) {
      let s = 0;
      for (let i = 0; i < d.dim; i++) {
        const c = d.centroids[l * d.dim + i]!;
        s += ip ? q[i]! * c : (q[i]! - c) * (q[i]! - c);
      }
      coarse.push([s, l]);
    }
    coarse.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : better(a[0], b[0]) ? -1 : 1));
    const cand: Array<[number, number, number]> = []; // score, db row, id
    for (const [, l] of coarse.slice(0, nprobe)) {
      for (let r = d.listOffsets[l]!; r < d.listOffsets[l + 1]!; r++) cand.push([adcScore(d, q, l, r), r, d.ids[r]!]);
    }
    cand.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : better(a[0], b[0]) ? -1 : 1));
    for (let i = 0; i < Math.min(k, cand.length); i++) { ids[qi * k + i] = cand[i]![2]; scores[qi * k + i] = cand[i]![0]; }
  }
  return { ids, scores };
}

/** Exact search over raw vectors (the teacher): top-k ids by inner product or squared L2. */
export function exactSearchRef(base: ArrayLike<number>, n: number, queries: ArrayLike<number>, nq: number, dim: number, k: number, metric: 'ip' | 'l2'): Int32Array {
  const out = new Int32Array(nq * k);
  for (let qi = 0; qi < nq; qi++) {
    const s: Array<[number, number]> = [];
    for (let j = 0; j < n; j++) {
      let v = 0;
      for (let i = 0; i < dim; i++) {
        const a = queries[qi * dim + i]!, b = base[j * dim + i]!;
        v += metric === 'ip' ? a * b : (a - b) * (a - b);
      }
      s.push([metric === 'ip' ? -v : v, j]);
    }
    s.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let i = 0; i < k; i++) out[qi * k + i] = s[i]![1];
  }
  return out;
}
