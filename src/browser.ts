// Browser entry of distill-vq: the same engine, pipeline and kernels as in Node, with WebGPU taken from
// navigator.gpu. Nothing here may import Node-only modules (scripts/build-browser.mjs bundles it with
// esbuild's browser platform, which fails on any node:* import).
import { Engine, type EngineOptions, SOFTWARE_GPU_HELP } from './pipeline/engine.js';

/** Thrown when the page runs in a browser without WebGPU (navigator.gpu missing or no adapter). */
export class NoWebGpuError extends Error {
  constructor(detail: string) {
    super(`this browser has no WebGPU (${detail}). Use Chrome/Edge 113+ or another browser with WebGPU enabled; ` +
      'headless Chromium needs --enable-unsafe-webgpu, and pages must be served over https or from localhost.');
    this.name = 'NoWebGpuError';
  }
}

/** Creates an engine on the browser's WebGPU device (navigator.gpu). */
export async function createEngine(opts: EngineOptions = {}): Promise<Engine> {
  if (opts.device) return Engine.fromGpu(undefined, opts);
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  const gpu = nav?.gpu;
  if (!gpu) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    throw new NoWebGpuError(secure === false ? 'navigator.gpu is missing: the page is not a secure context' : 'navigator.gpu is missing');
  }
  let adapter: GPUAdapter | null = opts.adapter ?? null;
  if (!adapter) {
    adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
    if (!adapter) throw new NoWebGpuError('navigator.gpu.requestAdapter() returned no adapter; WebGPU may be disabled or blocklisted for this GPU');
  }
  try {
    return await Engine.fromGpu(gpu, { ...opts, adapter });
  } catch (e) {
    if ((e as Error).message === SOFTWARE_GPU_HELP) throw new NoWebGpuError('no adapter');
    throw new Error(`could not create a WebGPU device: ${(e as Error).message}`);
  }
}

/** True when this browser exposes navigator.gpu (an adapter may still be unavailable). */
export function hasWebGpu(): boolean {
  return !!(globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

// Everything below is browser-safe (no Node imports); the Node-only parts (src/node, src/io/*-node.ts,
// src/io/ivfpq-file.ts) stay out.
export * from './pipeline/index.js';
export * from './ivfpq/types.js';
export * from './ivfpq/format.js';
export * from './io/vectors.js';
export * from './io/demo-data.js';
export * from './kernels/scores.js';
export * from './kernels/topk.js';
export * from './kernels/adc.js';
export * from './kernels/kmeans.js';
export * from './kernels/pq.js';
export * from './kernels/residuals.js';
// several kernel modules re-export the same buffer-or-slice type; name it once here
export type { Buf } from './kernels/row-chunks.js';
// the index, its training (k-means, OPQ, Distill-VQ), exact search, metrics, progress lines
export { IvfPqIndex, type IvfPqOptions, type TrainOptions, type SearchOptions } from './ivfpq/index.js';
export type { DistillOptions, DistillReport, DistillLoss } from './ivfpq/distill.js';
export { exactSearch, type ExactResult } from './ivfpq/exact.js';
export * from './ivfpq/metrics.js';
export { ProgressMeter, formatProgress } from './ivfpq/progress.js';
// autograd (tensors, tape, ops, losses, optimizers) for training in the page
export * from './autograd/index.js';
// kernel benchmarks (the demo's Benchmarks tab)
export { benchKernels, selectCases, kernelCases, type BenchKernelsOptions, type KernelBenchResult, type KernelBenchReport,
  type KernelCaseResult, type KernelTimingPart, type KernelCase, type Work } from './bench/kernels.js';
export { formatKernelTable, formatKernelMarkdown, throughput } from './bench/kernel-table.js';
