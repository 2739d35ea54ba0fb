// Top-k selection per row on the GPU (kernels topk_stream and topk_select, built on the selection in
// src/shaders/lib/select.wgsl): long chunks of values in one streaming read against a threshold from a sample
// (topk_stream), short chunks in rounds, merge passes in barrier-free scans (topk_select; see
// docs/architecture.md, "topk"). Large rows are split into chunks whose partial top-k are merged in further passes.
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import { workgroupBytes } from '../pipeline/kernel.js';
import { topk_rank, topk_rank_pairs, topk_select, topk_stream, topk_stream_sg, type adc_scan } from '../shaders/kernels.js';
import { sliceOf } from '../pipeline/buffer.js';
import { need, type Buf } from './row-chunks.js';

export type { Buf };

/** The largest k the selection kernels support. */
export const MAX_K = 1024;

const WG = 64;
const PER = 4;
const ROUND = WG * PER;

/**
 * Override constants of the streaming selection (lib/select.wgsl) for a given k in a selecting kernel on this
 * device. The candidate buffer CAP (a multiple of 4, at least K + one round of WG * PER candidates, at most
 * 2K + one round) is the largest whose workgroup memory, summed from the kernel's reflected declarations with
 * these constants, fits the device.
 */
export function selectionConstants(engine: Engine, k: number, kernel: typeof topk_select | typeof adc_scan): { WG: number; K: number; PER: number; CAP: number; CAP4: number } {
  const limit = engine.limits.maxComputeWorkgroupStorageSize;
  const at = (cap4: number) => ({ WG, K: k, PER, CAP: cap4 * 4, CAP4: cap4 });
  const fits = (cap4: number) => workgroupBytes(kernel, at(cap4)) <= limit;
  // topk_select's scans need only CAP = K4 + 4 * WG (lib/select.wgsl: tk_rescan)
  let lo = Math.ceil((k + ROUND) / 4), hi = kernel === topk_select ? lo : Math.ceil((2 * k + ROUND) / 4);
  if (!fits(lo)) {
    throw new Error(`top-k with k = ${k} needs ${workgroupBytes(kernel, at(lo))} bytes of workgroup memory in '${kernel.name}'; this device has ${limit}`);
  }
  while (lo < hi) { // the largest cap4 in [lo, hi] that fits (the bytes grow with cap4)
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid; else hi = mid - 1;
  }
  return at(lo);
}

/**
 * Which kernel selects from the values: 'stream' (topk_stream: one read of the values against a threshold from a
 * sample), 'select' (topk_select: rounds, or scans after a prefilter read), 'rank' (topk_rank: rows of at most
 * RANK_MAX_N columns and no indexMap, one workgroup per row, each column's place counted against the whole row in
 * workgroup memory: n^2 comparisons per row, no selection rounds) or 'auto' (the default: 'rank' where it applies,
 * else 'stream' for chunks of STREAM_MIN_COLS columns or more when its workgroup memory fits the device and k is small
 * enough for its slots (streamFits)). Merge passes always use topk_select. Every choice gives the same results.
 */
export type TopkKernel = 'auto' | 'stream' | 'select' | 'rank';

/** The longest rows the 'rank' kernel takes (topk_rank holds a row's keys in workgroup memory). */
export const RANK_MAX_N = 1024;

/**
 * The workgroups of topk_stream: 'subgroup' (topk_stream_sg: 8 invocations, one subgroup; needs
 * Engine.hasSubgroups), 8 or 64 invocations (topk_stream), or 'auto' (the default): 'subgroup' on software
 * adapters with subgroups, 8 on other software adapters (CPU drivers run a workgroup on one thread and pay each
 * barrier once per SIMD group of it), else 64. Every choice gives the same results.
 */
export type StreamGroup = 'auto' | 'subgroup' | 8 | 64;

export interface TopkOptions {
  /** the kernel of the first pass over the values (default 'auto'; see TopkKernel) */
  kernel?: TopkKernel;
  /** topk_stream's workgroups (default 'auto'; see StreamGroup) */
  streamGroup?: StreamGroup;
}

export function checkK(k: number, what: string): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw new Error(`${what}: k must be an integer in [1, ${MAX_K}], got ${k}`);
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
 * `opts.kernel` chooses the kernel (TopkKernel); the results are the same with each.
 */
