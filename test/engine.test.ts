// The GPU runtime: buffers and their release, kernel handles and argument errors, batching, readback, the pipeline
// cache, profiling, and a lost device reported as an error instead of a hang.
import t from 'tap';
import { createEngine } from '../src/node/create.js';
import { DeviceLostError, type Engine } from '../src/pipeline/engine.js';
import { selectionConstants } from '../src/kernels/topk.js';
import { workgroupBytes, type Kernel } from '../src/pipeline/kernel.js';
import * as K from '../src/shaders/kernels.js';

t.test('buffers: upload, read, slices, fill, copy, dispose', async (t) => {
  const e = await createEngine();
  const live0 = e.liveBuffers;
  const a = e.upload(new Float32Array([1, 2, 3, 4, 5]), 'a');
  t.equal(a.size, 32, 'sizes round up to 16 bytes');
  t.same(Array.from(await e.read(a, Float32Array, 0, 20)), [1, 2, 3, 4, 5]);
  const b = e.buffer(1024, 'b');
  e.fill(b, 2.5);
  e.fill(b.slice(256, 256), 7, true);
  const got = await e.read(b, Uint32Array);
  t.equal(new Float32Array(got.buffer)[0], 2.5, 'float fill');
  t.equal(got[64], 7, 'uint fill of a slice');
  t.equal(new Float32Array(got.buffer)[128], 2.5, 'outside the slice untouched');
  e.copy(a, b, 16);
  t.same(Array.from((await e.read(b, Float32Array)).subarray(0, 5)), [1, 2, 3, 4, 2.5], 'copy of 16 bytes');
  t.ok(e.liveBytes >= 1024 + 32);
  a.dispose(); b.dispose(); a.dispose();
  t.equal(e.liveBuffers, live0, 'dispose releases (and is idempotent)');
  t.throws(() => e.buffer(-1), /non-negative/);
  t.throws(() => e.buffer(e.limits.maxBufferSize + 16, 'huge'), /maxBufferSize/);
  t.throws(() => e.write(e.buffer(16), new Float32Array(8)), /overflows/);
  e.dispose();
  t.throws(() => e.buffer(16), /disposed/);
});

t.test('kernel handles: bindings, params and workgroup memory come from the WGSL; run still checks its arguments', async (t) => {
  const e = await createEngine();
  t.same(K.scores.bindings.map((b) => b.name), ['params', 'q', 'x', 'out']);
  t.same(K.scores.params!.fields.map((f) => f.name), ['nq', 'n', 'd', 'metric']);
  // lib/select.wgsl with K = 16, CAP = 320: keys (vec4, CAP / 4), three u32 arrays of CAP, two of K, four scalars
  // counted as 16 bytes each; adc_scan adds its probe table (three arrays of 64 words and one of 65)
  const sel = { K: 16, CAP: 320, CAP4: 80 };
  t.equal(workgroupBytes(K.topk_select, sel), 4 * 320 * 4 + 2 * 16 * 4 + 4 * 16);
  t.equal(workgroupBytes(K.adc_scan, sel), workgroupBytes(K.topk_select, sel) + 3 * 256 + 272);
  t.equal(workgroupBytes(K.residuals), 0);
  const buf = e.buffer(64);
  const args = { bindings: { q: buf, x: buf, out: buf }, params: { nq: 1, n: 1, d: 1, metric: 0 }, workgroups: 1 };
  // what the compiler refuses (test/typed-kernels.test.ts), JavaScript or a cast can still pass: run names it
  const run = (kernel: Kernel, a: object) => e.run(kernel, a as never);
  t.throws(() => run(K.scores, { ...args, bindings: { q: buf, x: buf } }), /binding 'out' was not given/);
  t.throws(() => run(K.scores, { ...args, bindings: { ...args.bindings, y: buf } }), /no binding named 'y'/);
  t.throws(() => run(K.scores, { ...args, params: { nq: 1, n: 1, d: 1 } }), /field 'metric' was not given/);
  t.throws(() => run(K.scores, { ...args, params: { ...args.params, extra: 1 } }), /no field 'extra'/);
  t.throws(() => run(K.scores, { ...args, params: { ...args.params, n: -1 } }), /does not fit u32/);
  t.throws(() => run(K.scores, { ...args, constants: { WG: 3 } }), /no override constant 'WG'/);
  t.throws(() => run(K.topk_select, { bindings: { inKeys: buf, inPos: buf, indexMap: buf, outA: buf, outB: e.buffer(64), rowLen: buf, inKeys4: buf, inPos4: buf }, params: {}, workgroups: 1, constants: { K: 1024, CAP: 1 << 20, CAP4: 1 << 18 } }),
    /'topk_select' needs \d+ bytes of workgroup memory/);
  const gone = e.buffer(64); gone.dispose();
  t.throws(() => e.run(K.scores, { ...args, bindings: { q: gone, x: buf, out: buf } }), /was disposed/);
  // a kernel whose WGSL does not compile surfaces a validation error at the next read
  const broken: Kernel<'o', null, never> = {
    name: 'broken', source: '@group(0) @binding(0) var<storage, read_write> o: array<f32>;\n@compute @workgroup_size(1) fn main() { o[0] = undefined_thing; }',
    entryPoint: 'main', bindings: [{ name: 'o', binding: 0, kind: 'storage' }], params: null, overrides: {}, workgroup: [],
  };
  e.run(broken, { bindings: { o: buf }, workgroups: 1 });
  await t.rejects(e.read(buf, Float32Array), /WebGPU validation error|error/i, 'invalid WGSL is reported');
  e.dispose();
});

