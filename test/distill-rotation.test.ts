// Distill-VQ with a learned rotation (learnRotation): the gradient of the rotated scores with respect to R against
// float64 central differences; on the demo rows, the rotation stays orthogonal, moves away from its start,
// recall does not fall, GPU memory stays flat, and the result round-trips through the Faiss format.
import t from 'tap';
import { getEngine, rng, randomF32, freshSeed } from './helpers.js';
import { demoRows } from './fixtures/demo-rows.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { Tape } from '../src/autograd/tensor.js';
import * as ag from '../src/autograd/index.js';
import { checkOp } from './reference/autograd-check.js';
import { orthogonalityError } from '../src/quantizers/linalg.js';
import { toFaissBytes, fromFaissBytes } from '../src/io/faiss-format.js';
import { IvfPqIndexCore } from '../src/index/ivfpq.js';

const seed = freshSeed();
const r = rng(seed);
t.comment(`seed ${seed} (replay with SEED=${seed})`);

/** float64 <R q_b, R x_bc> for q [b, d], x [b, c, d], R [d, d] (rows y = R v) */
function rotatedScoresRef(q: Float64Array, x: Float64Array, R: Float64Array, b: number, c: number, d: number): Float64Array {
  const rot = (v: Float64Array, at: number): Float64Array => {
    const y = new Float64Array(d);
    for (let i = 0; i < d; i++) { let s = 0; for (let j = 0; j < d; j++) s += R[i * d + j]! * v[at + j]!; y[i] = s; }
    return y;
  };
  const out = new Float64Array(b * c);
  for (let i = 0; i < b; i++) {
    const rq = rot(q, i * d);
    for (let j = 0; j < c; j++) {
      const rx = rot(x, (i * c + j) * d);
      let s = 0;
      for (let k = 0; k < d; k++) s += rq[k]! * rx[k]!;
      out[i * c + j] = s;
    }
  }
  return out;
}

t.test('the gradient of rotated scores with respect to R matches float64 central differences', async (t) => {
  const engine = await getEngine();
  const tape = new Tape(engine, { poison: true });
  try {
    for (const [b, c, d] of [[1, 1, 1], [2, 3, 5], [3, 7, 12]] as const) {
      await checkOp(t, tape, {
        name: `<R q, R x> q [${b},${d}] x [${b},${c},${d}] R [${d},${d}]`,
        inputs: [
          { data: randomF32(r, b * d), shape: [b, d], grad: true },
          { data: randomF32(r, b * c * d), shape: [b, c, d], grad: true },
          { data: randomF32(r, d * d), shape: [d, d], grad: true },
        ],
        gpu: ([q, x, R]) => ag.scoresBatched(ag.matmulT(q!, R!), ag.reshape(ag.matmulT(ag.reshape(x!, [b * c, d]), R!), [b, c, d])),
        ref: ([q, x, R]) => rotatedScoresRef(q!, x!, R!, b, c, d),
        maxFd: 120,
      }, r, `rotated scores ${b}x${c}x${d}`);
    }
  } finally {
    tape.dispose();
  }
});

const demo = await demoRows(400);
const settings = { pseudoQueries: 160, topK: 20, batchSize: 16, epochs: 2, validationQueries: 40, validationNprobe: 2, seed: 3, learnRotation: true, orthogonalizeEvery: 4 };

t.test('a learned rotation stays orthogonal, moves, and the index keeps its recall', async (t) => {
  const engine = await getEngine();
  const { base: data, dim } = demo;
  const index = new IvfPqIndex(engine, { dim, nlist: 8, m: 16, bits: 8 });
  await index.train(data, { seed: 7, opq: { iters: 2 } });
  await index.add(data);
  const start = index.toData().rotation!;
  t.ok(start, 'the OPQ start has a rotation');
  await index.search(data.subarray(0, dim), { k: 10, nprobe: 2 }); // the lists go to the GPU on first use
  const live = engine.liveBuffers, bytes = engine.liveBytes;
  const report = await index.distill({ base: data, ...settings, lrRotation: 1e-3 });
  t.comment(`loss ${report.epochLoss.map((x) => x.toFixed(4)).join(' ')}; validation ${report.validationRecall.join(' ')}; ${report.message}`);
  const end = index.toData().rotation!;
  t.ok(end, 'the index still has a rotation');
  const err = orthogonalityError(end, dim);
  t.ok(err < 1e-5, `the final rotation is orthogonal (max |R R^T - I| = ${err.toExponential(2)})`);
  t.ok(report.rotationOrthogonalityError !== undefined && report.rotationOrthogonalityError < 1e-5, 'the report states the orthogonality error');
  if (report.bestEpoch > 0) {
    let moved = 0;
    for (let i = 0; i < end.length; i++) moved = Math.max(moved, Math.abs(end[i]! - start[i]!));
    t.ok(moved > 1e-4, `the rotation was learned (largest change ${moved.toExponential(2)})`);
  } else t.equal(Buffer.compare(Buffer.from(end.buffer), Buffer.from(start.buffer)), 0, 'no gain: the starting rotation is kept exactly');
  t.ok(report.epochLoss.every(Number.isFinite), 'the loss stays finite');
  const v = report.validationRecall;
  t.ok(v[report.bestEpoch]! >= v[0]!, 'the kept epoch is no worse than the start on the validation queries');
  t.equal(engine.liveBuffers, live, 'GPU buffers after training = before');
  t.equal(engine.liveBytes, bytes, 'GPU bytes after training = before');
  // exported to Faiss as an OPQ index is: the rotation travels as the pre-transform
  const back = IvfPqIndexCore.fromData(engine, fromFaissBytes(toFaissBytes(index.toData())));
  const q = data.subarray(0, 20 * dim);
  const a = await index.search(q, { k: 10, nprobe: 2 }), b = await back.search(q, { k: 10, nprobe: 2 });
  t.same(Array.from(b.ids), Array.from(a.ids), 'the Faiss round trip searches the same');
  back.dispose();
  index.dispose();
});

t.test('learnRotation on an index without a rotation starts from the identity and ends with one', async (t) => {
  const engine = await getEngine();
  const { base: data, dim } = demo;
  const index = new IvfPqIndex(engine, { dim, nlist: 8, m: 16, bits: 8 });
  await index.train(data, { seed: 9 });
  await index.add(data);
  t.equal(index.toData().rotation, null, 'a k-means start has no rotation');
  const report = await index.distill({ base: data, ...settings, epochs: 1, lrRotation: 1e-3 });
  const rot = index.toData().rotation;
  if (report.bestEpoch > 0) {
    t.ok(rot && orthogonalityError(rot, dim) < 1e-5, 'the index ends with an orthogonal rotation');
  } else t.equal(rot, null, 'no gain: the index keeps its start, without a rotation');
  await t.rejects(index.distill({ base: data, learnRotation: 'yes' as unknown as boolean }), /learnRotation must be true or false/);
  await t.rejects(index.distill({ base: data, learnRotation: true, orthogonalizeEvery: 0 }), /orthogonalizeEvery must be an integer/);
  await t.rejects(index.distill({ base: data, learnRotation: true, lrRotation: -1 }), /lrRotation must be a finite number >= 0/);
  index.dispose();
});
