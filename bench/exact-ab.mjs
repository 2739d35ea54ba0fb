#!/usr/bin/env node
// Interleaved A/B of two builds' exact search (the distillation teacher: exact top-k by inner product of the
// first --nq queries over the whole base set), the same inputs through build A and build B in turn (A B A B ...):
// median wall seconds and process CPU seconds (lavapipe's worker threads run in this process, so on a loaded
// machine the CPU time is the steadier measure of the work), the B/A ratios, whether the two builds return the same ids and scores, and with --profile the GPU
// time per kernel of each side's last run.
// Usage: npm run build && node bench/exact-ab.mjs --a OLD/dist [--b dist] [--data DIR] [--nq 2000] [--k 100]
//        [--reps 5] [--metric ip|l2] [--profile]
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const dists = { A: resolve(arg('a', join(root, 'dist'))), B: resolve(arg('b', join(root, 'dist'))) };
const dataDir = arg('data', join(root, '..', 'shared', 'data', 'wordnet-use-lite-512-ip'));
const nqWant = Number(arg('nq', '2000')), k = Number(arg('k', '100')), reps = Number(arg('reps', '5'));
const metric = arg('metric', 'ip'), profile = process.argv.includes('--profile');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const side = {};
for (const [name, dist] of Object.entries(dists)) {
  const lib = await import(pathToFileURL(join(dist, 'index.js')).href);
  side[name] = { lib, engine: await lib.createEngine({ profile }) };
}
const { readVectors } = side.A.lib;
const meta = JSON.parse(readFileSync(join(dataDir, 'dataset.json'), 'utf8'));
const parts = [];
for (const f of meta.base_files) parts.push((await readVectors(join(dataDir, f.file))).data);
const dim = meta.dim, n = parts.reduce((s, p) => s + p.length, 0) / dim;
const base = new Float32Array(n * dim);
{ let at = 0; for (const p of parts) { base.set(p, at); at += p.length; } }
const q = await readVectors(join(dataDir, meta.query_file));
const nq = Math.min(nqWant, q.n), queries = q.data.subarray(0, nq * dim);
console.log(`A ${dists.A}\nB ${dists.B}\n${nq} queries x ${n} base x ${dim}, k ${k}, ${metric}, ${reps} interleaved repeats`);
try {
  for (const s of Object.values(side)) await s.lib.exactSearch(s.engine, base, n, queries.subarray(0, 64 * dim), 64, dim, k, metric); // pipelines
  const times = { A: [], B: [] }, cpu = { A: [], B: [] }, res = {};
  for (let i = 0; i < reps; i++) {
    for (const name of ['A', 'B']) {
      const s = side[name];
      if (profile) await s.engine.profiler?.results(true);
      const t0 = performance.now(), c0 = process.cpuUsage();
      res[name] = await s.lib.exactSearch(s.engine, base, n, queries, nq, dim, k, metric);
      const c = process.cpuUsage(c0);
      times[name].push((performance.now() - t0) / 1000);
      cpu[name].push((c.user + c.system) / 1e6);
    }
    console.log(`  rep ${i}: A ${times.A[i].toFixed(3)} s (CPU ${cpu.A[i].toFixed(2)}), B ${times.B[i].toFixed(3)} s (CPU ${cpu.B[i].toFixed(2)})`);
  }
  let diffIds = 0, diffScores = 0;
  for (let i = 0; i < res.A.ids.length; i++) {
    if (res.A.ids[i] !== res.B.ids[i]) diffIds++;
    if (!Object.is(res.A.scores[i], res.B.scores[i])) diffScores++;
  }
  if (profile) for (const name of ['A', 'B']) {
    const ks = (await side[name].engine.profiler?.results(true)) ?? [];
    ks.sort((x, y) => y.totalNs - x.totalNs);
    console.log(`  ${name} GPU ms per kernel: ${ks.map((x) => `${x.name} ${(x.totalNs / 1e6).toFixed(0)} (${x.count})`).join(', ')}`);
  }
  const mA = median(times.A), mB = median(times.B), cA = median(cpu.A), cB = median(cpu.B);
  console.log(`median wall A ${mA.toFixed(3)} s, B ${mB.toFixed(3)} s, B/A ${(mB / mA).toFixed(3)}; median CPU A ${cA.toFixed(2)} s, B ${cB.toFixed(2)} s, B/A ${(cB / cA).toFixed(3)}; ids differing ${diffIds}, scores differing ${diffScores} of ${res.A.ids.length}`);
} finally {
  for (const s of Object.values(side)) s.engine.dispose();
}