t.test('the top-k buffer capacity: the largest whose reflected workgroup memory fits the device (adc_scan), the least needed (topk_select)', async (t) => {
  const at = (limit: number) => ({ limits: { maxComputeWorkgroupStorageSize: limit } }) as unknown as Engine;
  for (const kernel of [K.topk_select, K.adc_scan]) {
    for (const [k, limit] of [[10, 16384], [100, 16384], [300, 16384], [500, 32768], [1024, 32768], [1024, 65536]] as const) {
      const c = selectionConstants(at(limit), k, kernel);
      const bytes = workgroupBytes(kernel, c);
      t.ok(c.CAP % 4 === 0 && c.CAP4 * 4 === c.CAP && c.CAP >= k + 256 && c.CAP <= 2 * k + 256 + 3, `${kernel.name} k=${k}: CAP ${c.CAP} in range`);
      t.ok(bytes <= limit, `${kernel.name} k=${k}: ${bytes} bytes fit ${limit}`);
      const bigger = { ...c, CAP: c.CAP + 4, CAP4: c.CAP4 + 1 };
      if (kernel === K.topk_select) t.equal(c.CAP, Math.ceil((k + 256) / 4) * 4, `${kernel.name} k=${k}: its scans need only K4 + 256`);
      else t.ok(c.CAP >= 2 * k + 256 || workgroupBytes(kernel, bigger) > limit, `${kernel.name} k=${k}: a larger CAP would not fit or is not needed`);
    }
  }
  t.throws(() => selectionConstants(at(16384), 1024, K.adc_scan), /top-k with k = 1024 needs \d+ bytes of workgroup memory in 'adc_scan'; this device has 16384/);
});

t.test('batching: many dispatches in one submit, grid spreading, profiling', async (t) => {
  const e = await createEngine({ profile: true });
  const buf = e.buffer(4 * 1000);
  const s0 = e.submitCount;
  for (let i = 0; i < 50; i++) e.fill(buf, i);
  t.equal(e.submitCount, s0, 'nothing submitted while recording');
  t.equal((await e.read(buf, Float32Array))[999], 49, 'last fill wins (program order)');
  t.ok(e.submitCount - s0 <= 2, 'one submit for the batch (plus the readback)');
  t.same(e.grid(70000), [35000, 2, 1], 'large counts spread over x and y');
  t.same(e.grid(12), [12, 1, 1]);
  if (e.hasTimestamps) {
    const r = await e.profiler!.results();
    const fill = r.find((x) => x.name === 'fill');
    t.ok(fill && fill.count >= 49 && fill.medianNs >= 0, `per-kernel GPU timings: ${JSON.stringify(fill)}`);
  }
  e.dispose();
});

