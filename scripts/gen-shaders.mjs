// Composes and reflects the WGSL kernels at build time (run by `npm run build`, `npm run typecheck` and before
// tests). Every src/shaders/*.wgsl file is a kernel; src/shaders/lib/*.wgsl are modules, never compiled alone.
// A line `#include "lib/name.wgsl"` (path relative to src/shaders) is replaced by that module, itself composed:
// each module goes in once per kernel (a second include of it is dropped), a cycle or a missing module is an
// error naming the file and line. WGSL directives (`enable subgroups;`) stay on a kernel's first lines: one after
// code or an #include, or in a module, is an error. Two files are written (both git-ignored):
//   src/shaders/sources.ts  every kernel's composed WGSL, so Node and browsers load kernels the same way;
//   src/shaders/kernels.ts  one typed handle per kernel (src/shaders/kernel-types.ts), reflected from the
//                           composed WGSL with wgsl_reflect: bindings, the `params` layout, override constants
//                           and their defaults, and the workgroup variables whose sizes give its memory budget.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WgslReflect, WgslParser } from 'wgsl_reflect/wgsl_reflect.module.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shaderDir = join(root, 'src', 'shaders');
const INCLUDE = /^\s*#include\s+"([^"]+)"\s*$/;
const ENABLE = /^\s*(enable|requires|diagnostic)\b/;

/**
 * The composed source of `file`, a path under `dir` (src/shaders): every `#include` replaced by its module,
 * composed in turn, each module once. `stack` holds the files being composed (a cycle is an error).
 */
