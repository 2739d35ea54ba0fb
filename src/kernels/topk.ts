// Top-k selection per row on the GPU (kernel topk_select, built on the streaming selection in
// topk_common.wgsl). Large rows are split into chunks whose partial top-k are merged in further passes.
import type { Engine } from '../pipeline/engine.js';
import { type GpuBuffer, type BufferSlice, sliceOf } from '../pipeline/buffer.js';
import { shaderSources } from '../shaders/sources.js';

export type Buf = GpuBuffer | BufferSlice;

/** The largest k the selection kernels support. */
export const MAX_K = 1024;

const WG = 64;
const PER = 4;
const ROUND = WG * PER;

/** Override constants of the streaming selection (topk_common.wgsl) for a given k on this device. */
export function selectionConstants(engine: Engine, k: number): { WG: number; K: number; PER: number; CAP: number; CAP4: number } {
  const limit = engine.limits.maxComputeWorkgroupStorageSize;
  // buffers: ckey, cpos, skey, spos (CAP each) and nkey, npos (K each), u32; a little room for the counters
  // and the kernel's own variables (adc_scan keeps its probe table, 4 x 65 words).
  const room = Math.floor((limit - 8 * k - 1200) / 16);
  const cap = Math.min(Math.ceil((2 * k + ROUND) / 4) * 4, Math.floor(room / 4) * 4);
  if (cap < k + ROUND) {
    throw new Error(`top-k with k = ${k} needs ${16 * (k + ROUND) + 8 * k + 1200} bytes of workgroup memory; this device has ${limit}`);
  }
  return { WG, K: k, PER, CAP: cap, CAP4: cap / 4 };
}

/** The WGSL of a selecting kernel: the shared selection library followed by the kernel itself. */
export function selectingSource(name: 'topk_select' | 'adc_scan'): string {
  return shaderSources.topk_common + '\n' + (shaderSources as Record<string, string>)[name]!;
}

export function checkK(k: number, what: string): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new Error(`${what}: k must be an integer in [1, ${MAX_K}], got ${k}`);
}

export function needBytes(b: Buf, bytes: number, what: string): void {
  const have = sliceOf(b).size;
  if (have < bytes) throw new Error(`${what} holds ${have} bytes, needs at least ${bytes}`);
}

function checkCount(x: number, what: string): void {
  if (!Number.isInteger(x) || x < 0) throw new Error(`topk: ${what} must be a non-negative integer, got ${x}`);
}

/**
 * Per row of `values` (rows x n f32, row-major), the k best values sorted best-first (largest=true:
 * descending, else ascending) and their column indices (i32). Ties -> lower index first. When n < k the
 * tail is padded with index -1 and value -Infinity (largest) / +Infinity (smallest). NaN inputs rank last.
 * Optional `indexMap` (i32, length n): output indexMap[col] instead of col.
 * Temporaries (for rows longer than one chunk) are released before returning; this flushes the engine.
 */
export function topk(engine: Engine, values: Buf, outValues: Buf, outIndices: Buf,
  rows: number, n: number, k: number, largest: boolean, indexMap?: Buf): void {
  checkCount(rows, 'rows');
  checkCount(n, 'n');
  checkK(k, 'topk');
  if (n >= 0xffffffff) throw new Error(`topk: n = ${n} is too large (positions are u32)`);
  needBytes(values, rows * n * 4, 'topk: values');
  needBytes(outValues, rows * k * 4, 'topk: outValues');
  needBytes(outIndices, rows * k * 4, 'topk: outIndices');
  if (indexMap) needBytes(indexMap, n * 4, 'topk: indexMap');
  if (rows === 0) return;

  const temps: GpuBuffer[] = [];
  try {
    selectRows(engine, { keys: values, pos: values, pairs: false }, rows, n, k, largest, outValues, outIndices, indexMap, 0, temps);
  } finally {
    release(engine, temps);
  }
}

/** Flushes recorded work (which still uses the temporaries) and frees them. */
export function release(engine: Engine, temps: GpuBuffer[]): void {
  if (!temps.length) return;
  engine.flush();
  for (const b of temps) b.dispose();
  temps.length = 0;
}

/**
 * The top-k of `rows` rows of n candidates, either f32 values (position = column) or pairs (tk_key keys and
 * u32 positions, padding (0, 0xffffffff)), written as final values and indices (indexMap[position] when
 * given) to output rows outRow0 ... Temporaries are pushed on `temps` for the caller to release.
 */
export function selectRows(engine: Engine, input: { keys: Buf; pos: Buf; pairs: boolean; rowLen?: Buf; rowLenStride?: number }, rows: number, n: number,
  k: number, largest: boolean, outValues: Buf, outIndices: Buf, indexMap: Buf | undefined, outRow0: number, temps: GpuBuffer[]): void {
  const constants = selectionConstants(engine, k);
  const source = selectingSource('topk_select');
  // chunks of a row run in parallel and are merged after; with many rows, one workgroup per row is enough
  const chunk = Math.ceil(Math.max(4096, 8 * k, rows >= 256 ? n : 0) / ROUND) * ROUND;
  const chunksOf = (len: number) => Math.max(1, Math.ceil(len / chunk));
  const perRowTemp = chunksOf(n) > 1 ? chunksOf(n) * k * 4 : 0;
  if (perRowTemp > engine.maxBinding) throw new Error(`topk: a row of ${n} values is too long for this device's binding limit`);
  const groupRows = perRowTemp === 0 ? rows : Math.max(1, Math.floor(engine.maxBinding / perRowTemp));
  for (let r0 = 0; r0 < rows; r0 += groupRows) {
    const rg = Math.min(groupRows, rows - r0);
    let inKeys = input.keys, inPos = input.pos, pairs = input.pairs, len = n, inRow0 = r0, rowLen = input.rowLen;
    for (;;) {
      const nchunks = chunksOf(len);
      const final = nchunks === 1;
      let outA: Buf = outValues, outB: Buf = outIndices;
      if (!final) {
        outA = engine.buffer(rg * nchunks * k * 4, 'topk partial keys');
        outB = engine.buffer(rg * nchunks * k * 4, 'topk partial positions');
        temps.push(outA, outB);
      }
      engine.dispatch('topk_select', {
        source, constants,
        bindings: { inKeys, inPos, indexMap: indexMap ?? inKeys, outA, outB, rowLen: rowLen ?? inKeys },
        params: {
          n: len, rows: rg, inRow0, outRow0: outRow0 + r0, chunk, nchunks, largest: largest ? 1 : 0,
          inPairs: pairs ? 1 : 0, outFinal: final ? 1 : 0, hasMap: indexMap && final ? 1 : 0, hasRowLen: rowLen ? 1 : 0, rowLenStride: input.rowLenStride ?? 1,
        },
        workgroups: rg * nchunks,
      });
      if (final) break;
      inKeys = outA; inPos = outB; pairs = true; len = nchunks * k; inRow0 = 0; rowLen = undefined;
    }
  }
}
