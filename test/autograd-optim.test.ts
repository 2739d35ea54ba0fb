// GPU optimizers (one fused kernel per parameter) against float64 CPU references over several steps, with
// two parameter groups at different learning rates, weight decay and the warm-up / decay schedule.
import t from 'tap';
import { getEngine, rng, randomF32, freshSeed, compare } from './helpers.js';
import * as ag from '../src/autograd/index.js';
import { sgdRef, adamRef } from './reference/autograd.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed} (replay with SEED=${seed})`);

t.test('linearWarmupDecay schedule', async (t) => {
  const s = ag.linearWarmupDecay(4, 14);
  t.same([0, 1, 2, 3, 4, 9, 14, 20].map(s), [0.25, 0.5, 0.75, 1, 1, 0.5, 0, 0]);
  const m = ag.linearWarmupDecay(0, 10, 0.1);
  t.equal(m(0), 1); t.equal(m(9), 0.1); t.equal(m(100), 0.1);
  t.throws(() => ag.linearWarmupDecay(5, 3), /warmupSteps/);
});

type Kind = 'sgd' | 'sgd-momentum' | 'adam' | 'adamw';

for (const kind of ['sgd', 'sgd-momentum', 'adam', 'adamw'] as Kind[]) {
  t.test(`${kind} matches the float64 reference over 6 steps, two groups`, async (t) => {
    const engine = await getEngine();
    const tape = new ag.Tape(engine, { poison: true });
    const sizes = [37, 300]; // awkward, and more than one workgroup
    const init = sizes.map((n) => randomF32(r, n));
    const params = sizes.map((n, i) => tape.tensor(init[i]!, [n], { requiresGrad: true }));
    const schedule = ag.linearWarmupDecay(2, 8);
    const groups: ag.ParamGroup[] = [{ params: [params[0]!], lr: 0.05, weightDecay: 0.1 }, { params: [params[1]!], lr: 0.2, weightDecay: 0.01 }];
    const opt = kind === 'sgd' ? new ag.SGD(groups, { schedule })
      : kind === 'sgd-momentum' ? new ag.SGD(groups, { schedule, momentum: 0.9 })
      : kind === 'adam' ? new ag.Adam(groups, { schedule, decoupled: false })
      : new ag.AdamW(groups, { schedule, beta1: 0.8, beta2: 0.95, eps: 1e-6 });
    const ref = init.map((x) => Float64Array.from(x));
    const st1 = sizes.map((n) => new Float64Array(n)), st2 = sizes.map((n) => new Float64Array(n));
    for (let step = 0; step < 6; step++) {
      await tape.scope(async () => {
        const grads = sizes.map((n) => randomF32(r, n));
        params.forEach((p, i) => { p.grad = tape.tensor(grads[i]!, [sizes[i]!]); });
        opt.step();
        for (let i = 0; i < sizes.length; i++) {
          const lr = groups[i]!.lr * schedule(step), wd = groups[i]!.weightDecay!;
          t.equal(opt.lrAt(step, i), lr, 'lrAt follows the schedule');
          if (kind === 'sgd') sgdRef(ref[i]!, grads[i]!, null, lr, 0, wd);
          else if (kind === 'sgd-momentum') sgdRef(ref[i]!, grads[i]!, st1[i]!, lr, 0.9, wd);
          else if (kind === 'adam') adamRef(ref[i]!, grads[i]!, st1[i]!, st2[i]!, step + 1, lr, 0.9, 0.999, 1e-8, wd, false);
          else adamRef(ref[i]!, grads[i]!, st1[i]!, st2[i]!, step + 1, lr, 0.8, 0.95, 1e-6, wd, true);
        }
        params.forEach((p) => { p.grad!.dispose(); p.grad = null; });
      });
      for (let i = 0; i < sizes.length; i++) {
        const got = await params[i]!.read();
        const c = compare(got, ref[i]!, 1e-5, 1e-5);
        t.ok(c.ok, `seed ${seed} ${kind} step ${step} group ${i}: worst ${c.worst.toFixed(3)} at ${c.at} got ${c.got} want ${c.want}`);
      }
    }
    t.equal(opt.stepCount, 6);
    opt.dispose();
    tape.dispose();
  });
}

t.test('optimizer rejects bad parameters', async (t) => {
  const engine = await getEngine();
  const tape = new ag.Tape(engine);
  const p = tape.zeros([3], { requiresGrad: true }), q = tape.zeros([3]);
  t.throws(() => new ag.SGD([{ params: [q], lr: 0.1 }]), /must be f32 and require a gradient/);
  t.throws(() => new ag.AdamW([{ params: [p, p], lr: 0.1 }]), /listed twice/);
  t.throws(() => new ag.AdamW([{ params: [p], lr: -1 }]), /learning rate/);
  tape.dispose();
});
