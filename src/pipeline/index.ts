export { Engine, DeviceLostError, SOFTWARE_GPU_HELP, BufferUsage, type EngineOptions, type DispatchArgs } from './engine.js';
export { GpuBuffer, type BufferSlice } from './buffer.js';
export { kernelInfo, type KernelInfo } from './kernel.js';
export type { KernelTiming } from './profiler.js';
