// The kernel benchmark cases: one entry per (kernel, size). Each case states the minimum work of one run
// (flops or bytes, with the formula) and prepares deterministic random inputs on the GPU.
// Adding a kernel to the benchmark = adding one builder below and listing it in kernelCases().
import type { Engine } from '../pipeline/engine.js';
import type { GpuBuffer } from '../pipeline/buffer.js';
import { scores } from '../kernels/scores.js';
import { assignNearest } from '../kernels/kmeans.js';
import { trainKMeans } from '../quantizers/clustering.js';
import { pqEncode, wordsPerVector } from '../kernels/pq.js';
import { residuals } from '../kernels/residuals.js';
import { topk } from '../kernels/topk.js';
import { adcLut, adcL2Term, adcScan } from '../kernels/adc.js';
import { uniformF32, uniformU32, type Rand } from './random.js';
import { Tape } from '../autograd/tensor.js';
import { softAssignReconstruct } from '../autograd/ops-fused.js';

/** The bound a kernel case is measured against: bytes read -> 'stream' (the streaming-read probe), random
 *  table lookups -> 'gather' (the gather probe of the nearest table size), flops -> 'fma' (the vec4 FMA probe). */
export type Bound = 'stream' | 'gather' | 'fma';

/** Minimum work of one run of a case; throughput = flops / time, bytes / time or lookups / time. */
export interface Work {
  flops?: number;
  bytes?: number;
  /** random 4-byte table lookups */
  lookups?: number;
  /** size of the table the lookups go to, bytes (picks the gather probe a case is compared with) */
  tableBytes?: number;
  /** workgroup barriers executed, summed over workgroups (the barrier probe) */
  barriers?: number;
  /** how the number was computed, e.g. "2*nq*n*d" */
  formula: string;
}

/** A case with its inputs on the GPU: `run` records one run (one or more dispatches; the caller syncs).
 *  Work with host round trips (trainKMeans) returns a promise. */
export interface PreparedCase {
  run(): void | Promise<void>;
  dispose(): void;
  /** the work and parameters when they depend on the generated inputs (else the case's own) */
  work?: Work;
  params?: Record<string, number>;
}

type Made = (() => void | Promise<void>) | { run: () => void | Promise<void>; work: Work; params: Record<string, number> };

export interface KernelCase {
  /** the kernel (wrapper) measured; `only` filters on this name */
  kernel: string;
  /** readable size, e.g. "1024x16384x128 ip" */
  size: string;
  params: Record<string, number>;
  work: Work;
  /** the roofline bound this case is limited by: bytes read -> 'stream', lookups -> 'gather', flops -> 'fma' */
  bound?: Bound;
  /** cases with the same key get the same random inputs (default: kernel and size) */
  seedKey?: string;
  prepare(engine: Engine, r: Rand): PreparedCase;
}

/** Collects the buffers a case makes so that dispose() releases all of them. */
class Buffers {
  private readonly all: GpuBuffer[] = [];
  add(b: GpuBuffer): GpuBuffer { this.all.push(b); return b; }
  dispose(engine: Engine): void {
    try { engine.flush(); } finally { for (const b of this.all.splice(0)) b.dispose(); }
  }
}

/** Runs `make` with a fresh buffer list; its buffers are released by dispose(), or at once if `make` throws. */
function prepared(engine: Engine, make: (b: Buffers) => Made): PreparedCase {
  const bufs = new Buffers();
  try {
    const made = make(bufs);
    const dispose = () => bufs.dispose(engine);
    return typeof made === 'function' ? { run: made, dispose } : { ...made, dispose };
  } catch (e) {
    bufs.dispose(engine);
    throw e;
  }
}

