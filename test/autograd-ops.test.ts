// Every autograd op: GPU forward vs the float64 reference, GPU backward vs central differences of the
// float64 forward (and vs the reference vjp), on fresh random inputs of awkward sizes, poisoned outputs.
import t from 'tap';
import { getEngine, rng, randomF32, freshSeed } from './helpers.js';
import * as ag from '../src/autograd/index.js';
import { checkOp, type OpCase } from './reference/autograd-check.js';
import * as R from './reference/autograd.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed} (replay with SEED=${seed})`);

function cases(): OpCase[] {
  const out: OpCase[] = [];
  // [67, 131]: more than two workgroups of ag_axpby (4096 elements each), the last one partial
  for (const [b, d] of [[1, 1], [3, 7], [37, 13], [67, 131]] as const) {
    const a = randomF32(r, b * d), bb = randomF32(r, b * d), row = randomF32(r, d), sc = randomF32(r, 1);
    out.push({ name: `add [${b},${d}]`, inputs: [{ data: a, shape: [b, d], grad: true }, { data: bb, shape: [b, d], grad: true }], gpu: ([x, y]) => ag.add(x!, y!), ref: ([x, y]) => R.axpbyRef(x!, y!, 1), vjp: ([x, y], g) => R.axpbyVjp(x!, y!, 1, g) });
    out.push({ name: `sub row-broadcast [${b},${d}]-[${d}]`, inputs: [{ data: a, shape: [b, d], grad: true }, { data: row, shape: [d], grad: true }], gpu: ([x, y]) => ag.sub(x!, y!), ref: ([x, y]) => R.axpbyRef(x!, y!, -1), vjp: ([x, y], g) => R.axpbyVjp(x!, y!, -1, g) });
    out.push({ name: `add scalar [${b},${d}]+[1]`, inputs: [{ data: a, shape: [b, d], grad: true }, { data: sc, shape: [1], grad: true }], gpu: ([x, y]) => ag.add(x!, y!), ref: ([x, y]) => R.axpbyRef(x!, y!, 1), vjp: ([x, y], g) => R.axpbyVjp(x!, y!, 1, g) });
    out.push({ name: `scale [${b},${d}]`, inputs: [{ data: a, shape: [b, d], grad: true }], gpu: ([x]) => ag.scale(x!, -0.37), ref: ([x]) => R.scaleRef(x!, -0.37) });
    out.push({ name: `mean [${b},${d}]`, inputs: [{ data: a, shape: [b, d], grad: true }], gpu: ([x]) => ag.mean(x!), ref: ([x]) => R.meanRef(x!) });
    out.push({ name: `reshape [${b},${d}]`, inputs: [{ data: a, shape: [b, d], grad: true }], gpu: ([x]) => ag.reshape(x!, [b * d]), ref: ([x]) => x! });
  }
  // gatherRows: repeated rows, padding (-1), rows never picked, more than one 256-chunk of indices
  for (const [n, d, nb] of [[1, 3, 4], [7, 5, 19], [40, 9, 600]] as const) {
    const table = randomF32(r, n * d);
    const idx = Int32Array.from({ length: nb }, (_, i) => (i % 11 === 5 ? -1 : Math.floor(r() * Math.max(1, n - 1))));
    out.push({ name: `gatherRows [${n},${d}] x ${nb}`, inputs: [{ data: table, shape: [n, d], grad: true }, { data: idx, shape: [nb] }], gpu: ([x, i]) => ag.gatherRows(x!, i!), ref: ([x]) => R.gatherRowsRef(x!, idx, n, d), vjp: (_x, g) => [R.gatherRowsVjp(idx, n, d, g), null] });
  }
  // gatherCols: repeated columns, padding (-1), columns never picked, more than one 256-chunk of indices
  for (const [rows, n, nj] of [[1, 1, 3], [5, 7, 19], [3, 41, 601]] as const) {
    const a = randomF32(r, rows * n);
    const idx = Int32Array.from({ length: nj }, (_, i) => (i % 13 === 6 ? -1 : Math.floor(r() * Math.max(1, n - 1))));
    out.push({ name: `gatherCols [${rows},${n}] x ${nj}`, inputs: [{ data: a, shape: [rows, n], grad: true }, { data: idx, shape: [nj] }], gpu: ([x, i]) => ag.gatherCols(x!, i!), ref: ([x]) => R.gatherColsRef(x!, idx, rows, n), vjp: (_x, g) => [R.gatherColsVjp(idx, rows, n, g), null] });
  }
  for (const [b, c, d] of [[1, 1, 1], [3, 5, 7], [5, 19, 45]] as const) {
    out.push({ name: `scoresBatched [${b},${d}] x [${b},${c},${d}]`, inputs: [{ data: randomF32(r, b * d), shape: [b, d], grad: true }, { data: randomF32(r, b * c * d), shape: [b, c, d], grad: true }], gpu: ([q, x]) => ag.scoresBatched(q!, x!), ref: ([q, x]) => R.scoresBatchedRef(q!, x!, b, c, d), vjp: ([q, x], g) => R.scoresBatchedVjp(q!, x!, b, c, d, g) });
  }
  // d a multiple of 4 takes the register-tiled kernels (forward scores, backward ag_matmul_tn), others ag_bmm
  for (const [b, n, d] of [[1, 1, 1], [3, 5, 17], [67, 70, 21], [1, 1, 4], [3, 7, 20], [33, 71, 68]] as const) {
    out.push({ name: `matmulT [${b},${d}] x [${n},${d}]`, inputs: [{ data: randomF32(r, b * d), shape: [b, d], grad: true }, { data: randomF32(r, n * d), shape: [n, d], grad: true }], gpu: ([q, x]) => ag.matmulT(q!, x!), ref: ([q, x]) => R.matmulTRef(q!, x!, b, n, d), vjp: ([q, x], g) => R.matmulTVjp(q!, x!, b, n, d, g), maxFd: 250 });
  }
  for (const [b, m, k, ds] of [[1, 1, 1, 1], [5, 3, 7, 2], [70, 2, 67, 17]] as const) {
    const u = randomF32(r, b * m * ds), cb = randomF32(r, m * k * ds);
    out.push({ name: `subspaceSqDist u [${b},${m * ds}] cb [${m},${k},${ds}]`, inputs: [{ data: u, shape: [b, m * ds], grad: true }, { data: cb, shape: [m, k, ds], grad: true }], gpu: ([x, c]) => ag.subspaceSqDist(x!, c!), ref: ([x, c]) => R.subspaceSqDistRef(x!, c!, b, m, k, ds), vjp: ([x, c], g) => R.subspaceSqDistVjp(x!, c!, b, m, k, ds, g), maxFd: 200 });
    const a = randomF32(r, b * m * k);
    out.push({ name: `assignTimesCodebook a [${b},${m},${k}] cb [${m},${k},${ds}]`, inputs: [{ data: a, shape: [b, m, k], grad: true }, { data: cb, shape: [m, k, ds], grad: true }], gpu: ([x, c]) => ag.assignTimesCodebook(x!, c!), ref: ([x, c]) => R.assignTimesCodebookRef(x!, c!, b, m, k, ds), vjp: ([x, c], g) => R.assignTimesCodebookVjp(x!, c!, b, m, k, ds, g), maxFd: 200 });
  }
  for (const [rows, len, tau] of [[1, 1, 1], [3, 7, 0.5], [13, 300, 2]] as const) {
    const x = randomF32(r, rows * len, 2);
    out.push({ name: `softmax [${rows},${len}] tau ${tau}`, inputs: [{ data: x, shape: [rows, len], grad: true }], gpu: ([v]) => ag.softmax(v!, tau), ref: ([v]) => R.softmaxRef(v!, len, tau), vjp: ([v], g) => [R.softmaxVjp(v!, len, tau, g)], maxFd: 200 });
    out.push({ name: `logSoftmax [${rows},${len}] tau ${tau}`, inputs: [{ data: x, shape: [rows, len], grad: true }], gpu: ([v]) => ag.logSoftmax(v!, tau), ref: ([v]) => R.softmaxRef(v!, len, tau, true), vjp: ([v], g) => [R.softmaxVjp(v!, len, tau, g, true)], maxFd: 200 });
    // straight-through: forward is the one-hot; backward must equal the gradient of softmax(x / tau)
    out.push({ name: `straightThroughAssign [${rows},${len}] tau ${tau}`, inputs: [{ data: x, shape: [rows, len], grad: true }], gpu: ([v]) => ag.straightThroughAssign(v!, tau), ref: ([v]) => R.straightThroughRef(v!, len), fdRef: ([v]) => R.softmaxRef(v!, len, tau), vjp: ([v], g) => [R.softmaxVjp(v!, len, tau, g)], maxFd: 200 });
  }
  // straight-through on [B, M, K] = -dist, the shape the trainer uses
  const [b, m, k] = [6, 3, 37];
  const logits = randomF32(r, b * m * k);
  out.push({ name: `straightThroughAssign [${b},${m},${k}]`, inputs: [{ data: logits, shape: [b, m, k], grad: true }], gpu: ([v]) => ag.straightThroughAssign(v!), ref: ([v]) => R.straightThroughRef(v!, k), fdRef: ([v]) => R.softmaxRef(v!, k, 1), vjp: ([v], g) => [R.softmaxVjp(v!, k, 1, g)], maxFd: 200 });
  // from distances: one-hot of the nearest codeword, backward = gradient of softmax(-dist / tau)
  const dist = Float32Array.from(randomF32(r, b * m * k), (v) => v * v);
  out.push({ name: `assignFromDistances [${b},${m},${k}] tau 0.7`, inputs: [{ data: dist, shape: [b, m, k], grad: true }], gpu: ([v]) => ag.assignFromDistances(v!, 0.7), ref: ([v]) => R.straightThroughRef(v!.map((q) => -q), k), fdRef: ([v]) => R.softmaxRef(v!.map((q) => -q), k, 0.7), maxFd: 200 });
  return out;
}

