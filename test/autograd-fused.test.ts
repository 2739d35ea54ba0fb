// softAssignReconstruct (fused sub-space distances + straight-through assignment + reconstruction): forward
// vs float64, backward vs central differences of the straight-through surrogate (and the float64 vjp), at
// awkward sizes (documents not a multiple of 64, K not a multiple of 4, several backward chunks), on poisoned
// tensors; equality with the composed ops on the GPU; flat memory over many steps; clear errors.
import t from 'tap';
import { getEngine, rng, randomF32, freshSeed, compare, randn } from './helpers.js';
import * as ag from '../src/autograd/index.js';
import { checkOp, type OpCase } from './reference/autograd-check.js';
import * as R from './reference/autograd.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed} (replay with SEED=${seed})`);

type Size = readonly [nb: number, m: number, k: number, ds: number, tau: number, chunkDocs?: number, docsPerInvocation?: number];

function fdCase([nb, m, k, ds, tau, chunkDocs, tb]: Size, grads: [boolean, boolean] = [true, true]): OpCase {
  const u = randomF32(r, nb * m * ds, 0.5), cb = randomF32(r, m * k * ds, 0.5);
  const u64 = Float64Array.from(u), cb64 = Float64Array.from(cb);
  const vjp = (xs: Float64Array[], g: Float64Array): Array<Float64Array | null> => {
    const [du, dc] = R.softAssignReconstructVjp(xs[0]!, xs[1]!, nb, m, k, ds, tau, g);
    return [grads[0] ? du : null, grads[1] ? dc : null];
  };
  return {
    name: `softAssignReconstruct u [${nb},${m * ds}] cb [${m},${k},${ds}] tau ${tau}${chunkDocs ? ` chunks of ${chunkDocs}` : ''}${tb ? ` ${tb} docs per invocation` : ''}${grads[1] ? '' : ' (codebook fixed)'}${grads[0] ? '' : ' (u fixed)'}`,
    inputs: [{ data: u, shape: [nb, m * ds], grad: grads[0] }, { data: cb, shape: [m, k, ds], grad: grads[1] }],
    gpu: ([x, c]) => ag.softAssignReconstruct(x!, c!, tau, { ...(chunkDocs ? { chunkDocs } : {}), ...(tb ? { docsPerInvocation: tb } : {}) }),
    ref: ([x, c]) => R.softAssignReconstructRef(x!, c!, nb, m, k, ds),
    fdRef: R.softAssignSurrogate(u64, cb64, nb, m, k, ds, tau),
    vjp,
    maxFd: 120,
  };
}

/** fdCase with the `add` option: out = a + r, a [nb, m ds] with or without a gradient (then exactly g). */
function fdAddCase(size: Size, aGrad: boolean, grads: [boolean, boolean] = [true, true]): OpCase {
  const c = fdCase(size, grads);
  const [nb, m, , ds, tau, chunkDocs, tb] = size;
  const a = randomF32(r, nb * m * ds, 0.5);
  const plus = (f: (xs: Float64Array[]) => ArrayLike<number>) => (xs: Float64Array[]) => { const y = Float64Array.from(f(xs)); for (let i = 0; i < y.length; i++) y[i] += xs[2]![i]!; return y; };
  return {
    ...c,
    name: `${c.name} + add${aGrad ? '' : ' (fixed)'}`,
    inputs: [...c.inputs, { data: a, shape: [nb, m * ds], grad: aGrad }],
    gpu: ([x, cb, ad]) => ag.softAssignReconstruct(x!, cb!, tau, { ...(chunkDocs ? { chunkDocs } : {}), ...(tb ? { docsPerInvocation: tb } : {}), add: ad! }),
    ref: plus(c.ref),
    fdRef: plus(c.fdRef!),
    vjp: (xs, g) => [...c.vjp!(xs, g), aGrad ? g : null],
  };
}

t.test('softAssignReconstruct: forward vs float64, backward vs finite differences', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine, { poison: true });
  const sizes: Size[] = [
    [1, 1, 1, 4, 1],
    [5, 3, 7, 4, 0.5],          // K not a multiple of 4 (padded codeword quads)
    [70, 3, 16, 16, 2],         // one partial workgroup of documents
    [70, 3, 16, 16, 2, 29],     // three backward chunks (29 + 29 + 12)
    [67, 3, 256, 16, 4, 40],
    [9, 2, 256, 24, 1],
    [13, 3, 18, 24, 0.7, 5],
    [6, 2, 9, 6, 1],            // dsub not a multiple of 4: the composed ops
    [577, 2, 9, 8, 1.5, 300],   // several forward (512 documents) and backward (256 per chunk) workgroups, partial
    [131, 3, 37, 16, 1.2, 70, 1], // one document per invocation (a hardware GPU's path), partial workgroups
    [70, 2, 9, 8, 0.9, 0, 3],   // three documents per invocation: the last workgroup's tail
  ];
  for (const s of sizes) await checkOp(t, tape, fdCase(s), r, `seed ${seed}`);
  await checkOp(t, tape, fdCase([70, 3, 16, 16, 2, 29], [true, false]), r, `seed ${seed}`);
  await checkOp(t, tape, fdCase([70, 3, 21, 8, 2, 29], [false, true]), r, `seed ${seed}`);
  await checkOp(t, tape, fdCase([70, 3, 21, 8, 2, 29, 1], [false, true]), r, `seed ${seed}`);
  // the add option: the addend with a gradient, without one (the distillation case: u and a fixed), and dsub not
  // a multiple of 4 (the composed ops plus add)
  await checkOp(t, tape, fdAddCase([70, 3, 16, 16, 2, 29], true), r, `seed ${seed}`);
  await checkOp(t, tape, fdAddCase([131, 3, 37, 8, 1.2, 70], false, [false, true]), r, `seed ${seed}`);
  await checkOp(t, tape, fdAddCase([9, 2, 9, 6, 1], true, [false, true]), r, `seed ${seed}`);
  t.equal(tape.liveTensors, 0, 'every tensor made in the checks was released');
  tape.dispose();
});

