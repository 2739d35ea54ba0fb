export { Engine, DeviceLostError, SOFTWARE_GPU_HELP, BufferUsage, type EngineOptions, type LoweredLimits } from './engine.js';
export { GpuBuffer, type BufferSlice, type Buf } from './buffer.js';
export { workgroupBytes, type Kernel, type RunArgs, type Workgroups } from './kernel.js';
export type { KernelTiming } from './profiler.js';