export function topk(engine: Engine, values: Buf, outValues: Buf, outIndices: Buf,
  rows: number, n: number, k: number, largest: boolean, indexMap?: Buf, opts: TopkOptions = {}): void {
  const kernel = opts.kernel ?? 'auto';
  const group = opts.streamGroup ?? 'auto';
  if (group !== 'auto' && group !== 'subgroup' && group !== 8 && group !== 64) throw new Error(`topk: streamGroup must be 'auto', 'subgroup', 8 or 64, got '${String(group)}'`);
  if (group === 'subgroup' && !engine.hasSubgroups) throw new Error(`topk: streamGroup 'subgroup' needs a device with subgroups of at least 8 lanes (Engine.hasSubgroups)`);
  if (kernel !== 'auto' && kernel !== 'stream' && kernel !== 'select' && kernel !== 'rank') throw new Error(`topk: kernel must be 'auto', 'stream', 'select' or 'rank', got '${String(kernel)}'`);
  checkCount(rows, 'rows');
  checkCount(n, 'n');
  checkK(k, 'topk');
  if (n >= 0xffffffff) throw new Error(`topk: n = ${n} is too large (positions are u32)`);
  need(values, rows * n * 4, 'topk: values');
  need(outValues, rows * k * 4, 'topk: outValues');
  need(outIndices, rows * k * 4, 'topk: outIndices');
  if (indexMap) need(indexMap, n * 4, 'topk: indexMap');
  const rank = n <= RANK_MAX_N && !indexMap;
  if (kernel === 'rank' && !rank) throw new Error(`topk: kernel 'rank' takes rows of at most ${RANK_MAX_N} columns and no indexMap, got n = ${n}${indexMap ? ' with an indexMap' : ''}`);
  if (rows === 0) return;
  if (rank && (kernel === 'rank' || kernel === 'auto')) {
    engine.run(topk_rank, { bindings: { scores: values, outValues, outIdx: outIndices }, params: { rows, n, k, largest: largest ? 1 : 0 }, workgroups: rows });
    return;
  }

  const temps: GpuBuffer[] = [];
  try {
    selectRows(engine, { keys: values, pos: values, pairs: false }, rows, n, k, largest, outValues, outIndices, indexMap, 0, temps, kernel, group);
  } finally {
    release(engine, temps);
  }
}

/**
 * Columns of a chunk scanned first for a threshold (tk_prefilter: the k-th best of the WG * 4 per-invocation
 * column maxima over the whole chunk), or 0 for none: used when k is small next to WG * 4 (so the threshold is
 * tight) and the chunk is long enough to pay for reading it twice.
 */
function prefilter(len: number, chunk: number, k: number): number {
  const cols = Math.min(len, chunk);
  return k <= PREFILTER_MAX_K && cols >= PREFILTER_MIN_COLS ? cols : 0;
}
const PREFILTER_MAX_K = WG * 2;
/**
 * topk_select's workgroup size, below WG: every workgroup barrier of its reduces is paid once per SIMD group of
 * the workgroup on CPU drivers. CAP (from selectionConstants, for WG) stays more than the K4 + 4 * SELECT_WG its
 * scans need and the K + SELECT_WG * PER its rounds need, and its prefilter needs k <= 4 * SELECT_WG
 * (PREFILTER_MAX_K).
 */
const SELECT_WG = WG / 2;
const PREFILTER_MIN_COLS = 2048;
/** Chunks up to this long select in rounds (tk_round), longer ones in scans. */
const ROUNDS_UP_TO = 1024;
/** 'auto' streams chunks of values at least this long (topk_stream). */
export const STREAM_MIN_COLS = 2048;
/** topk_stream's sample: every SAMPLE_EVERY-th step of WG * 4 columns. */
const SAMPLE_EVERY = 16;
/** Slots per invocation of topk_stream: the most in [SLOTS_MIN, SLOTS_MAX] x 64 / WG that fit the workgroup memory. */
const SLOTS_MAX = 16, SLOTS_MIN = 4;

/** How many values should pass topk_stream's start threshold (for values in random order). */
function streamTarget(k: number): number {
  return 2 * k + 64;
}

/**
 * Whether 'auto' streams with these constants: the values expected to pass the start threshold (streamTarget) fill
 * at most half of the WG * S slots. With more, some invocation's slots overflow in most rows, and the stall /
 * reduce rounds that follow cost more than topk_select's read.
 */
function streamFits(k: number, c: { WG: number; S: number }): boolean {
  return 2 * streamTarget(k) <= c.WG * c.S;
}

/** The StreamGroup that 'auto' takes on this engine. */
function resolveGroup(engine: Engine, group: StreamGroup): 'subgroup' | 8 | 64 {
  if (group !== 'auto') return group;
  if (!engine.isSoftwareAdapter) return 64;
  return engine.hasSubgroups ? 'subgroup' : 8;
}

/** The kernel of a (resolved) StreamGroup. */
function streamKernel(group: 'subgroup' | 8 | 64): typeof topk_stream | typeof topk_stream_sg {
  return group === 'subgroup' ? topk_stream_sg : topk_stream;
}

/**
 * topk_stream's constants for k on this device with workgroups `group`: S slots per invocation, the most in
 * [SLOTS_MIN, SLOTS_MAX] x 64 / WG (WG * S slots in all whatever WG) whose buffer CAP = WG * S + max(K4, WG) fits
 * the workgroup memory; null when none fits.
 */
export function streamConstants(engine: Engine, k: number, group: StreamGroup = 'auto'): { WG: number; K: number; PER: number; CAP: number; CAP4: number; S: number } | null {
  const g = resolveGroup(engine, group);
  const limit = engine.limits.maxComputeWorkgroupStorageSize;
  const k4 = Math.ceil(k / 4) * 4;
  const wg = g === 64 ? 64 : 8;
  const scale = WG / wg;
  for (let s = SLOTS_MAX * scale; s >= SLOTS_MIN * scale; s--) {
    const cap = wg * s + Math.max(k4, wg);
    const c = { WG: wg, K: k, PER, CAP: cap, CAP4: cap / 4, S: s };
    if (workgroupBytes(streamKernel(g), c) <= limit) return c;
  }
  return null;
}

