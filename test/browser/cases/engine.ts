// Engine behaviour in the browser: fill (the poison pattern itself), copies, slices, clear errors on bad
// input, and deterministic release of GPU memory by dispose().
import { POISON_U32 } from '../../helpers.js';
import { Checks, type BrowserCase } from '../harness.js';

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
    let msg = '';
    try { engine.dispatch('scores', { bindings: { q: src, x: src, nope: dst }, params: { nq: 1, n: 1, d: 1, metric: 0 }, workgroups: 1 }); } catch (e) { msg = (e as Error).message; }
    c.check(/binding 'out' was not given|no binding named 'nope'/.test(msg), `bad binding -> "${msg}"`);
    msg = '';
    try { engine.dispatch('no-such-kernel', { bindings: {}, workgroups: 1 }); } catch (e) { msg = (e as Error).message; }
    c.check(msg.includes('no-such-kernel'), `unknown kernel -> "${msg}"`);
    src.dispose(); dst.dispose();
    c.check(engine.liveBytes === before, `liveBytes back to ${before} after dispose (now ${engine.liveBytes})`);
    return c.result();
  },
}];