export function scoresCase(nq: number, n: number, d: number, metric: 0 | 1): KernelCase {
  return {
    kernel: 'scores', size: `${nq}x${n}x${d} ${metric === 0 ? 'ip' : 'l2'}`, params: { nq, n, d, metric },
    work: { flops: 2 * nq * n * d, formula: '2*nq*n*d flops' },
    bound: 'fma',
    prepare(engine, r) {
      return prepared(engine, (b) => {
        const q = b.add(engine.upload(uniformF32(r, nq * d), 'bench q'));
        const x = b.add(engine.upload(uniformF32(r, n * d), 'bench x'));
        const out = b.add(engine.buffer(nq * n * 4, 'bench scores'));
        return () => scores(engine, q, x, out, nq, n, d, metric);
      });
    },
  };
}

export function assignCase(n: number, groups: number, k: number, dsub: number, metric: 0 | 1): KernelCase {
  return {
    kernel: 'assignNearest', size: `n${n} k${k} d${groups * dsub}${groups > 1 ? ` groups${groups}` : ''} ${metric === 0 ? 'ip' : 'l2'}`,
    params: { n, groups, k, dsub, metric },
    work: { flops: 2 * n * groups * k * dsub, formula: '2*n*groups*k*dsub flops' },
    bound: 'fma',
    prepare(engine, r) {
      return prepared(engine, (b) => {
        const x = b.add(engine.upload(uniformF32(r, n * groups * dsub), 'bench x'));
        const c = b.add(engine.upload(uniformF32(r, groups * k * dsub), 'bench centroids'));
        const assign = b.add(engine.buffer(n * groups * 4, 'bench assign'));
        const score = b.add(engine.buffer(n * groups * 4, 'bench score'));
        return () => assignNearest(engine, x, c, assign, score, n, groups, k, dsub, metric);
      });
    },
  };
}

/**
 * Lloyd's k-means (trainKMeans: assignment, then the count/scan/scatter/sum update, empty-cluster splits, one
 * host round trip per iteration) for `iters` iterations. The per-shader GPU times in the report separate the
 * assignment from the update kernels.
 */
export function trainKMeansCase(n: number, groups: number, k: number, dsub: number, iters: number, metric: 'ip' | 'l2'): KernelCase {
  return {
    kernel: 'trainKMeans', size: `n${n} k${k} d${groups * dsub}${groups > 1 ? ` groups${groups}` : ''} iters${iters} ${metric}`,
    params: { n, groups, k, dsub, iters },
    work: { flops: 2 * iters * n * groups * k * dsub, formula: '2*iters*n*groups*k*dsub flops (assignment only; update not counted)' },
    bound: 'fma',
    prepare(engine, r) {
      return prepared(engine, (b) => {
        const x = b.add(engine.upload(uniformF32(r, n * groups * dsub), 'bench x'));
        return async () => {
          const cent = await trainKMeans(engine, x, { n, groups, k, dsub, iters, metric, maxPointsPerCentroid: Math.ceil(n / k) });
          engine.flush();
          cent.dispose();
        };
      });
    },
  };
}

export function pqEncodeCase(n: number, m: number, bits: 4 | 8, dsub: number): KernelCase {
  const ksub = 1 << bits;
  return {
    kernel: 'pqEncode', size: `n${n} m${m} bits${bits} dsub${dsub}`, params: { n, m, bits, dsub },
    work: { flops: 2 * n * m * ksub * dsub, formula: '2*n*m*ksub*dsub flops (nearest codeword; packing not counted)' },
    bound: 'fma',
    prepare(engine, r) {
      return prepared(engine, (b) => {
        const x = b.add(engine.upload(uniformF32(r, n * m * dsub), 'bench residuals'));
        const cb = b.add(engine.upload(uniformF32(r, m * ksub * dsub), 'bench codebooks'));
        const out = b.add(engine.buffer(n * wordsPerVector(m, bits) * 4, 'bench codes'));
        return () => pqEncode(engine, x, cb, out, n, m, bits, dsub);
      });
    },
  };
}

