// The product quantizer (Faiss ProductQuantizer): m sub-spaces of dsub = dim / m dimensions, each with
// ksub = 2^bits codewords. Codebooks are m x ksub x dsub, row-major. A vector's code is its nearest codeword
// per sub-space (squared L2), packed as Faiss packs it (codeSize bytes, LSB first). Search compares a query with
// codes through lookup tables (asymmetric distance computation). Stateless: the codebooks live in a GPU buffer
// the caller owns.
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import type { Buf } from '../kernels/row-chunks.js';
import { trainKMeans } from './clustering.js';
import { pqEncode, wordsPerVector } from '../kernels/pq.js';
import { adcLut, adcL2Term } from '../kernels/adc.js';
import type { LongWorkOptions } from '../util/progress.js';

/** Bytes of one packed code: ceil(m * bits / 8). */
export function codeSize(m: number, bits: number): number {
  return Math.ceil((m * bits) / 8);
}

export interface PqTrainOptions extends LongWorkOptions {
  /** Lloyd iterations per codebook (Faiss ProductQuantizer: 25) */
  iters: number;
  seed: number;
}

export class ProductQuantizer {
  readonly ksub: number;
  readonly dsub: number;
  /** bytes per packed code */
  readonly codeSize: number;
  /** u32 words per code on the GPU (codeSize padded to 4 bytes) */
  readonly words: number;

  constructor(readonly dim: number, readonly m: number, readonly bits: 8 | 4) {
    this.ksub = 1 << bits;
    this.dsub = dim / m;
    this.codeSize = codeSize(m, bits);
    this.words = wordsPerVector(m, bits);
  }

  /** k-means of every sub-space at once on n rows of x (L2): a new buffer of codebooks (caller disposes). */
  train(engine: Engine, x: Buf, n: number, opts: PqTrainOptions): Promise<GpuBuffer> {
    return trainKMeans(engine, x, {
      n, groups: this.m, dsub: this.dsub, k: this.ksub, metric: 'l2', iters: opts.iters, seed: opts.seed,
      ...(opts.onProgress ? { onProgress: (p) => opts.onProgress!({ ...p, phase: 'pq k-means' }) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /** out (rows x words u32) = the packed codes of the rows of x (rows x dim). */
  encode(engine: Engine, x: Buf, codebooks: Buf, out: Buf, rows: number): void {
    pqEncode(engine, x, codebooks, out, rows, this.m, this.bits, this.dsub);
  }

  /** Copies the codes of `rows` vectors from GPU words (words x 4 bytes each) into packed bytes at row `at` of `into`. */
  unpad(words: Uint8Array, rows: number, into: Uint8Array, at: number): void {
    const cs = this.codeSize, stride = this.words * 4;
    for (let i = 0; i < rows; i++) into.set(words.subarray(i * stride, i * stride + cs), (at + i) * cs);
  }

  /** The packed codes of n vectors (n x codeSize bytes) as GPU words (n x words u32), padding bytes zero. */
  pad(codes: Uint8Array, n: number): Uint8Array {
    const cs = this.codeSize, stride = this.words * 4;
    if (cs === stride) return codes;
    const out = new Uint8Array(n * stride);
    for (let i = 0; i < n; i++) out.set(codes.subarray(i * cs, (i + 1) * cs), i * stride);
    return out;
  }

  /** Lookup tables of nq queries (nq x dim): out[q][j][c] = <q_j, C[j][c]>, nq x m x ksub. */
  lookupTables(engine: Engine, queries: Buf, codebooks: Buf, out: Buf, nq: number): void {
    adcLut(engine, queries, codebooks, out, nq, this.m, this.ksub, this.dsub);
  }

  /** The L2 search's precomputed term (Faiss's precomputed table): out[l][j][c] = ||C[j][c]||^2 + 2 <o_l,j, C[j][c]>. */
  l2Term(engine: Engine, centroids: Buf, codebooks: Buf, out: Buf, nlist: number): void {
    adcL2Term(engine, centroids, codebooks, out, nlist, this.m, this.ksub, this.dsub);
  }
}
