// Node entry to the GPU: Dawn through the `webgpu` npm package.
import { Engine, type EngineOptions, SOFTWARE_GPU_HELP } from '../pipeline/engine.js';
import { InputError } from '../util/errors.js';

/**
 * The object `webgpu`'s create() returns owns Dawn's native instance. It is made once and held here for the
 * life of the process: if it were freed while a device lives, or collected during Node's exit teardown after an
 * engine was disposed, Dawn would touch freed memory (a segfault, an abort or a hang at exit; see the README,
 * "The Dawn instance-lifetime crash"). Every engine made by createEngine shares it and also holds it itself.
 */
let processGpu: Promise<GPU> | null = null;

function dawnGpu(): Promise<GPU> {
  processGpu ??= (async () => {
    let mod: typeof import('webgpu');
    try {
      mod = await import('webgpu');
    } catch (e) {
      throw new Error(`could not load the 'webgpu' package (Dawn for Node): ${(e as Error).message}. Run npm install.`);
    }
    // Dawn rounds timestamp queries down to multiples of 65,536 ns by default (a browser's guard against timing
    // attacks); a Node process has no such need, and a kernel of a few microseconds on a real GPU would read 0.
    return mod.create(['disable-dawn-features=timestamp_quantization']);
  })();
  const made = processGpu;
  made.catch(() => { if (processGpu === made) processGpu = null; }); // a failed load is not cached
  return made;
}

/**
 * Creates an engine on this machine's GPU (or Mesa's software Vulkan driver). The Dawn instance is shared by all
 * engines of the process and held for its whole life.
 */
export async function createEngine(opts: EngineOptions = {}): Promise<Engine> {
  if (opts.device) return Engine.fromGpu(undefined, opts);
  if (typeof process !== 'undefined' && process.env && !process.env.XDG_RUNTIME_DIR) {
    const { mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = `${tmpdir()}/distill-vq-xdg-${process.getuid?.() ?? 0}`;
    try { mkdirSync(dir, { recursive: true, mode: 0o700 }); process.env.XDG_RUNTIME_DIR = dir; } catch { /* only silences a Mesa warning */ }
  }
  const gpu = await dawnGpu();
  try {
    return await Engine.fromGpu(gpu, opts, gpu);
  } catch (e) {
    if ((e as Error).message === SOFTWARE_GPU_HELP || e instanceof InputError) throw e; // no adapter; bad options
    throw new Error(`could not create a WebGPU device: ${(e as Error).message}\n${SOFTWARE_GPU_HELP}`);
  }
}
