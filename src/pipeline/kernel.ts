// The runtime side of a kernel handle (src/shaders/kernel-types.ts): the arguments of one dispatch, typed by
// the handle so that a wrong binding, params field or constant name does not compile, and the checks that
// still run (for JavaScript callers and casts): every binding given and no other, every params field given,
// known and fitting its type, every constant known.
import type { Kernel } from '../shaders/kernel-types.js';
import type { GpuBuffer, BufferSlice, GpuTexture } from './buffer.js';

export type { Kernel, BindingInfo, BindingKind, ParamField, ScalarType, WorkgroupVar } from '../shaders/kernel-types.js';
export { workgroupBytes } from '../shaders/kernel-types.js';

/** Number of workgroups: a count (spread over x and y when above the per-dimension limit) or [x, y, z]. */
export type Workgroups = number | readonly [number, number?, number?];

/** The arguments of `engine.run(kernel, args)`, typed by the kernel's bindings B, params P and constants C. */
export type RunArgs<B extends string, P extends object | null, C extends string> = {
  /** by WGSL name; buffers or 256-byte-aligned slices, or textures for texture bindings */
  bindings: { readonly [K in B]: GpuBuffer | BufferSlice | GpuTexture };
  workgroups: Workgroups;
} & (P extends null ? { params?: undefined } : { params: P })
  & ([C] extends [never] ? { constants?: undefined } : { constants?: { readonly [K in C]?: number } });

/** Throws unless `given` holds a buffer for each of the kernel's storage bindings and nothing else. */
export function checkBindings(kernel: Kernel, given: Readonly<Record<string, unknown>>): void {
  const storage = kernel.bindings.filter((b) => b.kind !== 'uniform').map((b) => b.name);
  for (const b of storage) if (!given[b]) throw new Error(`kernel '${kernel.name}': binding '${b}' was not given`);
  const unknown = Object.keys(given).filter((n) => !storage.includes(n));
  if (unknown.length) throw new Error(`kernel '${kernel.name}' has no binding named ${unknown.map((g) => `'${g}'`).join(', ')}`);
}

/** Throws on an override constant the kernel does not declare. */
export function checkConstants(kernel: Kernel, constants: Readonly<Record<string, number>> | undefined): void {
  if (!constants) return;
  for (const k of Object.keys(constants)) {
    if (!(k in kernel.overrides)) throw new Error(`kernel '${kernel.name}' has no override constant '${k}'`);
  }
}

/** Writes `values` into a uniform block laid out as the kernel's `params`. Every field must be given. */
export function packParams(kernel: Kernel, values: Readonly<Record<string, number | readonly number[]>>, out: DataView, base: number): void {
  const p = kernel.params;
  if (!p) {
    if (Object.keys(values).length) throw new Error(`kernel '${kernel.name}' has no 'params' uniform but params were given`);
    return;
  }
  for (const key of Object.keys(values)) {
    if (!p.fields.some((f) => f.name === key)) throw new Error(`kernel '${kernel.name}': params has no field '${key}' (fields: ${p.fields.map((f) => f.name).join(', ')})`);
  }
  for (const f of p.fields) {
    if (f.name.startsWith('_')) continue; // padding fields
    const v = values[f.name];
    if (v === undefined) throw new Error(`kernel '${kernel.name}': params field '${f.name}' was not given`);
    const arr = typeof v === 'number' ? [v] : v;
    if (arr.length !== f.count) throw new Error(`kernel '${kernel.name}': params field '${f.name}' needs ${f.count} value(s), got ${arr.length}`);
    for (let i = 0; i < f.count; i++) {
      const at = base + f.offset + 4 * i;
      const x = arr[i]!;
      if (f.type === 'f32') out.setFloat32(at, x, true);
      else {
        if (!Number.isInteger(x)) throw new Error(`kernel '${kernel.name}': params field '${f.name}' is ${f.type} but got ${x}`);
        if (f.type === 'u32') {
          if (x < 0 || x > 0xffffffff) throw new Error(`kernel '${kernel.name}': params field '${f.name}' = ${x} does not fit u32`);
          out.setUint32(at, x, true);
        } else {
          if (x < -0x80000000 || x > 0x7fffffff) throw new Error(`kernel '${kernel.name}': params field '${f.name}' = ${x} does not fit i32`);
          out.setInt32(at, x, true);
        }
      }
    }
  }
}
