// Asymmetric distance computation (ADC) for IVF-PQ search: per-query lookup tables (adc_lut), Faiss's
// precomputed L2 term per IVF centroid (adc_lut with l2 = 1), and the scan of the probed inverted lists
// with a fused top-k (adc_scan).
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer, GpuTexture } from '../pipeline/buffer.js';
import { adc_cols, adc_ids, adc_lut, adc_lut_pairs, adc_lut_rows, adc_pos_ids, adc_scan, adc_score, adc_score4_cut, adc_score4_cut_tex, adc_score4_sg, adc_score4_sg_tex } from '../shaders/kernels.js';
import { checkK, selectionConstants, selectPairRowsByRank, selectRows, release } from './topk.js';
import { need, rowsPerChunk, sub, type Buf } from './row-chunks.js';
import { checkCodeTexels, wordsPerVector } from './pq.js';

function checkDims(what: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${what}: ${name} must be a non-negative integer, got ${v}`);
  }
}

/** Up to this many rows take adc_lut_rows (four outputs of one sub-quantizer per invocation; the same sums in the
 *  same order, so the same bits as adc_lut), which needs far fewer workgroups for one query. */
const FEW_ROWS = 8;
/** Tables of at most this many entries (4-bit codes) take adc_lut_rows for any row count: adc_lut's workgroups
 *  cover 64 codewords, so they would leave three quarters of their invocations idle. */
const SMALL_KSUB = 16;

function lutLike(engine: Engine, what: string, rowsBuf: Buf, codebooks: Buf, out: Buf,
  nrows: number, m: number, ksub: number, dsub: number, l2: boolean): void {
  checkDims(what, { rows: nrows, m, ksub, dsub });
  if (m < 1 || ksub < 1 || dsub < 1) throw new Error(`${what}: m, ksub and dsub must be at least 1 (got ${m}, ${ksub}, ${dsub})`);
  need(rowsBuf, nrows * m * dsub * 4, `${what}: ${l2 ? 'centroids' : 'queries'}`);
  need(codebooks, m * ksub * dsub * 4, `${what}: codebooks`);
  need(out, nrows * m * ksub * 4, `${what}: out`);
  if (nrows === 0) return;
  const cblocks = Math.ceil(ksub / 64);
  if (nrows <= FEW_ROWS || ksub <= SMALL_KSUB) {
    const S = Math.ceil(ksub / 4); // adc_lut_rows: four codewords S apart per invocation
    const wpr = Math.ceil((m * S) / 64);
    engine.run(adc_lut_rows, {
      bindings: { x: rowsBuf, codebooks, out },
      params: { nrows, m, ksub, dsub, l2: l2 ? 1 : 0, cblocks, wpr, kbits: (S & (S - 1)) === 0 ? Math.log2(S) : 32 },
      workgroups: nrows * wpr,
    });
    return;
  }
  engine.run(adc_lut, {
    bindings: { x: rowsBuf, codebooks, out },
    params: { nrows, m, ksub, dsub, l2: l2 ? 1 : 0, cblocks, wpr: 0, kbits: 0 },
    workgroups: m * cblocks * Math.ceil(nrows / 16),
  });
}

/** Per-query lookup tables: out[q][j][c] = <Q[q][j*dsub..], C[j][c]> for queries nq x d (d = m*dsub),
 *  codebooks m x ksub x dsub. out is nq x m x ksub f32. */
export function adcLut(engine: Engine, queries: Buf, codebooks: Buf, out: Buf, nq: number, m: number, ksub: number, dsub: number): void {
  lutLike(engine, 'adcLut', queries, codebooks, out, nq, m, ksub, dsub, false);
}

/** For L2 IVFPQ (Faiss's precomputed table): out[l][j][c] = ||C[j][c]||^2 + 2 <O[l][j*dsub..], C[j][c]> for
 *  IVF centroids O (nlist x d). out is nlist x m x ksub. */
export function adcL2Term(engine: Engine, centroids: Buf, codebooks: Buf, out: Buf, nlist: number, m: number, ksub: number, dsub: number): void {
  lutLike(engine, 'adcL2Term', centroids, codebooks, out, nlist, m, ksub, dsub, true);
}

export interface AdcScanArgs {
  lut: Buf; probes: Buf; coarse: Buf; listOffsets: Buf; codes: Buf; ids: Buf; l2Term?: Buf;
  outScores: Buf; outIds: Buf;
  nq: number; nprobe: number; nlist: number; m: number; bits: number; k: number; metric: 'ip' | 'l2';
  /** Optional: the same listOffsets on the host. With it the scan runs in two passes (scores written out by a
   *  barrier-free kernel, then topk), which is several times faster on CPU drivers; it bounds each query's
   *  candidate count by the sum of the nprobe largest lists. Without it, or for at most 8 queries: one fused pass
   *  per query. Both give the same bits. */
  hostListOffsets?: ArrayLike<number>;
  /** Optional, bits 4 and l2 only: l2Term already in byte-pair form (adcPairTables of l2Term, nlist x ceil(m / 2) x
   *  256), kept by the caller across scans; without it the scan builds it. */
  l2Pairs?: Buf;
  /** Optional, the register-table 4-bit scan only (see subgroupScan), k <= CUT_MAX_K: whether it drops the
   *  candidates that cannot be among a query's best k as it scores them (adc_score4_cut) instead of writing every
   *  score for the top-k (adc_score4_sg). Default true; both give the same bits. */
  cut?: boolean;
  /** Optional, the register-table 4-bit scan only: the same codes as an rgba32uint texture (pqTexels, at least
   *  hostListOffsets[nlist] vectors), which that scan then reads instead of `codes` (adc_score4_cut_tex,
   *  adc_score4_sg_tex; the same bits). Only where texelScan(engine, m, bits) holds. */
  codeTexels?: GpuTexture;
}

/**
 * ADC scan of the probed inverted lists with a fused top-k. codes: packed Faiss-style bytes in u32 words,
 * wordsPerVector(m, bits) words per vector, vectors in list order; ids: i32 per vector; list l holds vectors
 * listOffsets[l] .. listOffsets[l+1]-1 (u32, nlist+1 entries). For query q and its p-th probe
 * (l = probes[q*nprobe+p], i32; -1 = skip) a vector with codes b scores
 *   ip: coarse[q*nprobe+p] + sum_j lut[q][j][b_j]
 *   l2: coarse[q*nprobe+p] + sum_j (l2Term[l][j][b_j] - 2*lut[q][j][b_j])
 * Writes the best k per query (ip: largest, l2: smallest), sorted best-first, ties -> lower database
 * position, into outScores (nq x k f32) and outIds (nq x k i32); -1 / -+Infinity pad missing candidates.
 * bits is 8 or 4 (4: ksub = 16, two codes per byte, LSB first).
 * With `hostListOffsets` and more than 8 queries: two passes (adc_cols lays out each query's candidate columns once; adc_score
 * writes every candidate's score, barrier-free; topk_select picks
 * the best; adc_ids maps columns to ids), temporaries released before returning (this flushes the engine).
 * Otherwise: one fused pass, one workgroup per query with a streaming top-k (adc_scan, then adc_pos_ids).
 *
 * bits 4: the tables (and the L2 term) are first combined into byte-pair tables (adcPairTables), and the codes
 * are scanned as 8-bit codes of ceil(m / 2) sub-quantizers: one lookup per byte. A score is then summed as
 * coarse + sum over words of (sum over the word's bytes i of pair_i), pair_i = t[2i][lo] + t[2i+1][hi] (l2:
 * l2pair_i - 2 lutpair_i), so it can differ from a code-by-code sum in the last bits (float rounding only).
 * On a device with subgroups (Engine.hasSubgroups), m <= 64, with `hostListOffsets` and more than 8 queries, the
 * two-pass scan scores 4-bit codes with adc_score4_sg instead: no pair tables, the 16-entry tables held in
 * registers across a subgroup and looked up by shuffles, summed in the same order (the same bits). For k <=
 * CUT_MAX_K (and unless `cut: false`) that scan also keeps a running bound on each query's k-th best score and
 * writes only the candidates that reach it (adc_score4_cut), so the top-k reads a few of them, not every one.
 */
export function adcScan(engine: Engine, a: AdcScanArgs): void {
  const { nq, nprobe, nlist, m, bits, k, metric } = a;
  checkDims('adcScan', { nq, nprobe, nlist, m });
  checkK(k, 'adcScan');
  if (bits !== 8 && bits !== 4) throw new Error(`adcScan: bits must be 8 or 4, got ${bits}`);
  if (metric !== 'ip' && metric !== 'l2') throw new Error(`adcScan: metric must be 'ip' or 'l2', got ${String(metric)}`);
  if (m < 1) throw new Error('adcScan: m must be at least 1');
  if (metric === 'l2' && !a.l2Term) throw new Error("adcScan: metric 'l2' needs l2Term (nlist x m x ksub, see adcL2Term)");
  const ksub = 1 << bits;
  need(a.lut, nq * m * ksub * 4, 'adcScan: lut');
  need(a.probes, nq * nprobe * 4, 'adcScan: probes');
  need(a.coarse, nq * nprobe * 4, 'adcScan: coarse');
  need(a.listOffsets, (nlist + 1) * 4, 'adcScan: listOffsets');
  if (a.l2Term) need(a.l2Term, nlist * m * ksub * 4, 'adcScan: l2Term');
  need(a.outScores, nq * k * 4, 'adcScan: outScores');
  need(a.outIds, nq * k * 4, 'adcScan: outIds');
  const hostLen = a.hostListOffsets?.length ?? nlist + 1;
  if (hostLen < nlist + 1) throw new Error(`adcScan: hostListOffsets has ${hostLen} entries, needs nlist + 1 = ${nlist + 1}`);
  if (nq === 0) return;
  if (bits === 4 && a.hostListOffsets && nprobe > 0 && nq > FEW_ROWS && subgroupScan(engine, m)) {
    const cut = a.cut !== false && k <= CUT_MAX_K;
    const inputs = { lut: a.lut, probes: a.probes, coarse: a.coarse, listOffsets: a.listOffsets, l2Term: a.l2Term ?? a.lut };
    const constants = { M: m, METRIC_L2: metric === 'l2' ? 1 : 0 };
    const tex = a.codeTexels;
    if (tex) {
      if (!texelScan(engine, m, bits)) throw new Error('adcScan: codeTexels needs texelScan(engine, m, bits)');
      checkCodeTexels('adcScan: codeTexels', tex, a.hostListOffsets[nlist]!, wordsPerVector(m, bits));
    }
    scanTwoPass(engine, a, a.hostListOffsets, (n, q0, scores, cols, cap, c) => {
      const params = { nq: n, nprobe, nlist, cap, q0 };
      if (c) {
        const constantsCut = { ...constants, HEAP: Math.ceil(k / 8) }, out = { outKeys: scores, outPos: c.pos, counts: c.counts, cols };
        if (tex) engine.run(adc_score4_cut_tex, { constants: constantsCut, bindings: { ...inputs, codeTexels: tex, ...out }, params, workgroups: n });
        else engine.run(adc_score4_cut, { constants: constantsCut, bindings: { ...inputs, codes: a.codes, ...out }, params, workgroups: n });
      } else if (tex) {
        engine.run(adc_score4_sg_tex, { constants, bindings: { ...inputs, codeTexels: tex, outScores: scores, cols }, params, workgroups: n });
      } else {
        engine.run(adc_score4_sg, { constants, bindings: { ...inputs, codes: a.codes, outScores: scores, cols }, params, workgroups: n });
      }
    }, cut);
    return;
  }
  if (bits === 4) { scanFourBit(engine, a); return; }
  scanEightBit(engine, a);
}

/** The largest k for which the register-table 4-bit scan cuts its candidates (adc_score4_cut keeps ceil(k / 8)
 *  keys per lane in registers, at most 16). */
export const CUT_MAX_K = 128;

/** The most sub-quantizers the register-table 4-bit scan takes (adc_score4_sg holds 8 code words' tables). */
export const SUBGROUP_SCAN_MAX_M = 64;

/** Whether the two-pass 4-bit scan scores with adc_score4_sg (tables in registers, lookups by subgroup shuffles):
 *  a software adapter (one workgroup of 8 invocations per query suits 8-lane SIMD, not a hardware GPU's wide
 *  subgroups) with subgroups of at least 8 lanes, and m <= SUBGROUP_SCAN_MAX_M. Same bits as the pair-table scan. */
export function subgroupScan(engine: Engine, m: number): boolean {
  return engine.isSoftwareAdapter && engine.hasSubgroups && m <= SUBGROUP_SCAN_MAX_M;
}

/** Whether the register-table 4-bit scan (subgroupScan) can read the codes from a texture (AdcScanArgs.codeTexels,
 *  pqTexels): bits 4 and subgroupScan, on a device whose WGSL reads storage textures. On lavapipe a texel load
 *  fetches 16 bytes per lane at once where a storage-buffer load is one branchy scalar load per lane and word. */
export function texelScan(engine: Engine, m: number, bits: number): boolean {
  return bits === 4 && subgroupScan(engine, m) && engine.hasReadOnlyStorageTextures;
}

/** Byte-pair tables of 4-bit tables: out[r][i][b] = tab[r][2i][b & 15] + tab[r][2i+1][b >> 4] (the second term
 *  absent for 2i + 1 = m). tab is rows x m x 16 f32, out rows x ceil(m / 2) x 256 f32. */
export function adcPairTables(engine: Engine, tab: Buf, out: Buf, rows: number, m: number): void {
  checkDims('adcPairTables', { rows, m });
  if (m < 1) throw new Error('adcPairTables: m must be at least 1');
  const mp = Math.ceil(m / 2);
  need(tab, rows * m * 16 * 4, 'adcPairTables: tab');
  need(out, rows * mp * 256 * 4, 'adcPairTables: out');
  if (rows === 0) return;
  engine.run(adc_lut_pairs, { bindings: { tab, out }, params: { rows, m }, workgroups: rows * mp });
}

/** Pair tables per query chunk (at most 64 MiB each), each chunk scanned as 8-bit codes of ceil(m / 2)
 *  sub-quantizers; the L2 term's pair table is made once. Temporaries released before returning. */
function scanFourBit(engine: Engine, a: AdcScanArgs): void {
  const { nq, nprobe, nlist, m, k } = a;
  const mp = Math.ceil(m / 2), rowBytes = mp * 256 * 4;
  const temps: GpuBuffer[] = [];
  try {
    let l2Term: Buf | undefined = a.l2Pairs;
    if (a.l2Pairs) need(a.l2Pairs, nlist * rowBytes, 'adcScan: l2Pairs');
    else if (a.l2Term) {
      if (nlist * rowBytes > engine.maxBinding) throw new Error(`adcScan: the L2 term's pair table (${nlist} lists x ${rowBytes} bytes) exceeds the binding limit`);
      const t = engine.buffer(Math.max(4, nlist * rowBytes), 'adc l2 pair table');
      temps.push(t);
      adcPairTables(engine, a.l2Term, t, nlist, m);
      l2Term = t;
    }
    const qc = Math.min(nq, rowsPerChunk(engine, [rowBytes, m * 64, nprobe * 4, k * 4], 'adcScan (4-bit pair tables)', SCRATCH_BYTES));
    const pairs = engine.buffer(qc * rowBytes, 'adc pair tables');
    temps.push(pairs);
    for (let q0 = 0; q0 < nq; q0 += qc) {
      const n = Math.min(qc, nq - q0);
      adcPairTables(engine, sub(a.lut, q0 * m * 64, n * m * 64), pairs, n, m);
      scanEightBit(engine, {
        ...a, lut: pairs, m: mp, bits: 8, nq: n, ...(l2Term ? { l2Term } : {}),
        probes: sub(a.probes, q0 * nprobe * 4, n * nprobe * 4), coarse: sub(a.coarse, q0 * nprobe * 4, n * nprobe * 4),
        outScores: sub(a.outScores, q0 * k * 4, n * k * 4), outIds: sub(a.outIds, q0 * k * 4, n * k * 4),
      });
    }
  } finally {
    release(engine, temps);
  }
}

