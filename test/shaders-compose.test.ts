// Build-time composition and reflection of the WGSL kernels (scripts/gen-shaders.mjs): #include resolution
// (each module once, errors naming the file and line for a missing module and a cycle) and what reflection
// reads from a composed kernel (bindings, params layout, overrides and their defaults, workgroup variables).
import t from 'tap';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compose, reflectKernel } from '../scripts/gen-shaders.mjs';
import { shaderSources } from '../src/shaders/sources.js';
import * as K from '../src/shaders/kernels.js';
import type { Kernel } from '../src/shaders/kernel-types.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvq-wgsl-'));
  mkdirSync(join(dir, 'lib'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

t.test('#include: modules are inlined once, nested, in place', async (t) => {
  const dir = tree({
    'k.wgsl': '// kernel\n#include "lib/a.wgsl"\n#include "lib/b.wgsl"\nfn main() {}',
    'lib/a.wgsl': '#include "lib/b.wgsl"\nfn a() {}',
    'lib/b.wgsl': 'fn b() {}',
  });
  t.teardown(() => rmSync(dir, { recursive: true }));
  t.equal(compose(dir, 'k.wgsl'), '// kernel\nfn b() {}\nfn a() {}\nfn main() {}');
});

t.test('enable directives: kept on a kernel\'s first lines, refused after code or in a module', async (t) => {
  const dir = tree({
    'k.wgsl': 'enable subgroups;\nenable f16;\n// kernel\n#include "lib/a.wgsl"\nfn main() {}',
    'late.wgsl': '#include "lib/a.wgsl"\nenable subgroups;',
    'mod.wgsl': '#include "lib/e.wgsl"',
    'lib/a.wgsl': 'fn a() {}',
    'lib/e.wgsl': 'enable f16;\nfn e() {}',
  });
  t.teardown(() => rmSync(dir, { recursive: true }));
  t.equal(compose(dir, 'k.wgsl'), 'enable subgroups;\nenable f16;\n// kernel\nfn a() {}\nfn main() {}');
  t.throws(() => compose(dir, 'late.wgsl'), /late\.wgsl:2: 'enable subgroups;' must be among a kernel's first lines/);
  t.throws(() => compose(dir, 'mod.wgsl'), /lib\/e\.wgsl:1: 'enable f16;' must be among a kernel's first lines/);
});

t.test('#include: a missing module, a cycle and an unknown directive are errors naming the file and line', async (t) => {
  const dir = tree({
    'missing.wgsl': 'fn f() {}\n  #include "lib/nope.wgsl"',
    'cycle.wgsl': '#include "lib/x.wgsl"',
    'lib/x.wgsl': '\n#include "lib/y.wgsl"',
    'lib/y.wgsl': '#include "lib/x.wgsl"',
    'self.wgsl': '#include "self.wgsl"',
    'other.wgsl': '#define X 1',
  });
  t.teardown(() => rmSync(dir, { recursive: true }));
  t.throws(() => compose(dir, 'missing.wgsl'), /missing\.wgsl:2: #include "lib\/nope\.wgsl": no such module/);
  t.throws(() => compose(dir, 'cycle.wgsl'), /lib\/y\.wgsl:1: #include "lib\/x\.wgsl" makes a cycle: cycle\.wgsl -> lib\/x\.wgsl -> lib\/y\.wgsl -> lib\/x\.wgsl/);
  t.throws(() => compose(dir, 'self.wgsl'), /self\.wgsl:1: #include "self\.wgsl" makes a cycle/);
  t.throws(() => compose(dir, 'other.wgsl'), /other\.wgsl:1: unknown directive '#define X 1'/);
});

t.test('reflection of a composed kernel', async (t) => {
  const src = [
    'override N: u32 = 4u;',
    'override M: u32;',
    'struct Params { n: u32, scale: f32, v: vec2<u32>, _pad: u32 }',
    '@group(0) @binding(0) var<uniform> params: Params;',
    '@group(0) @binding(2) var<storage, read_write> out: array<f32>;',
    '@group(0) @binding(1) var<storage, read> inp: array<f32>;',
    'var<workgroup> tile: array<array<f32, 33>, 64>;',
    'var<workgroup> keys: array<vec4<u32>, N>;',
    'var<workgroup> count: atomic<u32>;',
    '@compute @workgroup_size(64) fn main(@builtin(local_invocation_index) lid: u32) { out[lid] = inp[lid] + f32(M) + tile[0][0] + f32(keys[0].x + atomicLoad(&count)); }',
  ].join('\n');
  const r = reflectKernel('probe', src);
  t.equal(r.entryPoint, 'main');
  t.same(r.bindings.map((b) => [b.name, b.binding, b.kind]), [['params', 0, 'uniform'], ['inp', 1, 'read-only-storage'], ['out', 2, 'storage']]);
  t.same(r.params, { binding: 0, size: 24, fields: [
    { name: 'n', offset: 0, type: 'u32', count: 1 }, { name: 'scale', offset: 4, type: 'f32', count: 1 },
    { name: 'v', offset: 8, type: 'u32', count: 2 }, { name: '_pad', offset: 16, type: 'u32', count: 1 }] });
  t.same(r.overrides, { N: 4, M: null });
  t.same(r.workgroup, [{ name: 'tile', bytes: 64 * 33 * 4 }, { name: 'keys', bytes: 16, count: 'N' }, { name: 'count', bytes: 4 }]);
  t.throws(() => reflectKernel('two', src.replace('var<uniform> params', 'var<uniform> p')), /kernel two: uniform 'p' must be named 'params'/);
  t.throws(() => reflectKernel('none', 'fn f() {}'), /kernel none: a kernel has exactly one @compute entry point, found 0/);
});

t.test('the generated handles are the reflection of the composed sources', async (t) => {
  const names = Object.keys(shaderSources);
  t.ok(names.length > 40 && !names.some((n) => n.includes('/')), `${names.length} kernels, no modules among them`);
  for (const name of names) {
    const k = (K as unknown as Record<string, Kernel>)[name]!;
    const r = reflectKernel(name, shaderSources[name as keyof typeof shaderSources]);
    t.same({ entryPoint: k.entryPoint, bindings: k.bindings, params: k.params, overrides: k.overrides, workgroup: k.workgroup },
      { entryPoint: r.entryPoint, bindings: r.bindings, params: r.params, overrides: r.overrides, workgroup: r.workgroup }, name);
    t.notMatch(k.source, /#include/, `${name}: no include left`);
  }
});
