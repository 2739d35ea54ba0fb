// Scalar quantizers of the refine copy (Faiss IndexScalarQuantizer): the finer second copy of each vector that a
// search with refineFactor re-ranks its ADC candidates against (src/index/refine.ts). Host code, float32
// arithmetic as Faiss's scalar code path, so a copy encoded here decodes to the same values in Faiss:
//   sq8  (Faiss QT_8bit, RS_minmax, rangestat_arg 0): per dimension i a minimum vmin_i and range vdiff_i learned as
//        the min and max of the training vectors; a value v is stored as the byte c = floor(255 * t) with
//        t = clamp((v - vmin_i) / vdiff_i, 0, 1) (t = 0 when vdiff_i = 0) and decoded as vmin_i + (c + 0.5) / 255 * vdiff_i,
//        so a value inside the range is recovered within half a step, vdiff_i / 510, and one outside it is clamped.
//   fp16 (Faiss QT_fp16): IEEE half precision, two bytes little-endian, round to nearest even (relative error at
//        most 2^-11 for normal values); values of magnitude over 65504 are refused (they would become Infinity).
import { halfToFloat, floatToHalf } from '../util/float16.js';
import { InputError } from '../util/errors.js';

export type RefineKind = 'sq8' | 'fp16';
export const REFINE_KINDS: readonly RefineKind[] = ['sq8', 'fp16'];
/** the largest finite half-precision value */
export const FP16_MAX = 65504;

export function isRefineKind(v: unknown): v is RefineKind {
  return v === 'sq8' || v === 'fp16';
}

/** Bytes of one vector's refine code. */
export function refineBytesPerVector(kind: RefineKind, dim: number): number {
  return kind === 'sq8' ? dim : 2 * dim;
}

/** Floats of the trained ranges: sq8 2 x dim (vmin then vdiff, Faiss's `trained` layout), fp16 none. */
export function refineRangeLength(kind: RefineKind, dim: number): number {
  return kind === 'sq8' ? 2 * dim : 0;
}

/** sq8 ranges from n training vectors (n x dim, n >= 1): per dimension vmin = min, vdiff = max - min (float32). */
export function trainSq8Ranges(x: Float32Array, n: number, dim: number): Float32Array {
  if (n < 1 || x.length < n * dim) throw new InputError(`sq8 training needs at least one ${dim}-dimensional vector`);
  const r = new Float32Array(2 * dim);
  const vmin = r.subarray(0, dim), vmax = r.subarray(dim);
  vmin.set(x.subarray(0, dim)); vmax.set(x.subarray(0, dim));
  for (let row = 1; row < n; row++) {
    const o = row * dim;
    for (let i = 0; i < dim; i++) {
      const v = x[o + i]!;
      if (v < vmin[i]!) vmin[i] = v;
      if (v > vmax[i]!) vmax[i] = v;
    }
  }
  for (let i = 0; i < dim; i++) vmax[i] = vmax[i]! - vmin[i]!; // float32 store: Faiss's vdiff
  return r;
}

/**
 * Encodes n vectors (n x dim) as refine codes (n x refineBytesPerVector bytes). `ranges`: the sq8 ranges (ignored
 * for fp16). fp16 refuses a value of magnitude over FP16_MAX with an InputError naming the row and column.
 */
