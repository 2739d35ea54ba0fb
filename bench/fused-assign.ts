// Forward + backward time of the composed subspaceSqDist -> assignFromDistances -> assignTimesCodebook vs the
// fused softAssignReconstruct at Distill-VQ batch sizes (random data).
// Usage: npx tsx bench/fused-assign.ts [--u 3200] [--m 32] [--k 256] [--ds 16] [--reps 3] [--only fused|composed]
import { createEngine } from '../src/node/create.js';
import * as ag from '../src/autograd/index.js';

const arg = (name: string, dflt: string): string => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1]! : dflt; };
const U = Number(arg('u', '3200')), M = Number(arg('m', '32')), K = Number(arg('k', '256')), DS = Number(arg('ds', '16'));
const reps = Number(arg('reps', '3')), only = arg('only', '');
let seed = 12345;
const rnd = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296 - 0.5; };
const engine = await createEngine();
const tape = new ag.Tape(engine);
const u = tape.tensor(Float32Array.from({ length: U * M * DS }, rnd), [U, M * DS], { requiresGrad: true });
const C = tape.tensor(Float32Array.from({ length: M * K * DS }, rnd), [M, K, DS], { requiresGrad: true });
const g = tape.tensor(Float32Array.from({ length: U * M * DS }, rnd), [U, M * DS]);
console.log(`${engine.adapterName}; U ${U}, M ${M}, K ${K}, dsub ${DS}`);

async function time(name: string, f: () => ag.Tensor): Promise<number> {
  const once = async (): Promise<[number, number]> => tape.scope(async () => {
    const t0 = performance.now();
    const out = f();
    await engine.sync();
    const t1 = performance.now();
    tape.backward(out, g);
    await engine.sync();
    return [t1 - t0, performance.now() - t0];
  });
  await once(); // compiles the pipelines
  let fwd = Infinity, tot = Infinity;
  for (let i = 0; i < reps; i++) { const [a, b] = await once(); fwd = Math.min(fwd, a); tot = Math.min(tot, b); }
  console.log(`${name.padEnd(10)} forward ${fwd.toFixed(0).padStart(6)} ms   forward+backward ${tot.toFixed(0).padStart(6)} ms (best of ${reps})`);
  return tot;
}
const fused = only === 'composed' ? NaN : await time('fused', () => ag.softAssignReconstruct(u, C, 1));
const composed = only === 'fused' ? NaN : await time('composed', () => ag.assignTimesCodebook(ag.assignFromDistances(ag.subspaceSqDist(u, C), 1), C));
if (!only) console.log(`composed / fused = ${(composed / fused).toFixed(2)}x`);
tape.dispose();
engine.dispose();