t.test('autograd ops: forward vs float64, backward vs finite differences', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine, { poison: true });
  for (const c of cases()) await checkOp(t, tape, c, r, `seed ${seed}`);
  t.equal(tape.liveTensors, 0, 'every tensor made in the checks was released');
  tape.dispose();
});

t.test('a tensor feeding several ops accumulates its gradient', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine, { poison: true });
  const [b, d] = [5, 11];
  const x = randomF32(r, b * d), w = randomF32(r, b * d);
  await tape.scope(async () => {
    const xt = tape.tensor(x, [b, d], { requiresGrad: true });
    const wt = tape.tensor(w, [b, d]);
    // y = mean(x + x * 3 - x - w) = mean(3x - w): d/dx = 3 / (b d)
    const y = ag.mean(ag.sub(ag.add(xt, ag.scale(xt, 3)), ag.add(xt, wt)));
    tape.backward(y);
    const g = await xt.grad!.read();
    t.ok(g.every((v) => Math.abs(v - 3 / (b * d)) < 1e-6), `gradient 3/(b d) everywhere (got ${g[0]})`);
  });
  tape.dispose();
});

t.test('ops reject bad input with clear errors', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine);
  tape.scope(() => {
    const a = tape.zeros([3, 4]), b = tape.zeros([4, 3]), idx = tape.tensor(Int32Array.of(0, 1), [2]);
    t.throws(() => ag.add(a, b), /add: shapes \[3, 4\] and \[4, 3\] do not match/);
    t.throws(() => ag.gatherRows(a, a), /gatherRows: 'idx' must be a 1-D i32 tensor/);
    t.throws(() => ag.gatherRows(idx, idx), /gatherRows: 'table' must be an f32 tensor/);
    t.throws(() => ag.gatherCols(a, a), /gatherCols: 'idx' must be a 1-D i32 tensor/);
    t.throws(() => ag.gatherCols(idx, idx), /gatherCols: 'a' must be an f32 tensor/);
    t.throws(() => ag.subspaceSqDist(a, tape.zeros([2, 5, 3])), /subspaceSqDist: u \[3, 4\] must have D = M \* D\/M = 6/);
    t.throws(() => ag.softmax(a, 0), /temperature must be a positive number/);
    t.throws(() => ag.scoresBatched(a, tape.zeros([3, 2, 5])), /scoresBatched: x \[3, 2, 5\] must be \[3, C, 4\]/);
    t.throws(() => tape.tensor(new Float32Array(5), [2, 3]), /5 values do not fill shape \[2, 3\]/);
    t.throws(() => tape.backward(a), /does not depend on any tensor that requires a gradient/);
  });
  const kept = tape.scope(() => tape.zeros([2]));
  kept.dispose();
  t.throws(() => ag.scale(kept, 2), /was disposed/);
  tape.dispose();
});
