import t from 'tap';
import { getEngine, rng, randomF32, freshSeed, POISON_F32, POISON_U32, compare, withoutSubgroups } from './helpers.js';
import { pqEncode, wordsPerVector } from '../src/kernels/pq.js';
import { residuals } from '../src/kernels/residuals.js';
import type { Engine } from '../src/pipeline/engine.js';
import { packCodesRef, pqEncodeRef, unpackCodesRef } from './reference/pq.js';
import { scoreRef } from './reference/kmeans.js';
import { residualsRef } from './reference/residuals.js';

/** The engine with a smaller maxBinding, so that row chunking is exercised on small inputs. */
function withMaxBinding(engine: Engine, bytes: number): Engine {
  return new Proxy(engine, {
    get(target, p) {
      if (p === 'maxBinding') return bytes;
      const v = Reflect.get(target, p, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

t.test('wordsPerVector pads the Faiss code size to whole u32 words', async (t) => {
  t.equal(wordsPerVector(3, 4), 1); // 2 bytes
  t.equal(wordsPerVector(8, 8), 2);
  t.equal(wordsPerVector(9, 8), 3);
  t.equal(wordsPerVector(17, 4), 3); // 9 bytes
  t.equal(wordsPerVector(16, 4), 2);
});

t.test('pqEncode with subgroups (kmeans_assign_sgh, group-major codes) gives the bytes of pqEncode without them, dsub 4..16', async (t) => {
  const engine = await getEngine();
  if (!engine.hasSubgroups) { t.skip(`no subgroups of at least 8 on ${engine.adapterName}`, () => undefined); return; }
  const plain = withoutSubgroups(engine);
  const seed = freshSeed();
  const r = rng(seed);
  for (const [n, m, bits, dsub] of [[1, 1, 8, 4], [1030, 5, 8, 4], [600, 7, 4, 4], [513, 3, 8, 8], [300, 9, 4, 12], [700, 4, 8, 16]] as const) {
    for (const chunked of [false, true]) {
      if (chunked && n < 100) continue;
      const ksub = 1 << bits, words = wordsPerVector(m, bits);
      const x = randomF32(r, n * m * dsub), cb = randomF32(r, m * ksub * dsub);
      // exact ties: codeword 3 of sub-space 0 repeats codeword 1 (the lower index wins)
      for (let e = 0; e < dsub; e++) cb[3 * dsub + e] = cb[dsub + e]!;
      const got: Uint32Array[] = [];
      for (const eng0 of [engine, plain]) {
        const eng = chunked ? withMaxBinding(eng0, 64 * m * dsub * 4 + 4) : eng0;
        const xb = eng.upload(x), cbb = eng.upload(cb);
        const out = eng.upload(new Uint32Array(n * words).fill(POISON_U32));
        pqEncode(eng, xb, cbb, out, n, m, bits, dsub);
        got.push(await eng.read(out, Uint32Array));
        xb.dispose(); cbb.dispose(); out.dispose();
      }
      t.same(Array.from(got[0]!), Array.from(got[1]!), `seed ${seed} n=${n} m=${m} bits=${bits} dsub=${dsub} chunked=${chunked}: same code bytes`);
    }
  }
});

t.test('pqEncode matches float64 reference, 8 and 4 bits, odd m, poisoned output, chunked rows', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [n, m, bits, dsub] of [[1, 1, 8, 1], [77, 3, 4, 5], [130, 3, 8, 7], [200, 5, 4, 2], [65, 9, 8, 16], [100, 17, 4, 3], [70, 2, 8, 33]] as const) {
    for (const chunked of [false, true]) {
      if (chunked && n < 100) continue;
      const ksub = 1 << bits, words = wordsPerVector(m, bits);
      const eng = chunked ? withMaxBinding(engine, 64 * m * dsub * 4 + 4) : engine;
      const x = randomF32(r, n * m * dsub), cb = randomF32(r, m * ksub * dsub);
      const xb = eng.upload(x), cbb = eng.upload(cb);
      const out = eng.upload(new Uint32Array(n * words).fill(POISON_U32));
      pqEncode(eng, xb, cbb, out, n, m, bits, dsub);
      const got = new Uint8Array((await eng.read(out, Uint32Array)).buffer, 0, n * words * 4);
      const want = pqEncodeRef(x, cb, n, m, bits, dsub);
      const wantBytes = packCodesRef(want.assign, n, m, bits, words);
      const codes = unpackCodesRef(got, n, m, bits, words);
      // bytes past the code must be zero: repacking the decoded codes must give the same bytes
      t.same([...packCodesRef(codes, n, m, bits, words)], [...got], `seed ${seed} n=${n} m=${m} bits=${bits} dsub=${dsub}: padding bits are zero`);
      let bad = '', same = 0;
      for (let q = 0; q < n * m; q++) {
        const i = Math.floor(q / m), j = q % m;
        const d = scoreRef(x, cb, i, j, codes[q]!, m, ksub, dsub, 1);
        if (Math.abs(d - want.score[q]!) > 1e-4 * dsub * (1 + want.score[q]!)) { bad = `vector ${i} sub ${j}: code ${codes[q]} (d=${d}) vs ${want.assign[q]} (d=${want.score[q]})`; break; }
      }
      for (let b = 0; b < got.length; b++) if (got[b] === wantBytes[b]) same++;
      t.equal(bad, '', `seed ${seed} n=${n} m=${m} bits=${bits} dsub=${dsub} chunked=${chunked}: nearest codewords`);
      t.ok(same >= 0.95 * got.length, `bytes identical to the reference: ${same}/${got.length}`);
      xb.dispose(); cbb.dispose(); out.dispose();
    }
  }
});

t.test('pqEncode is exact on integer data (exact ties go to the lowest codeword)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const ints = (len: number) => Float32Array.from({ length: len }, () => Math.floor(r() * 5) - 2);
  for (const [n, m, bits, dsub] of [[90, 3, 4, 2], [70, 5, 8, 3], [64, 8, 4, 1]] as const) {
    const ksub = 1 << bits, words = wordsPerVector(m, bits);
    const x = ints(n * m * dsub), cb = ints(m * ksub * dsub);
    const xb = engine.upload(x), cbb = engine.upload(cb);
    const out = engine.upload(new Uint32Array(n * words).fill(POISON_U32));
    pqEncode(engine, xb, cbb, out, n, m, bits, dsub);
    const got = new Uint8Array((await engine.read(out, Uint32Array)).buffer, 0, n * words * 4);
    const want = packCodesRef(pqEncodeRef(x, cb, n, m, bits, dsub).assign, n, m, bits, words);
    t.same([...got], [...want], `seed ${seed} n=${n} m=${m} bits=${bits} dsub=${dsub}`);
    xb.dispose(); cbb.dispose(); out.dispose();
  }
});

t.test('pqEncode rejects bad input and frees its temporaries', async (t) => {
  const engine = await getEngine();
  const b = engine.buffer(1024);
  const live = engine.liveBuffers;
  t.throws(() => pqEncode(engine, b, b, b, 4, 2, 6, 4), /bits must be 8 or 4/);
  t.throws(() => pqEncode(engine, b, b, b, 4, 2, 8, 4), /codebooks holds 1024 bytes but 8192 are needed/);
  const x = engine.upload(new Float32Array(8)), cb = engine.upload(new Float32Array(2 * 16)), o = engine.buffer(16);
  pqEncode(engine, x, cb, o, 4, 2, 4, 1);
  await engine.sync();
  t.equal(engine.liveBuffers, live + 3, 'no temporaries left');
  for (const z of [b, x, cb, o]) z.dispose();
});

t.test('residuals matches float64 reference (poisoned output, chunked rows)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  // d a multiple of 4 takes residuals_vec4 (4 vec4s per invocation: 40 -> 3 invocations a row, the last short)
  for (const [n, d, nlist] of [[1, 1, 1], [77, 13, 5], [300, 40, 17], [3, 4, 2], [131, 16, 9], [65, 52, 3], [20, 512, 7]] as const) {
    for (const chunked of [false, true]) {
      const eng = chunked ? withMaxBinding(engine, 64 * d * 4 + 4) : engine;
      const x = randomF32(r, n * d), cent = randomF32(r, nlist * d);
      const assign = Uint32Array.from({ length: n }, () => Math.floor(r() * nlist));
      const xb = eng.upload(x), cb = eng.upload(cent), ab = eng.upload(assign);
      const out = eng.upload(new Float32Array(n * d).fill(POISON_F32));
      residuals(eng, xb, cb, ab, out, n, d);
      const got = (await eng.read(out, Float32Array)).subarray(0, n * d);
      const c = compare(got, residualsRef(x, cent, assign, n, d), 1e-6, 1e-6);
      t.ok(c.ok, `seed ${seed} n=${n} d=${d} chunked=${chunked}: worst ${c.worst} at ${c.at}`);
      for (const z of [xb, cb, ab, out]) z.dispose();
    }
  }
});
