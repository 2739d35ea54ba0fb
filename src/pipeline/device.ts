// Finding and describing the WebGPU device, and the error for a device that is gone.

export const SOFTWARE_GPU_HELP =
  'No WebGPU adapter was found. On a machine without a GPU install Mesa\'s software Vulkan driver ' +
  '(Debian 12: add bookworm-backports to apt sources, then `apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`), ' +
  'or in a browser enable WebGPU (Chrome/Chromium 113+; headless Chromium needs --enable-unsafe-webgpu).';

export class DeviceLostError extends Error {
  constructor(reason: string) {
    super(`the GPU device was lost (${reason}); dispose this engine and create a new one`);
    this.name = 'DeviceLostError';
  }
}

/** The device of `adapter` with the adapter's own limits (not the defaults) and its optional features. */
export async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const want: GPUFeatureName[] = [];
  for (const f of ['timestamp-query', 'shader-f16', 'subgroups'] as GPUFeatureName[]) if (adapter.features.has(f)) want.push(f);
  const l = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
  };
  return adapter.requestDevice({ requiredFeatures: want, requiredLimits });
}

/** A readable adapter name from whatever the implementation reports. */
export async function describeAdapter(adapter: GPUAdapter | undefined, device: GPUDevice): Promise<string> {
  const info = (adapter?.info ?? (device as unknown as { adapterInfo?: GPUAdapterInfo }).adapterInfo) as GPUAdapterInfo | undefined;
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.length > 0);
  return parts.length ? [...new Set(parts)].join(' / ') : 'unknown adapter';
}