t.test('a lost device gives a clear error, not a hang', async (t) => {
  const e = await createEngine();
  const buf = e.upload(new Float32Array(4));
  e.device.destroy();
  await new Promise((r) => setTimeout(r, 50));
  const err = await e.read(buf, Float32Array).then(() => null, (x: Error) => x);
  t.ok(err, 'read fails');
  t.match(err!.message, /lost|destroyed/i, `message says the device is gone: ${err?.message}`);
  t.ok(err instanceof DeviceLostError || /lost/i.test(err!.message));
  e.dispose();
});

t.test('engine textures: a disposed texels() texture is reused by the next texels() / texelsFrom() of its height (up to twice the height needed), not while in use', async (t) => {
  const { getEngine } = await import('./helpers.js');
  const engine = await getEngine();
  const b = engine.buffer(3 * 4096 * 16);
  const a = engine.texels(b, 2 * 4096 + 5); // height 3
  const inUse = engine.texels(b, 2 * 4096 + 5);
  t.not(inUse.gpu, a.gpu, 'a texture in use is not handed out again');
  a.dispose();
  const again = engine.texelsFrom(new Float32Array(4 * (2 * 4096 + 1))); // height 3
  t.equal(again.gpu, a.gpu, 'same height: reused');
  t.notOk(again.isDisposed, 'the new wrapper is live');
  t.ok(a.isDisposed, 'the old wrapper stays disposed');
  again.dispose();
  const small = engine.texels(b, 4096); // height 1: the idle height-3 texture is over twice that
  t.not(small.gpu, a.gpu, 'a texture over twice the height needed is not reused');
  const two = engine.texels(b, 4097); // height 2: the idle height-3 one fits
  t.equal(two.gpu, a.gpu, 'up to twice the height: reused');
  t.equal(two.height, 3);
  for (const x of [inUse, small, two]) x.dispose();
  b.dispose();
});

t.test('engine textures: texels() and texelsFrom() checks, texture bindings take only textures of their format', async (t) => {
  const { getEngine } = await import('./helpers.js');
  const { scores_sg_tex, pq_texels } = await import('../src/shaders/kernels.js');
  const engine = await getEngine();
  const b = engine.buffer(4096);
  t.throws(() => engine.texels(b, 257), /do not fit/, 'more texels than the buffer holds');
  t.throws(() => engine.texels(b.slice(8, 512), 4), /multiple of 16/, 'source offset not a multiple of 16');
  t.throws(() => engine.texelsFrom(new Float32Array(6)), /whole vec4s/, 'floats not whole vec4s');
  t.ok(engine.fitsTexels(1) && !engine.fitsTexels(4096 * (engine.limits.maxTextureDimension2D + 1)), 'fitsTexels follows maxTextureDimension2D');
  const tex = engine.texels(b, 256);
  t.equal(tex.width, 4096); t.equal(tex.height, 1);
  if (engine.hasSubgroups) {
    const out = engine.buffer(64);
    const args = { params: { nq: 1, n: 1, d: 4, metric: 0 }, workgroups: [1, 1] as [number, number] };
    t.throws(() => engine.run(scores_sg_tex, { ...args, bindings: { q: b, x: tex, out } }), /texture binding/, 'a buffer for a texture binding');
    t.throws(() => engine.run(scores_sg_tex, { ...args, bindings: { q: tex, x: tex, out: tex } as never }), /buffer binding/, 'a texture for a buffer binding');
    const u = engine.uintTexels(3);
    t.equal(u.format, 'rgba32uint');
    t.throws(() => engine.run(scores_sg_tex, { ...args, bindings: { q: u, x: tex, out } }), /rgba32float texture binding/, 'an rgba32uint texture for an rgba32float binding');
    t.throws(() => engine.run(pq_texels, { params: { n: 1, words: 1, tpv: 1 }, workgroups: 1, bindings: { codes: b, out: tex } }), /rgba32uint texture binding.*uintTexels/, 'an rgba32float texture for an rgba32uint binding');
    u.dispose();
    tex.dispose();
    t.throws(() => engine.run(scores_sg_tex, { ...args, bindings: { q: tex, x: tex, out } }), /was disposed/, 'a disposed texture');
    out.dispose();
  } else tex.dispose();
  b.dispose();
});
