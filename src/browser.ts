// Browser entry of distill-vq: the same engine, pipeline and kernels as in Node, with WebGPU taken from
// navigator.gpu. Nothing here may import Node-only modules (scripts/build-browser.mjs bundles it with
// esbuild's browser platform, which fails on any node:* import).
import { Engine, type EngineOptions, SOFTWARE_GPU_HELP } from './pipeline/engine.js';
import { InputError } from './util/errors.js';

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
    if (e instanceof InputError) throw e; // bad options (EngineOptions.limits)
    throw new Error(`could not create a WebGPU device: ${(e as Error).message}`);
  }
}

/** True when this browser exposes navigator.gpu (an adapter may still be unavailable). */
export function hasWebGpu(): boolean {
  return !!(globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

// The rest of the public API (browser-safe; shared with the Node entry src/index.ts).
export * from './api.js';
