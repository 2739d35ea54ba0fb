// The L2 score ops of a Distill-VQ student on an L2 index: GPU forward vs a float64 reference written from
// the distance side (||q||^2 - ||q - x||^2), GPU backward vs central differences and the reference vjp, on
// fresh random inputs of awkward sizes (poisoned outputs), plus values of a large scale (~100s, as pixels).
import t from 'tap';
import { getEngine, rng, randomF32, freshSeed } from './helpers.js';
import * as ag from '../src/autograd/index.js';
import { checkOp, type OpCase } from './reference/autograd-check.js';
import * as R from './reference/autograd-l2.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed} (replay with SEED=${seed})`);

function cases(): OpCase[] {
  const out: OpCase[] = [];
  for (const [rows, d] of [[1, 1], [7, 5], [67, 33]] as const) {
    out.push({ name: `rowSqNorms [${rows},${d}]`, inputs: [{ data: randomF32(r, rows * d), shape: [rows, d], grad: true }], gpu: ([x]) => ag.rowSqNorms(x!), ref: ([x]) => R.rowSqNormsRef(x!, d), vjp: ([x], g) => [x!.map((v, i) => 2 * v * g[Math.floor(i / d)]!)], maxFd: 200 });
  }
  out.push({ name: 'rowSqNorms [2,3,4]', inputs: [{ data: randomF32(r, 24), shape: [2, 3, 4], grad: true }], gpu: ([x]) => ag.rowSqNorms(x!), ref: ([x]) => R.rowSqNormsRef(x!, 4) });
  for (const [b, c, d] of [[1, 1, 1], [3, 5, 7], [5, 19, 45]] as const) {
    out.push({ name: `l2ScoresBatched [${b},${d}] x [${b},${c},${d}]`, inputs: [{ data: randomF32(r, b * d), shape: [b, d], grad: true }, { data: randomF32(r, b * c * d), shape: [b, c, d], grad: true }], gpu: ([q, x]) => ag.l2ScoresBatched(q!, x!), ref: ([q, x]) => R.l2ScoresBatchedRef(q!, x!, b, c, d), vjp: ([q, x], g) => R.l2ScoresBatchedVjp(q!, x!, b, c, d, g), maxFd: 250 });
  }
  for (const [b, n, d] of [[1, 1, 1], [3, 5, 17], [67, 70, 21]] as const) {
    out.push({ name: `l2ScoresAll [${b},${d}] x [${n},${d}]`, inputs: [{ data: randomF32(r, b * d), shape: [b, d], grad: true }, { data: randomF32(r, n * d), shape: [n, d], grad: true }], gpu: ([q, x]) => ag.l2ScoresAll(q!, x!), ref: ([q, x]) => R.l2ScoresAllRef(q!, x!, b, n, d), vjp: ([q, x], g) => R.l2ScoresAllVjp(q!, x!, b, n, d, g), maxFd: 250 });
  }
  // large values (pixel-like, ~100s): the forward stays within float32 rounding of the scale
  const [b, n, d] = [4, 9, 32];
  const big = (k: number) => Float32Array.from(randomF32(r, k), (v) => 128 + 100 * v);
  out.push({ name: `l2ScoresAll large values [${b},${d}] x [${n},${d}]`, inputs: [{ data: big(b * d), shape: [b, d] }, { data: big(n * d), shape: [n, d] }], gpu: ([q, x]) => ag.l2ScoresAll(q!, x!), ref: ([q, x]) => R.l2ScoresAllRef(q!, x!, b, n, d) });
  return out;
}

t.test('L2 score ops: forward vs float64, backward vs finite differences', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine, { poison: true });
  for (const c of cases()) await checkOp(t, tape, c, r, `seed ${seed}`);
  t.equal(tape.liveTensors, 0, 'every tensor made in the checks was released');
  tape.dispose();
});

t.test('L2 score ops reject bad shapes with clear errors', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine);
  tape.scope(() => {
    const q = tape.zeros([3, 4]);
    t.throws(() => ag.l2ScoresBatched(q, tape.zeros([3, 2, 5])), /l2ScoresBatched: x \[3, 2, 5\] must be \[3, C, 4\]/);
    t.throws(() => ag.l2ScoresAll(q, tape.zeros([6, 5])), /l2ScoresAll: q \[3, 4\] and x \[6, 5\] must have the same last dimension/);
    t.throws(() => ag.rowSqNorms(tape.tensor(Int32Array.of(1, 2), [2])), /rowSqNorms: 'x' must be an f32 tensor/);
  });
  tape.dispose();
});
