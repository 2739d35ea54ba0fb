// Float64 CPU references of the ADC kernels: lookup tables, the L2 precomputed term and the scan of
// probed inverted lists with its top-k (ties to the lower database position, padding -1 / +-Infinity).

/** out[r][j][c] = <X[r][j*dsub..], C[j][c]>, or with l2: ||C[j][c]||^2 + 2 <X[r][j*dsub..], C[j][c]>. */
export function adcLutRef(x: ArrayLike<number>, codebooks: ArrayLike<number>, nrows: number, m: number, ksub: number,
  dsub: number, l2 = false): Float64Array {
  const d = m * dsub, out = new Float64Array(nrows * m * ksub);
  for (let r = 0; r < nrows; r++) for (let j = 0; j < m; j++) for (let c = 0; c < ksub; c++) {
    let dot = 0, nrm = 0;
    for (let t = 0; t < dsub; t++) {
      const cv = codebooks[(j * ksub + c) * dsub + t]!;
      dot += x[r * d + j * dsub + t]! * cv;
      nrm += cv * cv;
    }
    out[(r * m + j) * ksub + c] = l2 ? nrm + 2 * dot : dot;
  }
  return out;
}

/** Byte-pair tables of 4-bit tables (rows x m x 16): out[r][i][b] = t[r][2i][b & 15] + t[r][2i+1][b >> 4], the
 *  second term absent when 2i + 1 = m; rows x ceil(m / 2) x 256. */
export function adcPairTablesRef(tab: ArrayLike<number>, rows: number, m: number): Float64Array {
  const mp = Math.ceil(m / 2), out = new Float64Array(rows * mp * 256);
  for (let r = 0; r < rows; r++) for (let i = 0; i < mp; i++) for (let b = 0; b < 256; b++) {
    const j = 2 * i;
    out[(r * mp + i) * 256 + b] = tab[(r * m + j) * 16 + (b & 15)]! + (j + 1 < m ? tab[(r * m + j + 1) * 16 + (b >> 4)]! : 0);
  }
  return out;
}

/** The j-th code of vector v from packed Faiss-style bytes in u32 words (bits 8 or 4, LSB first). */
export function codeAt(codes: Uint32Array, wordsPerVector: number, v: number, j: number, bits: number): number {
  const bit = j * bits;
  return (codes[v * wordsPerVector + (bit >>> 5)]! >>> (bit & 31)) & ((1 << bits) - 1);
}

export interface AdcScanInput {
  lut: ArrayLike<number>; probes: Int32Array; coarse: ArrayLike<number>; listOffsets: Uint32Array;
  codes: Uint32Array; ids: Int32Array; l2Term?: ArrayLike<number>;
  nq: number; nprobe: number; m: number; bits: number; k: number; metric: 'ip' | 'l2';
}

/** Every candidate's score (for checks), and the best k per query, ties to the lower database position. */
export function adcScanRef(a: AdcScanInput): { scores: Float64Array; ids: Int32Array; all: Map<number, number>[] } {
  const ksub = 1 << a.bits, wpv = Math.ceil(Math.ceil((a.m * a.bits) / 8) / 4);
  const outS = new Float64Array(a.nq * a.k), outI = new Int32Array(a.nq * a.k);
  const all: Map<number, number>[] = [];
  for (let q = 0; q < a.nq; q++) {
    const cand: { s: number; pos: number }[] = [];
    const byId = new Map<number, number>();
    for (let p = 0; p < a.nprobe; p++) {
      const l = a.probes[q * a.nprobe + p]!;
      if (l < 0) continue;
      for (let v = a.listOffsets[l]!; v < a.listOffsets[l + 1]!; v++) {
        let s = a.coarse[q * a.nprobe + p]!;
        for (let j = 0; j < a.m; j++) {
          const c = codeAt(a.codes, wpv, v, j, a.bits);
          const lut = a.lut[(q * a.m + j) * ksub + c]!;
          s += a.metric === 'ip' ? lut : a.l2Term![(l * a.m + j) * ksub + c]! - 2 * lut;
        }
        cand.push({ s, pos: v });
        byId.set(a.ids[v]!, s);
      }
    }
    const largest = a.metric === 'ip';
    cand.sort((x, y) => (x.s !== y.s ? (largest ? y.s - x.s : x.s - y.s) : x.pos - y.pos));
    for (let i = 0; i < a.k; i++) {
      const c = cand[i];
      outS[q * a.k + i] = c ? c.s : largest ? -Infinity : Infinity;
      outI[q * a.k + i] = c ? a.ids[c.pos]! : -1;
    }
    all.push(byId);
  }
  return { scores: outS, ids: outI, all };
}
