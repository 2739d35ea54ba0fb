import t, { type Test } from 'tap';
import { getEngine, rng, randomF32, freshSeed, POISON_F32, compare, withoutSubgroups } from './helpers.js';
import { scores } from '../src/kernels/scores.js';
import { scoresRef } from './reference/scores.js';
import type { Engine } from '../src/pipeline/engine.js';
import type { Buf } from '../src/pipeline/buffer.js';

type Sizes = readonly (readonly [number, number, number])[];
type Run = (qb: Buf, xb: Buf, out: Buf, nq: number, n: number, d: number, metric: 0 | 1) => void;

/** For each size and metric: both runs write into poisoned outputs; the first must match the float64 scores and
 *  both must give the same bits. */
async function sameBitsAsReference(t: Test, engine: Engine, seed: number, r: () => number, sizes: Sizes, runs: readonly [Run, Run]): Promise<void> {
  for (const [nq, n, d] of sizes) {
    for (const metric of [0, 1] as const) {
      const q = randomF32(r, nq * d), x = randomF32(r, n * d);
      const qb = engine.upload(q), xb = engine.upload(x);
      const bits: Uint32Array[] = [];
      for (const run of runs) {
        const out = engine.upload(new Float32Array(nq * n).fill(POISON_F32));
        run(qb, xb, out, nq, n, d, metric);
        bits.push((await engine.read(out, Uint32Array)).subarray(0, nq * n));
        out.dispose();
      }
      const want = scoresRef(q, x, nq, n, d, metric);
      const c = compare(new Float32Array(bits[0]!.buffer, bits[0]!.byteOffset, nq * n), want, 1e-4 * d, 1e-4);
      t.ok(c.ok, `seed ${seed} nq=${nq} n=${n} d=${d} metric=${metric}: worst ${c.worst.toFixed(3)} at ${c.at}`);
      t.same(Array.from(bits[0]!), Array.from(bits[1]!), `seed ${seed} nq=${nq} n=${n} d=${d} metric=${metric}: same bits`);
      qb.dispose(); xb.dispose();
    }
  }
}

t.test('scores kernel matches float64 reference (ip and l2, awkward sizes, poisoned output)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  // d % 4 == 0 runs scores_vec4 (4 x 4 register tiles), other d the tiled kernel or scores_rows
  for (const [nq, n, d] of [[1, 1, 1], [3, 70, 17], [65, 129, 33], [64, 64, 16], [100, 257, 384], [1, 1, 4], [1, 131, 8], [5, 3, 12], [7, 257, 36], [67, 61, 128]] as const) {
    for (const metric of [0, 1] as const) {
      const q = randomF32(r, nq * d), x = randomF32(r, n * d);
      const qb = engine.upload(q), xb = engine.upload(x);
      const out = engine.upload(new Float32Array(nq * n).fill(POISON_F32));
      scores(engine, qb, xb, out, nq, n, d, metric);
      const got = await engine.read(out, Float32Array);
      const want = scoresRef(q, x, nq, n, d, metric);
      const c = compare(got.subarray(0, nq * n), want, 1e-4 * d, 1e-4);
      t.ok(c.ok, `seed ${seed} nq=${nq} n=${n} d=${d} metric=${metric}: worst ${c.worst.toFixed(3)} at ${c.at} got ${c.got} want ${c.want}`);
      qb.dispose(); xb.dispose(); out.dispose();
    }
  }
});

t.test('scores gives the same bits for a few query rows (scores_rows) as for many (tiled)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [n, d] of [[64, 512], [70, 17], [131, 20]] as const) for (const metric of [0, 1] as const) {
    const nq = 24, q = randomF32(r, nq * d), x = randomF32(r, n * d);
    const qb = engine.upload(q), xb = engine.upload(x);
    const many = engine.upload(new Float32Array(nq * n).fill(POISON_F32));
    scores(engine, qb, xb, many, nq, n, d, metric);
    const a = Array.from((await engine.read(many, Uint32Array)).subarray(0, nq * n)), b: number[] = [];
    for (let q0 = 0; q0 < nq; q0 += 3) { // 3 rows at a time
      const qs = engine.upload(q.subarray(q0 * d, (q0 + 3) * d)), few = engine.upload(new Float32Array(3 * n).fill(POISON_F32));
      scores(engine, qs, xb, few, 3, n, d, metric);
      b.push(...(await engine.read(few, Uint32Array)).subarray(0, 3 * n));
      qs.dispose(); few.dispose();
    }
    t.same(b, a, `seed ${seed} n=${n} d=${d} metric=${metric}`);
    for (const buf of [qb, xb, many]) buf.dispose();
  }
});