export function residualsCase(n: number, d: number, nlist: number): KernelCase {
  return {
    kernel: 'residuals', size: `n${n} d${d} nlist${nlist}`, params: { n, d, nlist },
    work: { bytes: (2 * n * d + n + nlist * d) * 4, formula: '4*(2*n*d + n + nlist*d) bytes (read x, write out, read assign, centroids once)' },
    bound: 'stream',
    prepare(engine, r) {
      return prepared(engine, (b) => {
        const x = b.add(engine.upload(uniformF32(r, n * d), 'bench x'));
        const c = b.add(engine.upload(uniformF32(r, nlist * d), 'bench centroids'));
        const a = b.add(engine.upload(uniformU32(r, n, nlist), 'bench assign'));
        const out = b.add(engine.buffer(n * d * 4, 'bench residuals'));
        return () => residuals(engine, x, c, a, out, n, d);
      });
    },
  };
}

/**
 * Top-k of `rows` rows of n values. Rows are processed in groups that fit one binding (maxBinding); every
 * group reads the same values buffer (the work per row is the same), outputs are overwritten per group.
 */
export function topkCase(rows: number, n: number, k: number): KernelCase {
  return {
    kernel: 'topk', size: `rows${rows} n${n} k${k}`, params: { rows, n, k },
    work: { bytes: rows * n * 4, formula: n >= 2048 ? '4*rows*n bytes (values read once by topk_stream, plus a sample of 1/16)' : '4*rows*n bytes (values read once)' },
    bound: 'stream',
    prepare(engine, r) {
      return prepared(engine, (b) => {
        const groupRows = Math.max(1, Math.min(rows, Math.floor(Math.min(engine.maxBinding, engine.limits.maxBufferSize) / (n * 4))));
        const values = b.add(engine.upload(uniformF32(r, groupRows * n), 'bench values'));
        const outV = b.add(engine.buffer(groupRows * k * 4, 'bench top values'));
        const outI = b.add(engine.buffer(groupRows * k * 4, 'bench top indices'));
        return () => {
          for (let r0 = 0; r0 < rows; r0 += groupRows) {
            const g = Math.min(groupRows, rows - r0);
            topk(engine, values.slice(0, g * n * 4), outV, outI, g, n, k, true);
          }
        };
      });
    },
  };
}

/** Per-query ADC lookup tables (adcLut) or the L2 term per IVF centroid (adcL2Term): rows x m x ksub outputs. */
export function adcLutCase(which: 'adcLut' | 'adcL2Term', rows: number, m: number, bits: 4 | 8, dsub: number): KernelCase {
  const ksub = 1 << bits;
  const rowName = which === 'adcLut' ? 'nq' : 'nlist';
  return {
    kernel: which, size: `${rowName}${rows} m${m} ksub${ksub} dsub${dsub}`, params: { [rowName]: rows, m, ksub, dsub },
    work: {
      flops: 2 * rows * m * ksub * dsub, bytes: 4 * rows * m * ksub,
      formula: `2*${rowName}*m*ksub*dsub flops; 4*${rowName}*m*ksub bytes written`,
    },
    bound: 'fma',
    prepare(engine, r) {
      return prepared(engine, (b) => {
        const x = b.add(engine.upload(uniformF32(r, rows * m * dsub), which === 'adcLut' ? 'bench queries' : 'bench centroids'));
        const cb = b.add(engine.upload(uniformF32(r, m * ksub * dsub), 'bench codebooks'));
        const out = b.add(engine.buffer(rows * m * ksub * 4, 'bench lut'));
        const fn = which === 'adcLut' ? adcLut : adcL2Term;
        return () => fn(engine, x, cb, out, rows, m, ksub, dsub);
      });
    },
  };
}

/** Sizes of `nlist` inverted lists holding `total` vectors, uneven (random weights), deterministic. */
function listSizes(r: Rand, total: number, nlist: number): Uint32Array {
  const w = Array.from({ length: nlist }, () => 0.25 + r());
  const sum = w.reduce((a, b) => a + b, 0);
  const sizes = new Uint32Array(nlist);
  let used = 0;
  for (let l = 0; l < nlist; l++) used += (sizes[l] = Math.floor((w[l]! / sum) * total));
  for (let l = 0; used < total; l = (l + 1) % nlist, used++) sizes[l]!++;
  return sizes;
}

