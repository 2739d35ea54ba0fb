#!/usr/bin/env node
// Interleaved A/B of two builds' IVFPQ training (index.train) on the same data: the same index (IVF<nlist>,PQ<m>x8,
// inner product by default) trained by build A and build B in turn (A B A B ...), median seconds, the B/A ratio,
// the process's CPU seconds per training (lavapipe runs in-process; less disturbed by other load than wall time),
// and whether the two builds learned the same centroids and codebooks bit for bit. For judging a k-means change on
// a shared, noisy machine.
// Usage: node bench/train-ab.mjs --a OLD/dist --b dist [--data DIR] [--rows 20000] [--nlist 256] [--m 32]
//        [--reps 3] [--metric ip] [--profile (GPU time per kernel, each side's last run)]
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const dists = { A: resolve(arg('a', join(root, 'dist'))), B: resolve(arg('b', join(root, 'dist'))) };
const dataDir = arg('data', join(root, '..', 'shared', 'data', 'wordnet-use-lite-512-ip'));
const nlist = Number(arg('nlist', '256')), m = Number(arg('m', '32')), reps = Number(arg('reps', '3'));
const metric = arg('metric', 'ip'), profile = process.argv.includes('--profile');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const same = (a, b) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const side = {};
for (const [name, dist] of Object.entries(dists)) {
  const lib = await import(pathToFileURL(join(dist, 'index.js')).href);
  side[name] = { lib, engine: await lib.createEngine({ profile }) };
}
const meta = JSON.parse(readFileSync(join(dataDir, 'dataset.json'), 'utf8'));
const base = await side.A.lib.readVectors(meta.base_files.map((f) => join(dataDir, f.file)));
const rows = Math.min(base.n, Number(arg('rows', String(base.n))));
const data = base.data.subarray(0, rows * base.dim);
console.log(`A ${dists.A}\nB ${dists.B}\nIVF${nlist},PQ${m}x8 ${metric} on ${rows} x ${base.dim}; ${reps} interleaved repeats; load ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);

const times = { A: [], B: [] }, cpu = { A: [], B: [] }, params = {};
try {
  for (let i = 0; i < reps; i++) {
    for (const name of ['A', 'B']) {
      const { lib, engine } = side[name];
      if (profile) await engine.profiler?.results(true);
      const index = new lib.IvfPqIndex(engine, { dim: base.dim, nlist, m, bits: 8, metric });
      const t0 = performance.now(), c0 = process.cpuUsage();
      await index.train(data, { seed: 1234 });
      times[name].push((performance.now() - t0) / 1000);
      const c = process.cpuUsage(c0);
      cpu[name].push((c.user + c.system) / 1e6);
      const p = index.parameters();
      params[name] = { centroids: p.centroids.values, codebooks: p.codebooks.values };
      index.dispose();
      console.log(`  rep ${i} ${name} ${times[name].at(-1).toFixed(2)} s, ${cpu[name].at(-1).toFixed(2)} CPU-s`);
    }
  }
  if (profile) for (const name of ['A', 'B']) {
    const ks = (await side[name].engine.profiler?.results(true)) ?? [];
    ks.sort((x, y) => y.totalNs - x.totalNs);
    console.log(`  ${name} GPU ms per kernel (last run): ${ks.map((x) => `${x.name} ${(x.totalNs / 1e6).toFixed(0)} (${x.count})`).join(', ')}`);
  }
  const a = median(times.A), b = median(times.B), ca = median(cpu.A), cb = median(cpu.B);
  console.log(`train: A ${a.toFixed(2)} s, B ${b.toFixed(2)} s (medians), B/A ${(b / a).toFixed(3)}; CPU-s A ${ca.toFixed(2)}, B ${cb.toFixed(2)}, B/A ${(cb / ca).toFixed(3)}; ` +
    `centroids ${same(params.A.centroids, params.B.centroids) ? 'identical' : 'DIFFER'}, codebooks ${same(params.A.codebooks, params.B.codebooks) ? 'identical' : 'DIFFER'}; load ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);
} finally {
  for (const s of Object.values(side)) s.engine.dispose();
}
