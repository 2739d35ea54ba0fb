// A kernel is a typed program object: its composed WGSL plus what reflection read from it at build time
// (scripts/gen-shaders.mjs writes one per src/shaders/*.wgsl into the generated src/shaders/kernels.ts).
// The type parameters carry the names of its storage bindings, the fields of its `params` uniform and its
// override constants, so that `engine.run(kernel, args)` with a wrong name does not compile.

/** 'texture': a texture_2d<f32> read with textureLoad, bound to an rgba32float GpuTexture (Engine.texels);
 *  'texels-read' / 'texels-write': a texture_storage_2d<rgba32uint, read / write>, bound to an rgba32uint
 *  GpuTexture (Engine.uintTexels) */
export type BindingKind = 'uniform' | 'storage' | 'read-only-storage' | 'texture' | 'texels-read' | 'texels-write';

export interface BindingInfo {
  readonly name: string;
  readonly binding: number;
  readonly kind: BindingKind;
}

export type ScalarType = 'u32' | 'i32' | 'f32';

export interface ParamField {
  readonly name: string;
  /** byte offset in the uniform block */
  readonly offset: number;
  readonly type: ScalarType;
  /** number of scalars: 1 for a scalar, 2-4 for a vector */
  readonly count: number;
}

/** A module-scope `var<workgroup>`: `bytes` in all, or `bytes` per element times the override `count`. */
export interface WorkgroupVar {
  readonly name: string;
  readonly bytes: number;
  readonly count?: string;
}

/**
 * A compute kernel. B: its storage binding names; P: its params (field name -> number, or a tuple for a vector
 * field; fields named `_...` are padding and left out), or null without a `params` uniform; C: its override
 * constants.
 */
export interface Kernel<B extends string = string, P extends object | null = object | null, C extends string = string> {
  readonly name: string;
  /** the composed WGSL (includes resolved) */
  readonly source: string;
  readonly entryPoint: string;
  /** every binding of @group(0), in binding order; the uniform one is `params` */
  readonly bindings: readonly BindingInfo[];
  readonly params: { readonly binding: number; readonly size: number; readonly fields: readonly ParamField[] } | null;
  /** override constants and their default values (null: no default) */
  readonly overrides: { readonly [K in C]: number | null };
  readonly workgroup: readonly WorkgroupVar[];
  /** type-level only: never set */
  readonly types?: { bindings: B; params: P; constants: C };
}

/** Bytes of workgroup memory the kernel uses with these override constants: WebGPU counts every variable
 *  rounded up to a multiple of 16 bytes. A count without a value (given or default) is an error. */
export function workgroupBytes(kernel: Kernel, constants: Readonly<Record<string, number>> = {}): number {
  const overrides = kernel.overrides as Readonly<Record<string, number | null>>;
  let total = 0;
  for (const v of kernel.workgroup) {
    let n = 1;
    if (v.count !== undefined) {
      const c = constants[v.count] ?? overrides[v.count];
      if (c === undefined || c === null) throw new Error(`kernel '${kernel.name}': workgroup variable '${v.name}' is sized by '${v.count}', which has no value`);
      n = c;
    }
    total += Math.ceil((v.bytes * n) / 16) * 16;
  }
  return total;
}