export function compose(dir, file, stack = [], done = new Set()) {
  const at = (f, line) => `${relative(root, join(dir, f))}:${line}`;
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  const out = [];
  let code = false; // a line of code seen (WGSL directives such as `enable subgroups;` must come before any)
  lines.forEach((line, i) => {
    const m = INCLUDE.exec(line);
    if (ENABLE.test(line) && (stack.length > 0 || code)) {
      throw new Error(`${at(file, i + 1)}: '${line.trim()}' must be among a kernel's first lines, before any #include or code (modules cannot enable extensions)`);
    }
    if (m || !(ENABLE.test(line) || /^\s*(\/\/.*)?$/.test(line))) code = true;
    if (!m) {
      if (/^\s*#/.test(line)) throw new Error(`${at(file, i + 1)}: unknown directive '${line.trim()}' (only #include "lib/name.wgsl")`);
      out.push(line);
      return;
    }
    const inc = m[1];
    if (!existsSync(join(dir, inc))) throw new Error(`${at(file, i + 1)}: #include "${inc}": no such module (${relative(root, join(dir, inc))})`);
    if (stack.includes(inc) || inc === file) throw new Error(`${at(file, i + 1)}: #include "${inc}" makes a cycle: ${[...stack, file, inc].join(' -> ')}`);
    if (done.has(inc)) return; // each module once per kernel
    done.add(inc);
    out.push(compose(dir, inc, [...stack, file], done));
  });
  return out.join('\n');
}

function fail(name, msg) { throw new Error(`kernel ${name}: ${msg}`); }

function scalarOf(name, typeName, format) {
  const t = format ?? typeName;
  if (t === 'u32' || t === 'i32' || t === 'f32') return t;
  return fail(name, `params field of type ${typeName}<${format ?? ''}> is not supported (use u32, i32, f32 or vectors of them)`);
}

/** What the engine and the TypeScript types need to know about one composed kernel. */
export function reflectKernel(name, source) {
  const r = new WgslReflect(source);
  const entries = r.entry.compute;
  if (entries.length !== 1) fail(name, `a kernel has exactly one @compute entry point, found ${entries.length}`);
  const bindings = [];
  let params = null;
  for (const u of r.uniforms) {
    if (u.group !== 0) fail(name, `only @group(0) is used, '${u.name}' is in group ${u.group}`);
    if (u.name !== 'params') fail(name, `uniform '${u.name}' must be named 'params'`);
    bindings.push({ name: u.name, binding: u.binding, kind: 'uniform' });
    const fields = (u.members ?? []).map((m) => ({
      name: m.name, offset: m.offset, type: scalarOf(name, m.type.name, m.type.format?.name), count: Math.max(1, m.size / 4),
    }));
    params = { binding: u.binding, size: u.size, fields };
  }
  for (const s of r.storage) {
    if (s.group !== 0) fail(name, `only @group(0) is used, '${s.name}' is in group ${s.group}`);
    if (s.type?.name?.startsWith('texture_')) {
      if (s.type.name !== 'texture_storage_2d' || s.type.format?.name !== 'rgba32uint' || (s.access !== 'read' && s.access !== 'write')) {
        fail(name, `storage texture '${s.name}' must be a texture_storage_2d<rgba32uint, read> or <rgba32uint, write> (Engine.uintTexels)`);
      }
      bindings.push({ name: s.name, binding: s.binding, kind: s.access === 'read' ? 'texels-read' : 'texels-write' });
      continue;
    }
    bindings.push({ name: s.name, binding: s.binding, kind: s.access === 'read' ? 'read-only-storage' : 'storage' });
  }
  for (const t of r.textures) {
    if (t.group !== 0) fail(name, `only @group(0) is used, '${t.name}' is in group ${t.group}`);
    if (t.type?.name !== 'texture_2d') fail(name, `texture '${t.name}' must be a texture_2d<f32> (rgba32float, Engine.texels)`);
    bindings.push({ name: t.name, binding: t.binding, kind: 'texture' });
  }
  bindings.sort((a, b) => a.binding - b.binding);
  const ast = new WgslParser().parse(source);
  const overrides = {};
  for (const n of ast) {
    if (n.astNodeType !== 'override') continue;
    const lit = n.value?.value?.data;
    overrides[n.name] = lit && lit.length === 1 ? Number(lit[0]) : null;
  }
  const workgroup = [];
  for (const n of ast) {
    if (n.astNodeType !== 'var' || n.storage !== 'workgroup') continue;
    const text = source.slice(n.start, n.end).replace(/;\s*$/, '');
    const ti = r.getTypeInfo(n.type);
    const byOverride = /,\s*([A-Za-z_]\w*)\s*>\s*$/.exec(text);
    if (byOverride && byOverride[1] in overrides) {
      const inner = text.slice(0, byOverride.index);
      if (Object.keys(overrides).some((o) => new RegExp(`\\b${o}\\b`).test(inner.slice(inner.indexOf(':'))))) {
        fail(name, `workgroup variable '${n.name}': only the outermost array count may be an override`);
      }
      workgroup.push({ name: n.name, bytes: ti.stride, count: byOverride[1] });
    } else {
      workgroup.push({ name: n.name, bytes: ti.size });
    }
  }
  return { name, entryPoint: entries[0].name, bindings, params, overrides, workgroup };
}

const q = (s) => `'${s}'`;
const union = (xs) => (xs.length ? xs.map(q).join(' | ') : 'never');

function handleSource(k) {
  const bindingNames = k.bindings.filter((b) => b.kind !== 'uniform').map((b) => b.name);
  const paramType = k.params
    ? `{ ${k.params.fields.filter((f) => !f.name.startsWith('_')).map((f) => `${f.name}: ${f.count === 1 ? 'number' : `readonly [${Array(f.count).fill('number').join(', ')}]`}`).join('; ')} }`
    : 'null';
  const type = `Kernel<${union(bindingNames)}, ${paramType}, ${union(Object.keys(k.overrides))}>`;
  const params = k.params
    ? `{ binding: ${k.params.binding}, size: ${k.params.size}, fields: [${k.params.fields.map((f) => `{ name: ${q(f.name)}, offset: ${f.offset}, type: ${q(f.type)}, count: ${f.count} }`).join(', ')}] }`
    : 'null';
  return [
    `/** src/shaders/${k.name}.wgsl */`,
    `export const ${k.name}: ${type} = {`,
    `  name: ${q(k.name)}, source: S.${k.name}, entryPoint: ${q(k.entryPoint)},`,
    `  bindings: [${k.bindings.map((b) => `{ name: ${q(b.name)}, binding: ${b.binding}, kind: ${q(b.kind)} }`).join(', ')}],`,
    `  params: ${params},`,
    `  overrides: {${Object.entries(k.overrides).map(([n, v]) => ` ${n}: ${v}`).join(',')}${Object.keys(k.overrides).length ? ' ' : ''}},`,
    `  workgroup: [${k.workgroup.map((w) => `{ name: ${q(w.name)}, bytes: ${w.bytes}${w.count ? `, count: ${q(w.count)}` : ''} }`).join(', ')}],`,
    '};',
  ].join('\n');
}

function writeIfChanged(target, text) {
  if (!existsSync(target) || readFileSync(target, 'utf8') !== text) writeFileSync(target, text);
}

/** Writes src/shaders/sources.ts and kernels.ts for the kernels in `dir`; returns their names. */
export function generate(dir = shaderDir) {
  const names = readdirSync(dir).filter((f) => f.endsWith('.wgsl')).sort().map((f) => f.replace(/\.wgsl$/, ''));
  for (const n of names) if (!/^[a-z][a-z0-9_]*$/.test(n)) fail(n, 'a kernel name is lower case letters, digits and _');
  const header = '// Generated by scripts/gen-shaders.mjs from src/shaders/*.wgsl. Do not edit.\n';
  const composed = names.map((n) => [n, compose(dir, `${n}.wgsl`)]);
  let sources = header + 'export const shaderSources = {\n';
  for (const [n, src] of composed) sources += `  ${n}: ${JSON.stringify(src)},\n`;
  sources += '} as const;\nexport type ShaderName = keyof typeof shaderSources;\n';
  const handles = composed.map(([n, src]) => handleSource(reflectKernel(n, src)));
  const kernels = header + "import type { Kernel } from './kernel-types.js';\nimport { shaderSources as S } from './sources.js';\n\n" + handles.join('\n\n') + '\n';
  writeIfChanged(join(dir, 'sources.ts'), sources);
  writeIfChanged(join(dir, 'kernels.ts'), kernels);
  return names;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    generate();
  } catch (e) {
    console.error(`gen-shaders: ${e.message}`);
    process.exit(1);
  }
}