export function encodeRefine(kind: RefineKind, ranges: Float32Array, x: Float32Array, n: number, dim: number, what = 'refine'): Uint8Array {
  const out = new Uint8Array(n * refineBytesPerVector(kind, dim));
  const f = Math.fround;
  if (kind === 'sq8') {
    const vmin = ranges.subarray(0, dim), vdiff = ranges.subarray(dim, 2 * dim);
    for (let row = 0, o = 0; row < n; row++) {
      for (let i = 0; i < dim; i++, o++) {
        const vd = vdiff[i]!;
        let t = 0;
        if (vd !== 0) {
          t = f(f(x[o]! - vmin[i]!) / vd);
          if (t < 0) t = 0;
          if (t > 1) t = 1;
        }
        out[o] = Math.trunc(f(255 * t));
      }
    }
    return out;
  }
  for (let o = 0; o < n * dim; o++) {
    const v = x[o]!;
    if (!(Math.abs(v) <= FP16_MAX)) {
      throw new InputError(`${what}: row ${Math.floor(o / dim)} column ${o % dim} is ${v}, beyond the fp16 refine copy's range ±${FP16_MAX} (use refine 'sq8')`);
    }
    const h = floatToHalf(v);
    out[2 * o] = h & 0xff;
    out[2 * o + 1] = h >>> 8;
  }
  return out;
}

let HALF_TABLE: Float32Array | null = null;
/** All 65,536 half values as float32 (exact), built once. */
function halfTable(): Float32Array {
  if (HALF_TABLE) return HALF_TABLE;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = halfToFloat(h);
  return (HALF_TABLE = t);
}

/** Decodes refine codes row by row (through a table of every code's value per dimension). */
export class RefineDecoder {
  private readonly table: Float32Array;

  constructor(readonly kind: RefineKind, ranges: Float32Array, readonly dim: number) {
    if (kind === 'fp16') { this.table = halfTable(); return; }
    const f = Math.fround;
    this.table = new Float32Array(dim * 256);
    for (let i = 0; i < dim; i++) {
      const vmin = ranges[i]!, vdiff = ranges[dim + i]!;
      for (let c = 0; c < 256; c++) this.table[i * 256 + c] = f(vmin + f(f(f(c + 0.5) / 255) * vdiff));
    }
  }

  /** Writes the decoded vector at position `pos` of `codes` into out[0 .. dim). */
  decodeRow(codes: Uint8Array, pos: number, out: Float32Array | Float64Array): void {
    const dim = this.dim, t = this.table;
    if (this.kind === 'sq8') {
      const o = pos * dim;
      for (let i = 0; i < dim; i++) out[i] = t[(i << 8) | codes[o + i]!]!;
      return;
    }
    const o = 2 * pos * dim;
    for (let i = 0; i < dim; i++) out[i] = t[codes[o + 2 * i]! | (codes[o + 2 * i + 1]! << 8)]!;
  }

  /**
   * The exact score of query q (its values q[qo .. qo + dim)) against the decoded vector x^ at position `pos`, in
   * float64: <q, x^>, or with `l2` ||q - x^||^2. The same sums, in the same order, as decodeRow then a loop.
   */
  score(codes: Uint8Array, pos: number, q: Float32Array, qo: number, l2: boolean): number {
    const dim = this.dim, t = this.table;
    let s = 0;
    if (this.kind === 'sq8') {
      const o = pos * dim;
      if (l2) for (let i = 0; i < dim; i++) { const d = q[qo + i]! - t[(i << 8) | codes[o + i]!]!; s += d * d; }
      else for (let i = 0; i < dim; i++) s += q[qo + i]! * t[(i << 8) | codes[o + i]!]!;
      return s;
    }
    const o = 2 * pos * dim;
    if (l2) for (let i = 0; i < dim; i++) { const d = q[qo + i]! - t[codes[o + 2 * i]! | (codes[o + 2 * i + 1]! << 8)]!; s += d * d; }
    else for (let i = 0; i < dim; i++) s += q[qo + i]! * t[codes[o + 2 * i]! | (codes[o + 2 * i + 1]! << 8)]!;
    return s;
  }

  /** Decodes n rows starting at position `pos` (n x dim float32). */
  decode(codes: Uint8Array, pos: number, n: number): Float32Array {
    const out = new Float32Array(n * this.dim);
    for (let r = 0; r < n; r++) this.decodeRow(codes, pos + r, out.subarray(r * this.dim, (r + 1) * this.dim));
    return out;
  }
}