function scanEightBit(engine: Engine, a: AdcScanArgs): void {
  const { nq, nprobe, nlist, m, bits, k, metric } = a;
  // a few queries: the one-pass scan (fewer dispatches, no temporaries; the same bits as the two passes)
  if (a.hostListOffsets && nprobe > 0 && nq > FEW_ROWS) { scanTwoPass(engine, a, a.hostListOffsets); return; }
  engine.run(adc_scan, {
    constants: { ...selectionConstants(engine, k, adc_scan), M: m, BITS: bits, METRIC_L2: metric === 'l2' ? 1 : 0 },
    bindings: {
      lut: a.lut, probes: a.probes, coarse: a.coarse, listOffsets: a.listOffsets, codes: a.codes,
      l2Term: a.l2Term ?? a.lut, outScores: a.outScores, outIds: a.outIds,
    },
    params: { nq, nprobe, nlist, wpv: wordsPerVector(m, bits) },
    workgroups: nq,
  });
  engine.run(adc_pos_ids, { bindings: { ids: a.ids, out: a.outIds }, params: { n: nq * k }, workgroups: Math.ceil((nq * k) / 64) });
}

/** The most candidates any query can have: the sum of the nprobe largest list sizes. */
export function candidateBound(hostListOffsets: ArrayLike<number>, nlist: number, nprobe: number): number {
  if (hostListOffsets.length < nlist + 1) throw new Error(`adcScan: hostListOffsets has ${hostListOffsets.length} entries, needs nlist + 1 = ${nlist + 1}`);
  const sizes: number[] = [];
  for (let l = 0; l < nlist; l++) sizes.push(hostListOffsets[l + 1]! - hostListOffsets[l]!);
  sizes.sort((x, y) => y - x);
  let s = 0;
  for (let i = 0; i < Math.min(nprobe, nlist); i++) s += sizes[i]!;
  return s;
}

