// The five distillation losses: GPU forward vs float64, GPU gradient vs central differences of the float64
// loss, with and without per-row candidate counts, on awkward sizes (poisoned tensors).
import t from 'tap';
import { getEngine, rng, randomF32, freshSeed } from './helpers.js';
import * as ag from '../src/autograd/index.js';
import { checkOp, type OpCase } from './reference/autograd-check.js';
import * as R from './reference/autograd.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed} (replay with SEED=${seed})`);

const losses: Array<[R.LossName, (t: ag.Tensor, s: ag.Tensor, o: ag.LossOptions) => ag.Tensor]> = [
  ['listnet', ag.listNetLoss], ['kl', ag.klLoss], ['mse', ag.mseLoss], ['margin', ag.marginMseLoss], ['ranknet', ag.rankNetLoss],
];

function cases(): OpCase[] {
  const out: OpCase[] = [];
  for (const [rows, len, T] of [[1, 1, 1], [3, 7, 0.5], [5, 130, 2]] as const) {
    for (const withCounts of [false, true]) {
      const teacher = randomF32(r, rows * len), student = randomF32(r, rows * len);
      const counts = withCounts ? Int32Array.from({ length: rows }, (_, i) => (i === 0 ? len : i === 1 ? 0 : 1 + Math.floor(r() * len))) : undefined;
      for (const [name, fn] of losses) {
        const inputs: OpCase['inputs'] = [{ data: teacher, shape: [rows, len] }, { data: student, shape: [rows, len], grad: true }];
        if (counts) inputs.push({ data: counts, shape: [rows] });
        out.push({
          name: `${name} [${rows},${len}] T=${T}${counts ? ` counts=${[...counts].join(',')}` : ''}`,
          inputs,
          gpu: ([tt, ss, cc]) => fn(tt!, ss!, { temperature: T, ...(cc ? { counts: cc } : {}) }),
          ref: ([tt, ss]) => [R.lossRef(name, tt!, ss!, rows, len, T, counts)],
          vjp: ([tt, ss], g) => [null, R.lossVjp(name, tt!, ss!, rows, len, T, counts).map((v) => v * g[0]!), null],
          maxFd: 150,
        });
      }
    }
  }
  return out;
}

t.test('distillation losses: forward vs float64, gradient vs finite differences', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine, { poison: true });
  for (const c of cases()) await checkOp(t, tape, c, r, `seed ${seed}`);
  t.equal(tape.liveTensors, 0, 'every tensor made in the checks was released');
  tape.dispose();
});

t.test('losses reject bad input', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine);
  tape.scope(() => {
    const a = tape.zeros([2, 3]), b = tape.zeros([2, 4]), g = tape.zeros([2, 3], { requiresGrad: true });
    t.throws(() => ag.listNetLoss(a, b), /listNetLoss: teacher \[2, 3\] and student \[2, 4\] scores must have the same shape/);
    t.throws(() => ag.klLoss(g, a), /klLoss: the teacher's scores must not require a gradient/);
    t.throws(() => ag.rankNetLoss(a, a, { counts: tape.zeros([2]) }), /counts must be an i32 tensor of 2 values/);
    t.throws(() => ag.mseLoss(a, a, { temperature: -1 }), /temperature must be a positive number/);
  });
  tape.dispose();
});
