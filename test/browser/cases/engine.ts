// Engine behaviour in the browser: fill (the poison pattern itself), copies, slices, clear errors on bad
// input, and deterministic release of GPU memory by dispose().
import { POISON_U32 } from '../../helpers.js';
import { Checks, type BrowserCase } from '../harness.js';
import type { Kernel } from '../../../src/pipeline/kernel.js';

export const cases: BrowserCase[] = [{
  name: 'engine: fill, copy, slice reads, dispose releases memory, bad input names the problem',
  async run(engine, r) {
    const c = new Checks();
    const before = engine.liveBytes;
    for (const n of [1, 255, 257, 1000]) {
      const a = engine.buffer(n * 4, 'fill-test');
      engine.fill(a, POISON_U32, true);
      const got = await engine.read(a, Uint32Array, 0, n * 4);
      c.check(got.every((v) => v === POISON_U32), `fill u32 n=${n}`);
      const v = (r() - 0.5) * 100;
      engine.fill(a, v);
      const f = await engine.read(a, Float32Array, 0, n * 4);
      c.check(f.every((x) => x === Math.fround(v)), `fill f32 ${v.toFixed(3)} n=${n}`);
      a.dispose();
    }
    const src = engine.upload(Uint32Array.from({ length: 128 }, (_, i) => i * 7 + 1), 'copy-src');
    const dst = engine.buffer(512, 'copy-dst');
    engine.copy(src.slice(256, 256), dst.slice(0, 256), 256);
    const back = await engine.read(dst, Uint32Array, 0, 256);
    c.check(back.every((v, i) => v === (i + 64) * 7 + 1), 'copy between 256-aligned slices');
    // a kernel handle written out by hand (the generated ones live in src/shaders/kernels.ts, not in the bundle)
    const add: Kernel<'a' | 'out', { n: number }, never> = {
      name: 'add-one', entryPoint: 'main', overrides: {}, workgroup: [],
      source: 'struct Params { n: u32 }\n@group(0) @binding(0) var<uniform> params: Params;\n@group(0) @binding(1) var<storage, read> a: array<u32>;\n'
        + '@group(0) @binding(2) var<storage, read_write> out: array<u32>;\n@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x < params.n) { out[g.x] = a[g.x] + 1u; } }',
      bindings: [{ name: 'params', binding: 0, kind: 'uniform' }, { name: 'a', binding: 1, kind: 'read-only-storage' }, { name: 'out', binding: 2, kind: 'storage' }],
      params: { binding: 0, size: 16, fields: [{ name: 'n', offset: 0, type: 'u32', count: 1 }] },
    };
    engine.run(add, { bindings: { a: src, out: dst }, params: { n: 100 }, workgroups: 2 });
    const added = await engine.read(dst, Uint32Array, 0, 400);
    c.check(added.every((v, i) => v === i * 7 + 2), 'run: a hand-written kernel handle');
    let msg = '';
    try { engine.run(add, { bindings: { a: src, nope: dst }, params: { n: 1 }, workgroups: 1 } as never); } catch (e) { msg = (e as Error).message; }
    c.check(/binding 'out' was not given|no binding named 'nope'/.test(msg), `bad binding -> "${msg}"`);
    msg = '';
    try { engine.run(add, { bindings: { a: src, out: dst }, params: {}, workgroups: 1 } as never); } catch (e) { msg = (e as Error).message; }
    c.check(msg.includes("'add-one'") && msg.includes("'n'"), `missing params field -> "${msg}"`);
    src.dispose(); dst.dispose();
    c.check(engine.liveBytes === before, `liveBytes back to ${before} after dispose (now ${engine.liveBytes})`);
    return c.result();
  },
}];
