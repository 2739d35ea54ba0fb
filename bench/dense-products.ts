// Dense products on a software adapter: scores() against a baseline, interleaved (A B A B ..., medians), with the
// vec4 FMA probe measured between them; and the teacher (exactSearch, top-100) both ways.
// Baseline: by default this build with the 'subgroups' feature hidden from the engine for the call (scores_vec4);
// with --baseline DIR, the scores() and exactSearch() of another checkout (e.g. the previous revision:
// `git archive REV src scripts | tar -x -C tmp/old && (cd tmp/old && node scripts/gen-shaders.mjs)`, tmp/ being
// ignored), run on this build's engine.
// Usage: npx tsx bench/dense-products.ts [--reps 3] [--size 1024x16384x128] [--metric 0|1] [--teacher 2000]
//   [--data /work/shared/data/wordnet-use-lite-512-ip] [--baseline tmp/old]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEngine } from '../src/node/create.js';
import { scores } from '../src/kernels/scores.js';
import { probeFma } from '../src/kernels/probes.js';
import { exactSearch } from '../src/index/exact.js';
import { readVectors } from '../src/io/vectors-node.js';

const arg = (name: string, dflt: string): string => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1]! : dflt; };
const reps = Number(arg('reps', '3')), teacherQ = Number(arg('teacher', '2000')), data = arg('data', '/work/shared/data/wordnet-use-lite-512-ip');
const [NQ, N, D] = arg('size', '1024x16384x128').split('x').map(Number) as [number, number, number];
const metric = Number(arg('metric', '0')) as 0 | 1, baseDir = arg('baseline', '');
const engine = await createEngine();
const features = engine.features as Set<string>;
const hadSg = features.has('subgroups');
console.log(`${engine.adapterName}; subgroups: ${hadSg}; baseline: ${baseDir ? resolve(baseDir) : 'this build without subgroups'}`);
const mod = async (rel: string): Promise<any> => import(pathToFileURL(resolve(baseDir, rel)).href);
const baseScores: typeof scores = baseDir ? (await mod('src/kernels/scores.ts')).scores : scores;
const baseExact: typeof exactSearch = baseDir ? (await mod('src/index/exact.ts')).exactSearch : exactSearch;
// the other checkout's exactSearch checks buffers against its own classes, so it runs on its own engine
const baseEngine: typeof engine = baseDir ? await (await mod('src/node/create.ts')).createEngine() : engine;
const withOld = async <T>(f: () => Promise<T>): Promise<T> => {
  if (baseDir) return f();
  features.delete('subgroups');
  try { return await f(); } finally { if (hadSg) features.add('subgroups'); }
};
const med = (a: number[]): number => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]!; };
let seed = 7;
const rnd = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296 - 0.5; };

const qb = engine.upload(Float32Array.from({ length: NQ * D }, rnd)), xb = engine.upload(Float32Array.from({ length: N * D }, rnd));
const ob = engine.buffer(NQ * N * 4), fb = engine.buffer(256 * 1024 * 4);
const time = async (f: () => void): Promise<number> => { await engine.sync(); const t0 = performance.now(); f(); await engine.sync(); return performance.now() - t0; };
const runOld = (): Promise<number> => withOld(() => time(() => baseScores(engine, qb, xb, ob, NQ, N, D, metric)));
const runNew = (): Promise<number> => time(() => scores(engine, qb, xb, ob, NQ, N, D, metric));
const runFma = (): Promise<number> => time(() => probeFma(engine, fb, 256 * 1024, 4096, 0.5, 1));
await runOld(); const oldBits = await engine.read(ob, Uint32Array);
await runNew(); const newBits = await engine.read(ob, Uint32Array);
await runFma(); // compile
const sameBits = oldBits.every((v, i) => v === newBits[i]);
const t: Record<string, number[]> = { fma: [], old: [], new: [] };
for (let r = 0; r < reps; r++) { t.fma!.push(await runFma()); t.old!.push(await runOld()); t.new!.push(await runNew()); }
const fma = (256 * 1024 * 4096 * 32) / med(t.fma!) / 1e6, flops = 2 * NQ * N * D;
for (const k of ['old', 'new']) { const g = flops / med(t[k]!) / 1e6; console.log(`scores ${NQ}x${N}x${D} metric ${metric} ${k}: ${med(t[k]!).toFixed(1)} ms, ${g.toFixed(2)} GFLOP/s, ${(100 * g / fma).toFixed(1)}% of fma (${fma.toFixed(2)} GFLOP/s)`); }
console.log(`scores new/old speed ratio ${(med(t.old!) / med(t.new!)).toFixed(2)}; pairs ${t.old!.map((o, i) => (o / t.new![i]!).toFixed(2)).join(' ')}; same bits: ${sameBits}`);
qb.dispose(); xb.dispose(); ob.dispose(); fb.dispose();

if (teacherQ > 0) {
  const base = await readVectors([0, 1, 2].map((i) => `${data}/base.part${i}.fvecs`));
  const qs = await readVectors(`${data}/query.fvecs`);
  const nq = Math.min(teacherQ, qs.n), dim = base.dim, n = Math.min(base.n, 50000);
  const b = base.data.subarray(0, n * dim), q = qs.data.subarray(0, nq * dim);
  const tt: Record<string, number[]> = { old: [], new: [] };
  let same = true;
  for (let r = 0; r < Math.max(1, reps - 1); r++) {
    let t0 = performance.now();
    const a = await withOld(() => baseExact(baseEngine, b, n, q, nq, dim, 100, 'ip'));
    tt.old!.push(performance.now() - t0);
    t0 = performance.now();
    const c = await exactSearch(engine, b, n, q, nq, dim, 100, 'ip');
    tt.new!.push(performance.now() - t0);
    same &&= a.ids.every((v: number, i: number) => v === c.ids[i]);
  }
  console.log(`teacher exactSearch ${nq} x ${n} x ${dim} k 100: old ${med(tt.old!).toFixed(0)} ms, new ${med(tt.new!).toFixed(0)} ms, ratio ${(med(tt.old!) / med(tt.new!)).toFixed(2)}; same ids: ${same}`);
}
if (baseEngine !== engine) baseEngine.dispose();
engine.dispose();