t.test('softAssignReconstruct equals the composed ops on the GPU (forward and both gradients)', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine, { poison: true });
  for (const [nb, m, k, ds, tau] of [[131, 5, 64, 8, 1.5], [200, 4, 256, 16, 3], [65, 2, 13, 32, 0.8]] as const) {
    const u = randomF32(r, nb * m * ds, 0.5), cb = randomF32(r, m * k * ds, 0.5);
    const g = Float32Array.from({ length: nb * m * ds }, () => randn(r));
    const run = (fused: boolean) => tape.scope(async () => {
      const ut = tape.tensor(u, [nb, m * ds], { requiresGrad: true });
      const ct = tape.tensor(cb, [m, k, ds], { requiresGrad: true });
      const out = fused ? ag.softAssignReconstruct(ut, ct, tau) : ag.assignTimesCodebook(ag.assignFromDistances(ag.subspaceSqDist(ut, ct), tau), ct);
      tape.backward(out, tape.tensor(g, out.shape));
      return { r: await out.read(), du: await ut.grad!.read(), dc: await ct.grad!.read() };
    });
    const a = await run(true), b = await run(false);
    const tag = `seed ${seed} [${nb},${m},${k},${ds}] tau ${tau}`;
    const scale = (x: ArrayLike<number>) => { let s = 0; for (let i = 0; i < x.length; i++) s = Math.max(s, Math.abs(x[i]!)); return Math.max(s, 1e-6); };
    for (const key of ['r', 'du', 'dc'] as const) {
      const c = compare(a[key], b[key], 1e-4 * scale(b[key]), 1e-3);
      t.ok(c.ok, `${tag} ${key}: fused vs composed worst ${c.worst.toFixed(3)} at ${c.at} got ${c.got} want ${c.want}`);
    }
  }
  t.equal(tape.liveTensors, 0, 'released');
  tape.dispose();
});

t.test('softAssignReconstruct: the subgroup kernels (*_sg) give the plain kernels\' bits', async (t) => {
  const engine = await getEngine();
  if (!engine.hasSubgroups) { t.skip(`no subgroups of at least 8 on ${engine.adapterName}`, () => undefined); return; }
  const tape = new ag.Tape(engine, { poison: true });
  // K not a multiple of 8 (a partial block of codewords, an odd quad), documents not a multiple of 8 (a partial
  // block in the codebook gradient) over several chunks, 1 to 8 vec4s per sub-vector, 1 to 8 documents per invocation
  const sizes: Array<[nb: number, m: number, k: number, ds: number, tau: number, chunkDocs: number, tb: number, wantDu: boolean]> = [
    [1, 1, 1, 4, 1, 0, 0, true],
    [70, 3, 13, 16, 2, 29, 0, true],
    [131, 2, 37, 8, 0.7, 0, 3, false],
    [67, 3, 256, 16, 0.05, 40, 0, false],
    [300, 2, 9, 32, 1.5, 0, 8, true],
    [45, 2, 64, 12, 0.3, 7, 1, true],
  ];
  for (const [nb, m, k, ds, tau, chunkDocs, tb, wantDu] of sizes) {
    const u = randomF32(r, nb * m * ds, 0.5), cb = randomF32(r, m * k * ds, 0.5), a = randomF32(r, nb * m * ds, 0.5);
    const g = Float32Array.from({ length: nb * m * ds }, () => randn(r));
    const run = (subgroups: boolean) => tape.scope(async () => {
      const ut = tape.tensor(u, [nb, m * ds], { requiresGrad: wantDu });
      const ct = tape.tensor(cb, [m, k, ds], { requiresGrad: true });
      const at = tape.tensor(a, [nb, m * ds]);
      const out = ag.softAssignReconstruct(ut, ct, tau, { subgroups, add: at, ...(chunkDocs ? { chunkDocs } : {}), ...(tb ? { docsPerInvocation: tb } : {}) });
      tape.backward(out, tape.tensor(g, out.shape));
      return { r: await out.read(), du: wantDu ? await ut.grad!.read() : new Float32Array(0), dc: await ct.grad!.read() };
    });
    const x = await run(true), y = await run(false);
    for (const key of ['r', 'du', 'dc'] as const) {
      // outputs start poisoned (NaN): an element either kernel leaves unwritten is not finite
      t.ok(y[key].every(Number.isFinite), `seed ${seed} [${nb},${m},${k},${ds}] ${key}: every element written`);
      let bad = -1;
      for (let i = 0; i < y[key].length && bad < 0; i++) if (!Object.is(x[key][i], y[key][i])) bad = i;
      t.ok(bad < 0 && x[key].length === y[key].length, `seed ${seed} [${nb},${m},${k},${ds}] tau ${tau} chunk ${chunkDocs} tb ${tb} ${key}: same bits${bad < 0 ? '' : ` (first difference at ${bad}: ${x[key][bad]} vs ${y[key][bad]})`}`);
    }
  }
  t.equal(tape.liveTensors, 0, 'released');
  tape.dispose();
});