/** nprobe distinct lists per query (partial Fisher-Yates), as i32. */
function randomProbes(r: Rand, nq: number, nprobe: number, nlist: number): Int32Array {
  const out = new Int32Array(nq * nprobe);
  const perm = Int32Array.from({ length: nlist }, (_, i) => i);
  for (let q = 0; q < nq; q++) {
    for (let p = 0; p < nprobe; p++) {
      const j = p + Math.floor(r() * (nlist - p));
      const t = perm[p]!; perm[p] = perm[j]!; perm[j] = t;
      out[q * nprobe + p] = perm[p]!;
    }
  }
  return out;
}

/**
 * ADC scan of nprobe probed lists per query with the fused top-k, over `total` PQ-coded vectors in `nlist`
 * uneven lists. Inputs are made on the host (random codes, LUTs, probes); the number of vectors scanned
 * (sum of the probed list sizes) depends only on the sizes and the seed, so the stated work is exact.
 * path 'fused': one workgroup per query scores and selects; 'two-pass': scores written out, then topk
 * (adcScan's path when it is given hostListOffsets; 4-bit codes on a device with subgroups: adc_score4_sg, whose
 * lookups are subgroup shuffles, still counted as table lookups; for k <= 128 adc_score4_cut, which also writes
 * only the candidates that can be among the k best).
 */
export function adcScanCase(nq: number, nprobe: number, m: number, bits: 4 | 8, total: number, nlist: number, k: number,
  metric: 'ip' | 'l2', path: 'fused' | 'two-pass' = 'fused'): KernelCase {
  const ksub = 1 << bits;
  const wpv = wordsPerVector(m, bits);
  const codeBytes = Math.ceil((m * bits) / 8);
  const lookups = metric === 'l2' ? 2 : 1;
  return {
    kernel: 'adcScan', size: `nq${nq} nprobe${nprobe} m${m} bits${bits} n${total} nlist${nlist} k${k} ${metric} ${path}`,
    params: { nq, nprobe, m, bits, n: total, nlist, k },
    seedKey: `adcScan nq${nq} nprobe${nprobe} m${m} bits${bits} n${total} nlist${nlist} k${k} ${metric}`,
    work: {
      bytes: nq * nprobe * (total / nlist) * (codeBytes + 4 * m * lookups), lookups: nq * nprobe * (total / nlist) * m * lookups,
      tableBytes: 4 * m * ksub, formula: 'expected; the exact count is set by prepare',
    },
    bound: 'gather',
    prepare(engine, r) {
      return prepared(engine, (b) => {
        const sizes = listSizes(r, total, nlist);
        const offsets = new Uint32Array(nlist + 1);
        for (let l = 0; l < nlist; l++) offsets[l + 1] = offsets[l]! + sizes[l]!;
        const probes = randomProbes(r, nq, nprobe, nlist);
        let scanned = 0;
        for (const l of probes) scanned += sizes[l]!;
        const work: Work = {
          bytes: scanned * (codeBytes + 4 * m * lookups), lookups: scanned * m * lookups, tableBytes: 4 * m * ksub,
          formula: `scanned*(codeBytes + 4*m*${lookups}) bytes: codes read + ${lookups === 2 ? 'LUT and L2-term' : 'LUT'} lookups (4 B each), `
            + `scanned*m*${lookups} lookups into a ${4 * m * ksub}-byte LUT; scanned = sum of probed list sizes`,
        };
        const lut = b.add(engine.upload(uniformF32(r, nq * m * ksub), 'bench lut'));
        const l2Term = metric === 'l2' ? b.add(engine.upload(uniformF32(r, nlist * m * ksub), 'bench l2 term')) : undefined;
        const probesB = b.add(engine.upload(probes, 'bench probes'));
        const coarse = b.add(engine.upload(uniformF32(r, nq * nprobe), 'bench coarse'));
        const listOffsets = b.add(engine.upload(offsets, 'bench list offsets'));
        const codes = b.add(engine.upload(uniformU32(r, total * wpv, 2 ** 32), 'bench codes'));
        const ids = b.add(engine.upload(Int32Array.from({ length: total }, (_, i) => i), 'bench ids'));
        const outScores = b.add(engine.buffer(nq * k * 4, 'bench top scores'));
        const outIds = b.add(engine.buffer(nq * k * 4, 'bench top ids'));
        const run = () => adcScan(engine, {
          lut, probes: probesB, coarse, listOffsets, codes, ids, ...(l2Term ? { l2Term } : {}), outScores, outIds,
          nq, nprobe, nlist, m, bits, k, metric, ...(path === 'two-pass' ? { hostListOffsets: offsets } : {}),
        });
        return { run, work, params: { nq, nprobe, m, bits, n: total, nlist, k, scanned } };
      });
    },
  };
}

