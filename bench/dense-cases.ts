// The dense-product rows of bench:kernels (scores, assignNearest, trainKMeans, pqEncode) with the subgroup
// kernels (new) and without them (old: the 'subgroups' feature hidden from the engine), interleaved per case
// (old new old new ..., medians), next to the vec4 FMA probe measured between them.
// Usage: npx tsx bench/dense-cases.ts [--reps 3] [--only scores,assignNearest] [--pq-dsub 8,12] (extra pqEncode
// cases n50000 m32 bits8 at these dsub)
import { createEngine } from '../src/node/create.js';
import { kernelCases, pqEncodeCase, type KernelCase } from '../src/bench/kernel-cases.js';
import { fmaProbe } from '../src/bench/probe-cases.js';
import { mulberry32 } from '../src/util/random.js';

const arg = (name: string, dflt: string): string => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1]! : dflt; };
const reps = Number(arg('reps', '3')), only = arg('only', 'scores,assignNearest,trainKMeans,pqEncode').split(',');
const engine = await createEngine();
const features = engine.features as Set<string>;
const hadSg = features.has('subgroups');
console.log(`${engine.adapterName}; subgroups: ${hadSg}`);
const med = (a: number[]): number => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]!; };
async function timed(c: { run(): void | Promise<void> }, old: boolean): Promise<number> {
  if (old) features.delete('subgroups');
  try { await engine.sync(); const t0 = performance.now(); await c.run(); await engine.sync(); return performance.now() - t0; } finally { if (hadSg) features.add('subgroups'); }
}
const fmaCase: KernelCase = fmaProbe(256 * 1024, 4096);
const fma = fmaCase.prepare(engine, mulberry32(1));
const fmaT: number[] = [];
const extra = arg('pq-dsub', '').split(',').filter(Boolean).map((d) => pqEncodeCase(50000, 32, 8, Number(d)));
for (const c of [...kernelCases(false).filter((k) => only.includes(k.kernel)), ...extra]) {
  const p = c.prepare(engine, mulberry32(12345));
  const work = p.work ?? c.work;
  await timed(p, true); await timed(p, false); // compile
  const t = { old: [] as number[], new: [] as number[] };
  for (let r = 0; r < reps; r++) { fmaT.push(await timed(fma, false)); t.old.push(await timed(p, true)); t.new.push(await timed(p, false)); }
  const fmaRate = (fmaCase.work.flops ?? 0) / med(fmaT) / 1e6;
  const g = (ms: number): string => work.flops ? `${(work.flops / ms / 1e6).toFixed(2)} GFLOP/s (${(100 * work.flops / ms / 1e6 / fmaRate).toFixed(1)}% of fma ${fmaRate.toFixed(1)})` : '';
  console.log(`${c.kernel} ${c.size}: old ${med(t.old).toFixed(1)} ms ${g(med(t.old))}; new ${med(t.new).toFixed(1)} ms ${g(med(t.new))}; ratio ${(med(t.old) / med(t.new)).toFixed(2)} (pairs ${t.old.map((o, i) => (o / t.new[i]!).toFixed(2)).join(' ')})`);
  p.dispose();
}
fma.dispose();
engine.dispose();
