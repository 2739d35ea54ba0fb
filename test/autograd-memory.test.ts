// Scopes keep GPU memory flat: 1,000 small Distill-VQ-shaped training steps (gather centroids, residuals,
// sub-space distances, straight-through assignment, reconstruction, scores, ListNet, backward, AdamW/SGD)
// leave engine.liveBytes and liveBuffers where they were after the first step. Also scope semantics.
import t from 'tap';
import { getEngine, rng, randomF32, freshSeed } from './helpers.js';
import * as ag from '../src/autograd/index.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed} (replay with SEED=${seed})`);

t.test('1,000 training steps leave GPU memory flat', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine);
  const [L, D, M, K, nDocs, B, C] = [5, 12, 3, 6, 40, 3, 7];
  const ds = D / M;
  const centroids = tape.tensor(randomF32(r, L * D), [L, D], { requiresGrad: true });
  const codebooks = tape.tensor(randomF32(r, M * K * ds, 0.5), [M, K, ds], { requiresGrad: true });
  const docs = tape.tensor(randomF32(r, nDocs * D), [nDocs, D]);
  const docList = Int32Array.from({ length: nDocs }, () => Math.floor(r() * L));
  const queries = tape.tensor(randomF32(r, B * D), [B, D]);
  const cand = Int32Array.from({ length: B * C }, () => Math.floor(r() * nDocs));
  const candIdx = tape.tensor(cand, [B * C]);
  const candList = tape.tensor(Int32Array.from(cand, (d) => docList[d]!), [B * C]);
  const steps = 1000;
  const opts: Array<ag.AdamW | ag.SGD> = [
    new ag.AdamW([{ params: [codebooks], lr: 0.01 }], { schedule: ag.linearWarmupDecay(100, steps) }),
    new ag.SGD([{ params: [centroids], lr: 0.01 }], { momentum: 0.5 }),
  ];
  const step = (): ag.Tensor => tape.scope(() => {
    const x = ag.gatherRows(docs, candIdx);                // [B*C, D] fixed embeddings
    const o = ag.gatherRows(centroids, candList);          // [B*C, D] their (fixed) lists' centroids
    const u = ag.sub(x, o);                                // residuals
    const a = ag.assignFromDistances(ag.subspaceSqDist(u, codebooks));
    const rec = ag.add(o, ag.assignTimesCodebook(a, codebooks));
    const sPq = ag.scoresBatched(queries, ag.reshape(rec, [B, C, D]));
    const sIvf = ag.scoresBatched(queries, ag.reshape(o, [B, C, D]));
    const teacher = ag.scoresBatched(queries, ag.reshape(x, [B, C, D]));
    const loss = ag.add(ag.listNetLoss(teacher, sPq), ag.listNetLoss(teacher, sIvf));
    tape.backward(loss);
    for (const opt of opts) opt.step();
    return loss; // survives this scope; the caller disposes it
  });
  const first = step();
  const firstLoss = await first.item();
  first.dispose();
  await engine.sync();
  const bytes0 = engine.liveBytes, buffers0 = engine.liveBuffers, tensors0 = tape.liveTensors;
  let lastLoss = NaN;
  for (let i = 1; i < steps; i++) {
    const loss = step();
    if (i % 250 === 0 || i === steps - 1) { lastLoss = await loss.item(); t.equal(engine.liveBuffers, buffers0 + 1, `step ${i}: only the returned loss is live besides the start`); }
    loss.dispose();
  }
  await engine.sync();
  t.equal(engine.liveBytes, bytes0, `liveBytes flat after ${steps} steps (${bytes0})`);
  t.equal(engine.liveBuffers, buffers0, `liveBuffers flat after ${steps} steps (${buffers0})`);
  t.equal(tape.liveTensors, tensors0, 'no tensors left behind');
  t.equal(tape.recordCount, 0, 'no records left behind');
  t.equal(centroids.grad, null, 'parameter gradients are released with the step');
  t.ok(Number.isFinite(lastLoss) && lastLoss < firstLoss, `training on a fixed batch lowers the loss (${firstLoss.toFixed(4)} -> ${lastLoss.toFixed(4)})`);
  for (const opt of opts) opt.dispose();
  tape.dispose();
  t.equal(tape.liveTensors, 0, 'tape.dispose releases everything');
});

t.test('scope semantics: returned and kept tensors survive, nested scopes, errors release', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine);
  const before = engine.liveBuffers;
  let inner: ag.Tensor | null = null;
  const out = tape.scope(() => {
    const a = tape.full([4], 2);
    const kept = tape.keep(ag.scale(a, 3));
    const res = tape.scope(() => { inner = tape.full([2], 1); return { y: ag.scale(a, 2), list: [ag.scale(a, 5)] }; });
    t.ok(inner!.isDisposed, 'a tensor made in a nested scope is released when it ends');
    t.notOk(res.y.isDisposed, 'a returned tensor moves to the enclosing scope');
    return { kept, y: res.y, z: res.list[0]! };
  });
  t.notOk(out.y.isDisposed, 'returned from the outer scope: survives');
  t.same([...(await out.kept.read())], [6, 6, 6, 6], 'kept tensor holds its value');
  t.same([...(await out.z.read())], [10, 10, 10, 10]);
  out.kept.dispose(); out.y.dispose(); out.z.dispose();
  t.equal(engine.liveBuffers, before, 'everything released');
  t.throws(() => tape.scope(() => { tape.zeros([3]); throw new Error('boom'); }), /boom/);
  await t.rejects(tape.scope(async () => { tape.zeros([3]); await engine.sync(); throw new Error('late'); }), /late/);
  t.equal(tape.liveTensors, 0, 'a throwing scope still releases its tensors');
  tape.dispose();
});