/** Scratch of the 4-bit pair-table scan per chunk of queries: at most this many bytes (and the binding limit). */
const SCRATCH_BYTES = 64 * 1024 * 1024;

/** Scratch of the two-pass scan per chunk of queries, per array (candidate keys or scores, positions): at most
 *  this many bytes, unless one query's candidates need more. Dawn's Vulkan backend suballocates buffers of at most
 *  4 MiB from heaps it keeps; a larger buffer gets a device allocation of its own, which a CPU driver backs with
 *  fresh pages (a page fault per page on first touch) and which Dawn zero-fills before its first use, however
 *  little of it the scan then writes. Chunks within this bound reuse a suballocated buffer, so a search pays
 *  neither. Measured on lavapipe (bench/results/search.md): 1 to 3 MiB alike, 4 MiB and more slower, 0.5 MiB
 *  slower (more chunks). */
const TWO_PASS_SCRATCH_BYTES = 2 * 1024 * 1024;

/** Writes the scores of queries q0 .. q0 + n - 1 into `scores` (n x cap, columns laid out by adc_cols in `cols`),
 *  or with `cut` (a cut pass) the candidates that can be among the best k as (tk_key, column) pairs into `scores`
 *  and cut.pos, and each query's count and final bound (a key at or below its k-th best) into cut.counts. */
