// WebGPU flag values (spec constants), so the pipeline needs no globals from the `webgpu` package.
export const BufferUsage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80, QUERY_RESOLVE: 0x200 } as const;
export const MAP_READ_MODE = 0x1;
export const COMPUTE_STAGE = 0x4;
/** GPUTextureUsage.COPY_DST and TEXTURE_BINDING */
export const TEXTURE_COPY_DST = 0x2;
export const TEXTURE_BINDING = 0x4;
/** GPUTextureUsage.COPY_SRC and STORAGE_BINDING */
export const TEXTURE_COPY_SRC = 0x1;
export const TEXTURE_STORAGE = 0x8;