/**
 * Distill-VQ's hot path: the fused straight-through soft assignment + reconstruction (autograd op
 * softAssignReconstruct), forward and backward, for U documents of dimension m*dsub.
 */
export function softAssignCase(u: number, m: number, ksub: number, dsub: number): KernelCase {
  return {
    kernel: 'softAssignReconstruct', size: `U${u} m${m} ksub${ksub} dsub${dsub} fwd+bwd`, params: { u, m, ksub, dsub },
    work: { flops: 4 * 2 * u * m * ksub * dsub, formula: '4*2*U*m*ksub*dsub flops (distances forward, and in backward: a-gradient, u-gradient, codebook-gradient)' },
    bound: 'fma',
    prepare(engine, r) {
      const tape = new Tape(engine);
      const x = tape.keep(tape.tensor(uniformF32(r, u * m * dsub), [u, m * dsub], { requiresGrad: true }));
      const cb = tape.keep(tape.tensor(uniformF32(r, m * ksub * dsub), [m, ksub, dsub], { requiresGrad: true }));
      const g = tape.keep(tape.tensor(uniformF32(r, u * m * dsub), [u, m * dsub]));
      return {
        run: () => tape.scope(() => { const out = softAssignReconstruct(x, cb); tape.backward(out, g); x.zeroGrad(); cb.zeroGrad(); }),
        dispose: () => tape.dispose(),
      };
    },
  };
}

/** The standard sizes (full) or small ones that run in seconds on a software GPU (quick). */
export function kernelCases(quick: boolean): KernelCase[] {
  if (quick) {
    return [
      scoresCase(128, 1024, 64, 0),
      scoresCase(100, 256, 96, 1),
      assignCase(2000, 1, 64, 32, 1),
      trainKMeansCase(2000, 1, 32, 16, 3, 'l2'),
      residualsCase(2000, 64, 64),
      pqEncodeCase(2000, 8, 8, 4),
      topkCase(64, 5000, 10),
      adcLutCase('adcLut', 64, 8, 8, 4),
      adcLutCase('adcL2Term', 16, 8, 8, 4),
      adcScanCase(32, 4, 8, 8, 2000, 16, 10, 'l2'),
      adcScanCase(32, 4, 8, 8, 2000, 16, 10, 'l2', 'two-pass'),
      softAssignCase(200, 8, 256, 16),
    ];
  }
  return [
    scoresCase(1024, 16384, 128, 0),
    scoresCase(3000, 256, 512, 1),
    assignCase(50000, 1, 256, 128, 1),
    trainKMeansCase(50000, 1, 256, 128, 5, 'l2'),
    residualsCase(50000, 128, 256),
    pqEncodeCase(50000, 32, 8, 4),
    pqEncodeCase(50000, 32, 8, 16),
    topkCase(3000, 50000, 100),
    adcLutCase('adcLut', 3000, 32, 8, 4),
    adcLutCase('adcL2Term', 256, 32, 8, 4),
    adcScanCase(3000, 32, 32, 8, 50000, 256, 100, 'l2'),
    adcScanCase(3000, 32, 32, 8, 50000, 256, 100, 'l2', 'two-pass'),
    adcScanCase(3000, 32, 64, 4, 50000, 256, 100, 'l2', 'two-pass'),
    adcScanCase(3000, 32, 64, 4, 50000, 256, 100, 'ip', 'two-pass'),
    softAssignCase(3200, 32, 256, 16),
  ];
}
