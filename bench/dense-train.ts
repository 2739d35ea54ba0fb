// IVF256,PQ32x8 training (k-means of the lists and of the PQ codebooks) on the first 50,000 vectors of a data set,
// with the subgroup kernels (new) and without them (old: the 'subgroups' feature hidden), interleaved.
// Usage: npx tsx bench/dense-train.ts [--reps 1] [--data /work/shared/data/wordnet-use-lite-512-ip]
import { createEngine } from '../src/node/create.js';
import { IvfPqIndex } from '../src/api.js';
import { readVectors } from '../src/io/vectors-node.js';

const arg = (name: string, dflt: string): string => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1]! : dflt; };
const reps = Number(arg('reps', '1')), data = arg('data', '/work/shared/data/wordnet-use-lite-512-ip');
const engine = await createEngine();
const features = engine.features as Set<string>;
const hadSg = features.has('subgroups');
const base = await readVectors([0, 1, 2].map((i) => `${data}/base.part${i}.fvecs`));
const n = Math.min(50000, base.n), dim = base.dim, x = base.data.subarray(0, n * dim);
console.log(`${engine.adapterName}; subgroups: ${hadSg}; ${n} x ${dim}`);
async function train(old: boolean): Promise<number> {
  if (old) features.delete('subgroups');
  const index = new IvfPqIndex(engine, { dim, nlist: 256, m: 32, bits: 8, metric: 'ip' });
  try { const t0 = performance.now(); await index.train(x); return performance.now() - t0; } finally { index.dispose(); if (hadSg) features.add('subgroups'); }
}
for (let r = 0; r < reps; r++) {
  const o = await train(true), w = await train(false);
  console.log(`train IVF256,PQ32x8: old ${(o / 1000).toFixed(1)} s, new ${(w / 1000).toFixed(1)} s, ratio ${(o / w).toFixed(2)}`);
}
engine.dispose();
