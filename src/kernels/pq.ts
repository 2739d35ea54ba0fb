import type { Engine } from '../pipeline/engine.js';
import type { GpuTexture } from '../pipeline/buffer.js';
import { assignCodes, assignNearest, hasAssignCodes } from './kmeans.js';
import { pq_pack, pq_texels } from '../shaders/kernels.js';
import { need, rowsPerChunk, sub, type Buf } from './row-chunks.js';

/** u32 words holding one vector's packed code: codeSize = ceil(m * bits / 8) bytes, padded to 4 bytes. */
export function wordsPerVector(m: number, bits: number): number {
  return Math.ceil(Math.ceil((m * bits) / 8) / 4);
}

/** Texels (16 bytes each) per vector of `words` code words in pqTexels's layout. */
export function texelsPerVector(words: number): number {
  return Math.ceil(words / 4);
}

/** Throws unless `t` (an rgba32uint texture) holds n vectors of `words` code words in pqTexels's layout. */
export function checkCodeTexels(what: string, t: GpuTexture, n: number, words: number): void {
  const need = n * texelsPerVector(words);
  if (t.format !== 'rgba32uint' || t.width * t.height < need) throw new Error(`${what}: ${t.label} does not hold ${need} rgba32uint texels (${n} vectors of ${texelsPerVector(words)})`);
}

/**
 * Copies the packed codes of n vectors (`words` u32 words each, as pqEncode writes them) into `out`, an rgba32uint
 * texture (Engine.uintTexels) of at least n x tpv texels, tpv = texelsPerVector(words): vector v's words in texels
 * v x tpv .. v x tpv + tpv - 1, word w in component w mod 4 of texel v x tpv + floor(w / 4), the components past
 * the last word 0. Texels from n x tpv on are left as they are.
 */
export function pqTexels(engine: Engine, codes: Buf, out: GpuTexture, n: number, words: number): void {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(words) || words < 1) throw new Error(`pqTexels: bad sizes n=${n} words=${words}`);
  need(codes, n * words * 4, 'pqTexels: codes');
  checkCodeTexels('pqTexels', out, n, words);
  const tpv = texelsPerVector(words);
  if (n > 0) engine.run(pq_texels, { bindings: { codes, out }, params: { n, words, tpv }, workgroups: Math.ceil((n * tpv) / 64) });
}

/** Temporary per-chunk memory of pqEncode (codes and distances, n x m each) is kept under this many bytes. */
const TEMP_CAP = 32 << 20;

/**
 * PQ-encodes n residual vectors (n x (m*dsub)) with codebooks m x ksub x dsub (ksub = 1<<bits, bits 8 or 4):
 * code of sub-space j = nearest codeword (squared L2, ties -> lowest). Writes packed codes, n x wordsPerVector
 * u32 words, byte layout identical to Faiss's (8-bit: byte j = code j; 4-bit: code j in bits 4j..4j+3 of the
 * byte stream, LSB first), unused padding bytes zero.
 * Like Faiss's ProductQuantizer::compute_codes, it is an L2 nearest-codeword search per sub-space: it runs the
 * nearest-centroid assignment with the m sub-spaces as groups (assignCodes, the codes alone group-major, where
 * hasAssignCodes holds; else assignNearest: kmeans_assign_vec4 for dsub % 4 = 0), then `pq_pack`; rows are
 * chunked. Both paths give the same codes.
 */
export function pqEncode(engine: Engine, x: Buf, codebooks: Buf, out: Buf, n: number, m: number, bits: number, dsub: number): void {
  if (bits !== 8 && bits !== 4) throw new Error(`pqEncode: bits must be 8 or 4, got ${bits}`);
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(m) || m < 1 || !Number.isInteger(dsub) || dsub < 1) {
    throw new Error(`pqEncode: bad sizes n=${n} m=${m} dsub=${dsub}`);
  }
  if (n === 0) return;
  const ksub = 1 << bits;
  const words = wordsPerVector(m, bits);
  need(x, n * m * dsub * 4, 'pqEncode: x');
  need(codebooks, m * ksub * dsub * 4, 'pqEncode: codebooks');
  need(out, n * words * 4, 'pqEncode: out');
  const R = Math.min(rowsPerChunk(engine, [m * dsub * 4, m * 4, words * 4], 'pqEncode', TEMP_CAP), Math.ceil(n / 64) * 64);
  const gm = hasAssignCodes(engine, dsub); // codes only, group-major
  const codes = engine.buffer(R * m * 4, 'pq codes (unpacked)');
  const dist = engine.buffer(gm ? 4 : R * m * 4, gm ? 'pq score placeholder' : 'pq distances');
  try {
    for (let r0 = 0; r0 < n; r0 += R) {
      const rows = Math.min(R, n - r0);
      const xs = sub(x, r0 * m * dsub * 4, rows * m * dsub * 4);
      if (gm) assignCodes(engine, xs, codebooks, codes, dist, rows, m, ksub, dsub);
      else assignNearest(engine, xs, codebooks, codes, dist, rows, m, ksub, dsub, 1);
      engine.run(pq_pack, {
        bindings: { codes, out: sub(out, r0 * words * 4, rows * words * 4) },
        params: { n: rows, m, bits, words, gmajor: gm ? 1 : 0 },
        workgroups: Math.ceil((rows * words) / 256),
      });
    }
  } finally {
    engine.flush(); // submit before the temporaries are destroyed
    codes.dispose();
    dist.dispose();
  }
}
