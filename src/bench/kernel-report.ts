// The report of a kernel benchmark run (src/bench/kernels.ts), as JSON and as the tables of kernel-table.ts read it.
import type { Bound, Work } from './kernel-cases.js';

export interface KernelTimingPart {
  /** WGSL kernel (shader) name */
  shader: string;
  dispatchesPerRun: number;
  /** median over runs of this shader's mean GPU time per dispatch, ms */
  medianMsPerDispatch: number;
}

export interface KernelCaseResult {
  kernel: string;
  size: string;
  params: Record<string, number>;
  reps: number;
  dispatchesPerRun: number;
  /** median GPU time of one run (all its dispatches), ms; null without timestamp queries */
  gpuMs: number | null;
  /** median wall time of one run (record, submit, wait until done), ms */
  wallMs: number;
  minWallMs: number;
  /** per-shader GPU times (empty without timestamp queries) */
  parts: KernelTimingPart[];
  work: Work;
  /** throughput from gpuMs when present, else from wallMs */
  basis: 'gpu' | 'wall';
  gflops?: number;
  gbps?: number;
  /** random lookups per second, in billions (when the work states lookups) */
  glookups?: number;
  /** time per workgroup barrier, ns: run time / barriers (when the work states barriers) */
  nsPerBarrier?: number;
  /** the bound the case declared, and the share of that bound's probe rate it reached (0.42 = 42 %) */
  bound?: Bound;
  boundShare?: number;
}

/** Rates of the roofline probes on the adapter, measured in the same run (absent: probe not run). */
export interface Roofline {
  /** the better of the vec4 and u32 streaming reads; the 'stream' bound */
  streamGBps?: number;
  streamVec4GBps?: number;
  streamU32GBps?: number;
  /** random 4-byte lookups per second (billions) per table size ('32KiB', '1MiB'); the 'gather' bound */
  gatherGLookups?: Record<string, number>;
  /** vec4 FMA rate; the 'fma' bound */
  fmaGflops?: number;
  /** run time of the barrier probe per workgroup barrier (all workgroups in flight together), ns */
  nsPerBarrier?: number;
}

export interface KernelBenchReport {
  benchmark: 'kernels';
  /** 2: probes, roofline, bound shares, machine and load average added */
  version: 2;
  /** ISO 8601 time the benchmark finished */
  timestamp: string;
  quick: boolean;
  adapter: string;
  timing: 'gpu-timestamps+wall' | 'wall';
  limits: Record<string, number>;
  host: {
    userAgent?: string; hardwareConcurrency?: number; node?: string; platform?: string;
    /** the machine as the caller describes it (e.g. CPU model and core count) */
    machine?: string;
    /** 1, 5 and 15-minute load averages at the start and at the end of the run (where the caller reads them) */
    loadAverageStart?: number[];
    loadAverageEnd?: number[];
  };
  /** the roofline probes' results (empty when they were not run) */
  probes: KernelCaseResult[];
  roofline: Roofline;
  cases: KernelCaseResult[];
}

export interface KernelBenchResult {
  json: KernelBenchReport;
  table: string;
}
