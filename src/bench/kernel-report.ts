// The report of a kernel benchmark run (src/bench/kernels.ts), as JSON and as the tables of kernel-table.ts read it.
import type { Work } from './kernel-cases.js';

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
}

export interface KernelBenchReport {
  benchmark: 'kernels';
  version: 1;
  /** ISO 8601 time the benchmark finished */
  timestamp: string;
  quick: boolean;
  adapter: string;
  timing: 'gpu-timestamps+wall' | 'wall';
  limits: Record<string, number>;
  host: { userAgent?: string; hardwareConcurrency?: number; node?: string; platform?: string };
  cases: KernelCaseResult[];
}

export interface KernelBenchResult {
  json: KernelBenchReport;
  table: string;
}
