import t from 'tap';
import { getEngine, rng, randomF32, freshSeed, POISON_F32, POISON_U32, compare } from './helpers.js';
import { adcLut, adcL2Term } from '../src/kernels/adc.js';
import { adcLutRef } from './reference/adc.js';

t.test('adcLut and adcL2Term match the float64 reference (awkward sizes, poisoned output)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [nrows, m, ksub, dsub] of [[1, 1, 1, 1], [3, 5, 16, 3], [17, 7, 256, 2], [33, 4, 100, 9], [5, 32, 256, 16]] as const) {
    for (const l2 of [false, true]) {
      const x = randomF32(r, nrows * m * dsub), cb = randomF32(r, m * ksub * dsub);
      const xb = engine.upload(x), cbb = engine.upload(cb);
      const out = engine.upload(new Float32Array(nrows * m * ksub).fill(POISON_F32));
      (l2 ? adcL2Term : adcLut)(engine, xb, cbb, out, nrows, m, ksub, dsub);
      const got = await engine.read(out, Float32Array);
      const want = adcLutRef(x, cb, nrows, m, ksub, dsub, l2);
      const c = compare(got.subarray(0, want.length), want, 1e-5 * dsub, 1e-5);
      t.ok(c.ok, `seed ${seed} rows=${nrows} m=${m} ksub=${ksub} dsub=${dsub} l2=${l2}: worst ${c.worst.toFixed(3)} at ${c.at} got ${c.got} want ${c.want}`);
      xb.dispose(); cbb.dispose(); out.dispose();
    }
  }
  void POISON_U32;
});

t.test('adcLut rejects bad arguments', async (t) => {
  const engine = await getEngine();
  const b = engine.buffer(64);
  t.throws(() => adcLut(engine, b, b, b, 1, 0, 16, 2), /m, ksub and dsub must be at least 1/);
  t.throws(() => adcLut(engine, b, b, b, 4, 2, 16, 2), /codebooks holds 64 bytes, needs at least 256/);
  t.throws(() => adcL2Term(engine, b, b, b, 1.5, 2, 16, 2), /rows must be a non-negative integer/);
  b.dispose();
});
