// The roofline probe kernels compute what they claim: per-invocation checksums against float64 / exact u32
// references, on fresh random inputs, awkward sizes, outputs poisoned (including one word past the end).
import t from 'tap';
import { getEngine, rng, freshSeed, compare, POISON_F32, POISON_U32, randomF32, randomU32 } from './helpers.js';
import { probeStream, probeGather, probeShuffle, probeFma, probeBarrier } from '../src/kernels/probes.js';
import { probeStreamRef, probeGatherRef, probeFmaRef, probeBarrierRef } from './reference/probes.js';

t.test('probeStream vec4 and u32: grid-stride sums per invocation', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [n, threads] of [[1, 1], [5, 300], [1000, 256], [4099, 300], [20000, 1024]] as const) {
    const xf = randomF32(r, n * 4);
    const xb = engine.upload(xf);
    const out = engine.upload(new Float32Array(threads + 1).fill(POISON_F32));
    probeStream(engine, 'vec4', xb, out, n, threads);
    const got = await engine.read(out, Float32Array);
    const c = compare(got.subarray(0, threads), probeStreamRef(xf, 4, n, threads), 1e-3, 1e-4);
    t.ok(c.ok, `seed ${seed} vec4 n=${n} threads=${threads}: worst ${c.worst} at ${c.at} (${c.got} vs ${c.want})`);
    t.ok(Number.isNaN(got[threads]!), 'vec4: nothing written past threads');
    const xu = randomU32(r, n);
    const ub = engine.upload(xu);
    const outU = engine.upload(new Uint32Array(threads + 1).fill(POISON_U32));
    probeStream(engine, 'u32', ub, outU, n, threads);
    const gotU = await engine.read(outU, Uint32Array);
    t.same(Array.from(gotU.subarray(0, threads)), Array.from(probeStreamRef(xu, 1, n, threads)), `seed ${seed} u32 n=${n} threads=${threads}`);
    t.equal(gotU[threads], POISON_U32, 'u32: nothing written past threads');
    for (const z of [xb, out, ub, outU]) z.dispose();
  }
});

t.test('probeGather: LCG-indexed table sums per invocation (32 KiB and 1 MiB tables, tiny ones)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [log2Words, threads, lookups] of [[1, 1, 1], [5, 300, 37], [13, 513, 64], [18, 256, 100]] as const) {
    const table = randomU32(r, 2 ** log2Words);
    const tb = engine.upload(table);
    const out = engine.upload(new Uint32Array(threads + 1).fill(POISON_U32));
    probeGather(engine, tb, out, log2Words, threads, lookups);
    const got = await engine.read(out, Uint32Array);
    t.same(Array.from(got.subarray(0, threads)), Array.from(probeGatherRef(table, log2Words, threads, lookups)),
      `seed ${seed} 2^${log2Words} words, ${threads} threads, ${lookups} lookups`);
    t.equal(got[threads], POISON_U32, 'nothing written past threads');
    tb.dispose(); out.dispose();
  }
});

t.test('probeShuffle: lookups by subgroup shuffles sum what the gather probe sums from a 16-word table', async (t) => {
  const engine = await getEngine();
  if (!engine.hasSubgroups) {
    const b = engine.buffer(64);
    t.throws(() => probeShuffle(engine, b, b, 1, 1), /no subgroups/);
    b.dispose();
    return;
  }
  const seed = freshSeed();
  const r = rng(seed);
  for (const [threads, lookups] of [[1, 1], [7, 5], [300, 37], [513, 64], [2048, 100]] as const) {
    const table = randomU32(r, 16);
    const tb = engine.upload(table);
    const out = engine.upload(new Uint32Array(threads + 1).fill(POISON_U32));
    probeShuffle(engine, tb, out, threads, lookups);
    const got = await engine.read(out, Uint32Array);
    t.same(Array.from(got.subarray(0, threads)), Array.from(probeGatherRef(table, 4, threads, lookups)), `seed ${seed} ${threads} threads, ${lookups} lookups`);
    t.equal(got[threads], POISON_U32, 'nothing written past threads');
    tb.dispose(); out.dispose();
  }
});

t.test('probeFma: 16 converging FMA chains per invocation', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [threads, iters] of [[1, 0], [1, 1], [257, 100], [600, 1000]] as const) {
    const b = (2 * r() - 1) * 0.9, c = 2 * r() - 1;
    const out = engine.upload(new Float32Array(threads + 1).fill(POISON_F32));
    probeFma(engine, out, threads, iters, b, c);
    const got = await engine.read(out, Float32Array);
    const cmp = compare(got.subarray(0, threads), probeFmaRef(threads, iters, b, c), 1e-3, 1e-4);
    t.ok(cmp.ok, `seed ${seed} threads=${threads} iters=${iters} b=${b} c=${c}: worst ${cmp.worst} at ${cmp.at} (${cmp.got} vs ${cmp.want})`);
    t.ok(Number.isNaN(got[threads]!), 'nothing written past threads');
    out.dispose();
  }
});

t.test('probeBarrier: exchange rounds through workgroup memory', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  const r = rng(seed);
  for (const [groups, iters] of [[1, 0], [1, 1], [3, 17], [2, 256]] as const) {
    const s = randomU32(r, groups * 256);
    const sb = engine.upload(s);
    const out = engine.upload(new Uint32Array(groups * 256 + 1).fill(POISON_U32));
    probeBarrier(engine, sb, out, groups, iters);
    const got = await engine.read(out, Uint32Array);
    t.same(Array.from(got.subarray(0, groups * 256)), Array.from(probeBarrierRef(s, groups, iters)), `seed ${seed} groups=${groups} iters=${iters}`);
    t.equal(got[groups * 256], POISON_U32, 'nothing written past the groups');
    sb.dispose(); out.dispose();
  }
});

t.test('probe wrappers refuse bad sizes with a message naming the problem', async (t) => {
  const engine = await getEngine();
  const live = engine.liveBuffers;
  const b = engine.buffer(1024);
  t.throws(() => probeStream(engine, 'vec4', b, b, 65, 1), /probeStream\(vec4\): x holds 1024 bytes but 1040 are needed/);
  t.throws(() => probeStream(engine, 'u32', b, b, 0, 1), /probeStream\(u32\): n must be an integer/);
  t.throws(() => probeGather(engine, b, b, 0, 1, 1), /probeGather: log2Words must be an integer in \[1, 31\]/);
  t.throws(() => probeGather(engine, b, b, 9, 1, 1), /probeGather: table holds 1024 bytes but 2048 are needed/);
  t.throws(() => probeFma(engine, b, 1, 1, 1, 0), /probeFma: need \|b\| < 1/);
  t.throws(() => probeBarrier(engine, b, b, 2, 1), /probeBarrier: seed holds 1024 bytes but 2048 are needed/);
  b.dispose();
  t.equal(engine.liveBuffers, live, 'no buffers left behind');
});
