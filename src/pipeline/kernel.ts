// A kernel is data: a WGSL source plus what the shader itself declares. Bindings, the uniform parameter
// struct's layout and the override constants are read from the WGSL with wgsl_reflect, so the TypeScript
// side cannot drift from the shader: a binding the caller names that the shader lacks (or the reverse)
// fails at dispatch with the kernel's name, not as silent garbage.
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { shaderSources, type ShaderName } from '../shaders/sources.js';

export type BindingKind = 'uniform' | 'storage' | 'read-only-storage';

export interface BindingInfo {
  name: string;
  binding: number;
  kind: BindingKind;
}

export type ScalarType = 'u32' | 'i32' | 'f32';

export interface ParamField {
  name: string;
  offset: number;
  type: ScalarType;
  /** number of scalars (1 for a scalar, 2-4 for a vector) */
  count: number;
}

export interface KernelInfo {
  name: string;
  source: string;
  entryPoint: string;
  bindings: BindingInfo[];
  /** the layout of the uniform struct bound as `params`, if the kernel has one */
  params?: { binding: number; size: number; fields: Map<string, ParamField> };
  overrides: Set<string>;
}

const infoCache = new Map<string, KernelInfo>();

function scalarOf(typeName: string, format: string | undefined): ScalarType {
  const t = format ?? typeName;
  if (t === 'u32' || t === 'i32' || t === 'f32') return t;
  throw new Error(`uniform params field of type ${typeName}<${format ?? ''}> is not supported (use u32, i32, f32 or vectors of them)`);
}

/** Reflects a kernel's WGSL once per source and caches the result. */
export function kernelInfo(name: string, source?: string): KernelInfo {
  const src = source ?? shaderSources[name as ShaderName];
  if (src === undefined) throw new Error(`unknown kernel '${name}': no src/shaders/${name}.wgsl`);
  const key = `${name}\u0000${src.length}\u0000${source === undefined ? '' : src}`;
  const hit = infoCache.get(key);
  if (hit) return hit;
  const r = new WgslReflect(src);
  const entry = r.entry.compute[0];
  if (!entry) throw new Error(`kernel '${name}' has no @compute entry point`);
  const bindings: BindingInfo[] = [];
  let params: KernelInfo['params'];
  for (const u of r.uniforms) {
    if (u.group !== 0) throw new Error(`kernel '${name}': only @group(0) is used, '${u.name}' is in group ${u.group}`);
    bindings.push({ name: u.name, binding: u.binding, kind: 'uniform' });
    if (u.name === 'params') {
      const fields = new Map<string, ParamField>();
      const members = (u as unknown as { members: Array<{ name: string; offset: number; size: number; type: { name: string; format?: { name: string } } }> }).members ?? [];
      for (const m of members) {
        const type = scalarOf(m.type.name, m.type.format?.name);
        fields.set(m.name, { name: m.name, offset: m.offset, type, count: Math.max(1, m.size / 4) });
      }
      params = { binding: u.binding, size: u.size, fields };
    }
  }
  for (const s of r.storage) {
    if (s.group !== 0) throw new Error(`kernel '${name}': only @group(0) is used, '${s.name}' is in group ${s.group}`);
    bindings.push({ name: s.name, binding: s.binding, kind: s.access === 'read' ? 'read-only-storage' : 'storage' });
  }
  bindings.sort((a, b) => a.binding - b.binding);
  const info: KernelInfo = {
    name, source: src, entryPoint: entry.name, bindings, params,
    overrides: new Set(r.overrides.map((o) => o.name)),
  };
  infoCache.set(key, info);
  return info;
}

/** Writes `values` into a uniform block laid out as `params` describes. Every field must be given. */
export function packParams(kernel: KernelInfo, values: Record<string, number | readonly number[]>, out: DataView, base: number): void {
  const p = kernel.params;
  if (!p) {
    if (Object.keys(values).length) throw new Error(`kernel '${kernel.name}' has no 'params' uniform but params were given`);
    return;
  }
  for (const key of Object.keys(values)) {
    if (!p.fields.has(key)) throw new Error(`kernel '${kernel.name}': params has no field '${key}' (fields: ${[...p.fields.keys()].join(', ')})`);
  }
  for (const f of p.fields.values()) {
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
        } else out.setInt32(at, x, true);
      }
    }
  }
}
