// float64 CPU reference of PQ encoding (src/kernels/pq.ts: kmeans_assign + src/shaders/pq_pack.wgsl).
import { assignRef } from './kmeans.js';

/** Faiss byte layout: 8 bits: byte j = code j; 4 bits: code j in bits 4j..4j+3 of the byte stream (LSB first). */
export function packCodesRef(codes: ArrayLike<number>, n: number, m: number, bits: number, wordsPerVector: number): Uint8Array {
  const stride = wordsPerVector * 4;
  const out = new Uint8Array(n * stride);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    const c = codes[i * m + j]!;
    if (bits === 8) out[i * stride + j] = c;
    else out[i * stride + (j >> 1)]! |= (c & 15) << ((j & 1) * 4);
  }
  return out;
}

export function unpackCodesRef(bytes: Uint8Array, n: number, m: number, bits: number, wordsPerVector: number): Uint32Array {
  const stride = wordsPerVector * 4;
  const out = new Uint32Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    out[i * m + j] = bits === 8 ? bytes[i * stride + j]! : (bytes[i * stride + (j >> 1)]! >> ((j & 1) * 4)) & 15;
  }
  return out;
}

/** codes (n x m) and squared distances of the nearest codeword per sub-space, ties to the lowest index */
export function pqEncodeRef(x: ArrayLike<number>, codebooks: ArrayLike<number>, n: number, m: number, bits: number, dsub: number) {
  return assignRef(x, codebooks, n, m, 1 << bits, dsub, 1);
}