t.test('scores splits more query rows than one dispatch takes (scores_vec4 row chunks)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  const nq = 4 * 65535 + 77, n = 3, d = 4; // over VEC4_ROWS query rows: two dispatches
  const q = randomF32(r, nq * d), x = randomF32(r, n * d);
  const qb = engine.upload(q), xb = engine.upload(x);
  for (const metric of [0, 1] as const) {
    const out = engine.upload(new Float32Array(nq * n).fill(POISON_F32));
    scores(engine, qb, xb, out, nq, n, d, metric);
    const got = await engine.read(out, Float32Array);
    const c = compare(got.subarray(0, nq * n), scoresRef(q, x, nq, n, d, metric), 1e-4 * d, 1e-4);
    t.ok(c.ok, `seed ${seed} nq=${nq} metric=${metric}: worst ${c.worst.toFixed(3)} at ${c.at} got ${c.got} want ${c.want}`);
    out.dispose();
  }
  qb.dispose(); xb.dispose();
});

t.test('scores with subgroups (scores_sg) gives the bits of scores without them (scores_vec4): awkward sizes, poisoned output', async (t) => {
  const engine = await getEngine();
  if (!engine.hasSubgroups) { t.skip(`no subgroups of at least 8 on ${engine.adapterName}`, () => undefined); return; }
  const plain = withoutSubgroups(engine);
  t.notOk(plain.hasSubgroups, 'the proxy hides the subgroups');
  const seed = freshSeed();
  const r = rng(seed);
  const sizes = [[1, 1, 4], [7, 131, 4], [9, 257, 36], [67, 61, 128], [16, 300, 8], [3, 1, 12], [33, 513, 20], [97, 1031, 8], [32, 512, 4], [40, 100, 16]] as const;
  await sameBitsAsReference(t, engine, seed, r, sizes, [
    (qb, xb, out, nq, n, d, metric) => scores(engine, qb, xb, out, nq, n, d, metric),
    (qb, xb, out, nq, n, d, metric) => scores(plain, qb, xb, out, nq, n, d, metric),
  ]);
});

t.test('scores_sg through textures (scores_sg_tex) gives the bits of scores_sg and the float64 scores: awkward sizes, texel rows filled in part, row chunks, poisoned output', async (t) => {
  const engine = await getEngine();
  if (!engine.hasSubgroups) { t.skip(`no subgroups of at least 8 on ${engine.adapterName}`, () => undefined); return; }
  const seed = freshSeed();
  const r = rng(seed);
  // n d / 4 texels: 1, under one texel row, exactly one (4096), over one with the last row filled in part
  const sizes = [[9, 1, 4], [33, 513, 20], [40, 1024, 16], [97, 1031, 20], [65, 2049, 12], [12, 300, 128]] as const;
  await sameBitsAsReference(t, engine, seed, r, sizes, [
    (qb, xb, out, nq, n, d, metric) => scores(engine, qb, xb, out, nq, n, d, metric, { textures: true }),
    (qb, xb, out, nq, n, d, metric) => scores(engine, qb, xb, out, nq, n, d, metric, { textures: false }),
  ]);
  // X bound as a slice at a byte offset
  const nq = 70, n = 600, d = 8, off = 256;
  const q = randomF32(r, nq * d), x = randomF32(r, n * d);
  const qb = engine.upload(q), big = engine.buffer(off + n * d * 4);
  engine.write(big, x, off);
  const out = engine.upload(new Float32Array(nq * n).fill(POISON_F32));
  scores(engine, qb, big.slice(off, n * d * 4), out, nq, n, d, 0, { textures: true });
  const got = await engine.read(out, Float32Array);
  const c = compare(got.subarray(0, nq * n), scoresRef(q, x, nq, n, d, 0), 1e-4 * d, 1e-4);
  t.ok(c.ok, `seed ${seed} X at byte offset ${off}: worst ${c.worst.toFixed(3)} at ${c.at}`);
  qb.dispose(); big.dispose(); out.dispose();
});

t.test('scores_sg through textures with Q in chunks of 64 rows: new data in reused (pooled) textures, the bits of scores_sg and the float64 scores, poisoned output', async (t) => {
  const engine = await getEngine();
  if (!engine.hasSubgroups) { t.skip(`no subgroups of at least 8 on ${engine.adapterName}`, () => undefined); return; }
  const seed = freshSeed();
  const r = rng(seed);
  // nq over one chunk with the last chunk in part, exactly two chunks, under one chunk; each size runs twice (the
  // two metrics) with fresh inputs, so the second run copies new data into the textures the first one released
  const sizes = [[150, 300, 16], [128, 33, 8], [41, 257, 20], [193, 64, 132]] as const;
  await sameBitsAsReference(t, engine, seed, r, sizes, [
    (qb, xb, out, nq, n, d, metric) => scores(engine, qb, xb, out, nq, n, d, metric, { textures: true, textureRows: 64 }),
    (qb, xb, out, nq, n, d, metric) => scores(engine, qb, xb, out, nq, n, d, metric, { textures: false }),
  ]);
  t.throws(() => scores(engine, engine.buffer(16), engine.buffer(16), engine.buffer(16), 9, 1, 4, 0, { textures: true, textureRows: 100 }), /textureRows 100/);
});
