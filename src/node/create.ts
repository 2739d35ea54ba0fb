// Node entry to the GPU: Dawn through the `webgpu` npm package.
import { Engine, type EngineOptions, SOFTWARE_GPU_HELP } from '../pipeline/engine.js';

/**
 * Creates an engine on this machine's GPU (or Mesa's software Vulkan driver). The Dawn instance that
 * `create()` returns is held by the engine for its whole life (see docs: freeing it early crashes Dawn).
 */
export async function createEngine(opts: EngineOptions = {}): Promise<Engine> {
  if (opts.device) return Engine.fromGpu(undefined, opts);
  if (typeof process !== 'undefined' && process.env && !process.env.XDG_RUNTIME_DIR) {
    const { mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = `${tmpdir()}/distill-vq-xdg-${process.getuid?.() ?? 0}`;
    try { mkdirSync(dir, { recursive: true, mode: 0o700 }); process.env.XDG_RUNTIME_DIR = dir; } catch { /* only silences a Mesa warning */ }
  }
  let mod: typeof import('webgpu');
  try {
    mod = await import('webgpu');
  } catch (e) {
    throw new Error(`could not load the 'webgpu' package (Dawn for Node): ${(e as Error).message}. Run npm install.`);
  }
  const gpu = mod.create([]);
  try {
    return await Engine.fromGpu(gpu, opts, gpu);
  } catch (e) {
    if ((e as Error).message === SOFTWARE_GPU_HELP) throw e;
    throw new Error(`could not create a WebGPU device: ${(e as Error).message}\n${SOFTWARE_GPU_HELP}`);
  }
}