t.test('softAssignReconstruct without gradients records nothing and keeps nothing', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine);
  const [nb, m, k, ds] = [10, 2, 8, 4];
  const u = tape.tensor(randomF32(r, nb * m * ds), [nb, m * ds]);
  const cb = tape.tensor(randomF32(r, m * k * ds), [m, k, ds], { requiresGrad: true });
  const before = tape.liveTensors;
  const out = tape.noGrad(() => ag.softAssignReconstruct(u, cb));
  t.equal(tape.recordCount, 0, 'no record under noGrad');
  t.equal(tape.liveTensors, before + 1, 'only the output is kept');
  const want = R.softAssignReconstructRef(await u.read(), await cb.read(), nb, m, k, ds);
  t.ok(compare(await out.read(), want, 1e-6, 1e-5).ok, 'forward under noGrad');
  tape.dispose();
});

t.test('200 fused training steps leave GPU memory flat', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine);
  const [nb, m, k, ds] = [50, 3, 16, 8];
  const cb = tape.tensor(randomF32(r, m * k * ds, 0.5), [m, k, ds], { requiresGrad: true });
  const w = tape.tensor(randomF32(r, nb * m * ds), [nb, m * ds], { requiresGrad: true });
  const x = tape.tensor(randomF32(r, nb * m * ds), [nb, m * ds]);
  const opt = new ag.SGD([{ params: [cb, w], lr: 0.01 }]);
  const step = (): ag.Tensor => tape.scope(() => {
    const u = ag.add(x, ag.scale(w, 0.1));
    const rec = ag.softAssignReconstruct(u, cb, 1, { chunkDocs: 17 });
    const loss = ag.mean(ag.sub(rec, x));
    tape.backward(loss);
    opt.step();
    return loss;
  });
  step().dispose();
  await engine.sync();
  const bytes0 = engine.liveBytes, buffers0 = engine.liveBuffers, tensors0 = tape.liveTensors;
  for (let i = 1; i < 200; i++) {
    const loss = step();
    if (i % 50 === 0) t.ok(Number.isFinite(await loss.item()), `step ${i}: finite loss`);
    loss.dispose();
  }
  await engine.sync();
  t.equal(engine.liveBytes, bytes0, `liveBytes flat (${bytes0})`);
  t.equal(engine.liveBuffers, buffers0, `liveBuffers flat (${buffers0})`);
  t.equal(tape.liveTensors, tensors0, 'no tensors left behind');
  t.equal(tape.recordCount, 0, 'no records left behind');
  opt.dispose();
  tape.dispose();
});

t.test('softAssignReconstruct rejects bad input with clear errors', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine);
  tape.scope(() => {
    const u = tape.zeros([3, 8]), cb = tape.zeros([2, 5, 4]);
    t.throws(() => ag.softAssignReconstruct(u, tape.zeros([3, 5, 4])), /softAssignReconstruct: u \[3, 8\] must have D = M \* D\/M = 12/);
    t.throws(() => ag.softAssignReconstruct(u, tape.zeros([2, 4])), /softAssignReconstruct: 'codebook' must have rank 3/);
    t.throws(() => ag.softAssignReconstruct(u, tape.zeros([2, 0, 4])), /at least one sub-space, codeword and dimension/);
    t.throws(() => ag.softAssignReconstruct(u, cb, 0), /temperature must be a positive number, got 0/);
    t.throws(() => ag.softAssignReconstruct(u, cb, 1, { chunkDocs: 0 }), /chunkDocs must be a positive integer/);
    t.throws(() => ag.softAssignReconstruct(u, cb, 1, { docsPerInvocation: 9 }), /docsPerInvocation must be an integer in \[1, 8\]/);
    t.throws(() => ag.softAssignReconstruct(tape.tensor(new Int32Array(24), [3, 8]), cb), /'u' must be an f32 tensor/);
    t.throws(() => ag.softAssignReconstruct(u, cb, 1, { add: tape.zeros([3, 4]) }), /add \[3, 4\] must have u's shape \[3, 8\]/);
  });
  tape.dispose();
});