type ScorePass = (n: number, q0: number, scores: GpuBuffer, cols: GpuBuffer, cap: number, cut?: { pos: GpuBuffer; counts: GpuBuffer }) => void;

function scanTwoPass(engine: Engine, a: AdcScanArgs, hostListOffsets: ArrayLike<number>, scorePass?: ScorePass, cut = false): void {
  const { nq, nprobe, nlist, m, bits, k, metric } = a;
  const cap = Math.max(1, candidateBound(hostListOffsets, nlist, nprobe));
  const limit = Math.min(engine.maxBinding, TWO_PASS_SCRATCH_BYTES);
  if (cap * 4 > engine.maxBinding) throw new Error(`adcScan: up to ${cap} candidates per query do not fit one binding; probe fewer lists`);
  const qc = Math.max(1, Math.min(nq, Math.floor(limit / (cap * 4))));
  const temps: GpuBuffer[] = [];
  try {
    const scores = engine.buffer(qc * cap * 4, 'adc candidate scores');
    const cols = engine.buffer(qc * (nprobe + 1) * 4, 'adc candidate layout');
    const order = engine.buffer(qc * nprobe * 16, 'adc candidate lists in column order');
    temps.push(scores, cols, order);
    const cutBufs = cut ? { pos: engine.buffer(qc * cap * 4, 'adc candidate columns'), counts: engine.buffer(qc * 8, 'adc candidate counts and bounds') } : undefined;
    if (cutBufs) temps.push(cutBufs.pos, cutBufs.counts);
    for (let q0 = 0; q0 < nq; q0 += qc) {
      const n = Math.min(qc, nq - q0);
      engine.run(adc_cols, {
        bindings: { probes: a.probes, listOffsets: a.listOffsets, cols, order },
        params: { nq: n, nprobe, nlist, cap, q0 },
        workgroups: Math.ceil((n * nprobe) / 64),
      });
      if (scorePass) scorePass(n, q0, scores, cols, cap, cutBufs);
      else engine.run(adc_score, {
        constants: { M: m, BITS: bits, METRIC_L2: metric === 'l2' ? 1 : 0 },
        bindings: { lut: a.lut, probes: a.probes, coarse: a.coarse, listOffsets: a.listOffsets, codes: a.codes,
          l2Term: a.l2Term ?? a.lut, outScores: scores, cols },
        params: { nq: n, nprobe, nlist, cap, q0 },
        workgroups: n * nprobe,
      });
      if (cutBufs) {
        // a cut row holds the candidates that reached the running bound (about k (1 + ln(row / k)), a few hundred),
        // and the final bound leaves about k of them to rank
        selectPairRowsByRank(engine, { keys: scores, pos: cutBufs.pos, rowLen: cutBufs.counts }, n, cap, k, metric === 'ip', a.outScores, a.outIds, q0);
      } else {
        // cols[q * (nprobe + 1)] is the row's length: topk reads it with a stride of nprobe + 1 words. topk_select,
        // not topk_stream: a row holds its probed lists end to end, nearest list first, so topk_stream's sample of
        // evenly spaced blocks (which assumes no order) sets too high a threshold and the row is read again.
        selectRows(engine, { keys: scores, pos: scores, pairs: false, rowLen: cols, rowLenStride: nprobe + 1 }, n, cap, k,
          metric === 'ip', a.outScores, a.outIds, undefined, q0, temps, 'select');
      }
      const wpq = Math.ceil(k / 64);
      engine.run(adc_ids, {
        bindings: { order, ids: a.ids, outIds: a.outIds },
        params: { nq: n, nprobe, nlist, k, q0, wpq },
        workgroups: n * wpq,
      });
    }
  } finally {
    release(engine, temps);
  }
}