/** Flushes recorded work (which still uses the temporaries) and frees them. */
export function release(engine: Engine, temps: GpuBuffer[]): void {
  if (!temps.length) return;
  engine.flush();
  for (const b of temps) b.dispose();
  temps.length = 0;
}

/**
 * The top-k of `rows` rows of candidate pairs (tk_key keys and u32 positions, rows x n) with a known lower bound:
 * rowLen is rows x 2 u32, row r holds its first min(rowLen[2r], n) entries and rowLen[2r + 1] is a key at or below
 * its k-th best (or 0), as the cut ADC scan (adc_score4_cut) writes them. Written as final values (f32 bits) and
 * positions to output rows outRow0 ..., best first, padded with (-Infinity / +Infinity, -1): the same bits as
 * selectRows on those rows. topk_rank_pairs ranks the entries at or above the bound among themselves in one
 * workgroup per row (count^2 / 4 vec4 comparisons; a row with more than 1024 of them is ranked whole, len^2 / 4).
 */
export function selectPairRowsByRank(engine: Engine, input: { keys: Buf; pos: Buf; rowLen: Buf }, rows: number, n: number, k: number,
  largest: boolean, outValues: Buf, outIndices: Buf, outRow0: number): void {
  checkK(k, 'selectPairRowsByRank');
  need(input.keys, rows * n * 4, 'selectPairRowsByRank: keys');
  need(input.pos, rows * n * 4, 'selectPairRowsByRank: pos');
  need(input.rowLen, rows * 8, 'selectPairRowsByRank: rowLen');
  need(outValues, (outRow0 + rows) * k * 4, 'selectPairRowsByRank: outValues');
  need(outIndices, (outRow0 + rows) * k * 4, 'selectPairRowsByRank: outIndices');
  if (rows === 0) return;
  engine.run(topk_rank_pairs, {
    bindings: { inKeys: input.keys, inPos: input.pos, rowLen: input.rowLen, outValues, outIdx: outIndices },
    params: { rows, n, k, largest: largest ? 1 : 0, outRow0 },
    workgroups: rows,
  });
}

/**
 * The top-k of `rows` rows of n candidates, either f32 values (position = column) or pairs (tk_key keys and
 * u32 positions, padding (0, 0xffffffff)), written as final values and indices (indexMap[position] when
 * given) to output rows outRow0 ... Temporaries are pushed on `temps` for the caller to release.
 */
export function selectRows(engine: Engine, input: { keys: Buf; pos: Buf; pairs: boolean; rowLen?: Buf; rowLenStride?: number }, rows: number, n: number,
  k: number, largest: boolean, outValues: Buf, outIndices: Buf, indexMap: Buf | undefined, outRow0: number, temps: GpuBuffer[],
  kernel: TopkKernel = 'auto', streamGroup: StreamGroup = 'auto'): void {
  const constants = selectionConstants(engine, k, topk_select);
  const group = resolveGroup(engine, streamGroup);
  const stream = kernel === 'select' ? null : streamConstants(engine, k, group);
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
      // rows of a multiple of 4 columns start on 16-byte boundaries: read them as vec4
      const vec4 = len % 4 === 0 && sliceOf(inKeys).size >= 16;
      const view = (b: Buf): Buf => {
        if (vec4 || sliceOf(b).size >= 16) return b;
        const d = engine.buffer(16, 'topk unused vec4 view');
        temps.push(d);
        return d;
      };
      const run = {
        bindings: { inKeys, inPos, indexMap: indexMap ?? inKeys, outA, outB, rowLen: rowLen ?? inKeys, inKeys4: view(inKeys), inPos4: view(inPos) },
        params: {
          n: len, rows: rg, inRow0, outRow0: outRow0 + r0, chunk, nchunks, largest: largest ? 1 : 0,
          inPairs: pairs ? 1 : 0, outFinal: final ? 1 : 0, hasMap: indexMap && final ? 1 : 0, hasRowLen: rowLen ? 1 : 0, rowLenStride: input.rowLenStride ?? 1, vec4: vec4 ? 1 : 0, pre: prefilter(len, chunk, k),
          rounds: Math.min(len, chunk) <= ROUNDS_UP_TO ? 1 : 0, sample: SAMPLE_EVERY, passTarget: streamTarget(k),
        },
        workgroups: rg * nchunks,
      };
      if (stream && !pairs && (kernel === 'stream' || (Math.min(len, chunk) >= STREAM_MIN_COLS && streamFits(k, stream)))) {
        engine.run(streamKernel(group), { ...run, constants: { ...stream, TK_PADDED: 1 } });
      } else {
        engine.run(topk_select, { ...run, constants: { ...constants, WG: SELECT_WG, TK_PADDED: 1 } });
      }
      if (final) break;
      inKeys = outA; inPos = outB; pairs = true; len = nchunks * k; inRow0 = 0; rowLen = undefined;
    }
  }
}
