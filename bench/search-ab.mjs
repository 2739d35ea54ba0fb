#!/usr/bin/env node
// Interleaved A/B of two builds' search on one cached index (no training, no Faiss): the same queries through
// build A and build B in turn (A B A B ...), median times, the B/A speed ratio, recall@10/100, and whether the two
// builds return the same ids. For judging a search change on a shared, noisy machine.
// Usage: node bench/search-ab.mjs --a OLD/dist --b dist [--index bench/cache/kmeans-IVF256-PQ64x4-opq.dvq]
//        [--data DIR] [--nprobe 8,32,128] [--reps 5] [--k 100] [--profile (GPU time per kernel, each side's last run)]
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const dists = { A: resolve(arg('a', join(root, 'dist'))), B: resolve(arg('b', join(root, 'dist'))) };
const indexPath = arg('index', join(root, 'bench/cache/kmeans-IVF256-PQ64x4-opq.dvq'));
const dataDir = arg('data', join(root, '..', 'shared', 'data', 'wordnet-use-lite-512-ip'));
const nprobes = arg('nprobe', '8,32,128').split(',').map(Number);
const reps = Number(arg('reps', '5')), k = Number(arg('k', '100')), profile = process.argv.includes('--profile');
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const side = {};
for (const [name, dist] of Object.entries(dists)) {
  const lib = await import(pathToFileURL(join(dist, 'index.js')).href);
  const engine = await lib.createEngine({ profile });
  side[name] = { lib, engine, index: await lib.IvfPqIndex.load(engine, indexPath) };
}
const { readVectors, readIntVectors, recallAtK } = side.A.lib;
const meta = JSON.parse(readFileSync(join(dataDir, 'dataset.json'), 'utf8'));
const queries = await readVectors(join(dataDir, meta.query_file));
const gt = await readIntVectors(join(dataDir, meta.groundtruth_file));
console.log(`A ${dists.A}\nB ${dists.B}\nindex ${indexPath}; ${queries.n} queries, k ${k}, ${reps} interleaved repeats`);
try {
  for (const s of Object.values(side)) await s.index.search(queries.data.subarray(0, 64 * queries.dim), { k, nprobe: nprobes[0] });
  for (const nprobe of nprobes) {
    const times = { A: [], B: [] }, res = {};
    for (let i = 0; i < reps; i++) {
      for (const name of ['A', 'B']) {
        if (profile) await side[name].engine.profiler?.results(true);
        const t0 = performance.now();
        res[name] = await side[name].index.search(queries.data, { k, nprobe });
        times[name].push((performance.now() - t0) / 1000);
      }
    }
    let diff = 0;
    for (let i = 0; i < res.A.ids.length; i++) if (res.A.ids[i] !== res.B.ids[i]) diff++;
    const qps = (n) => queries.n / median(times[n]);
    const rec = (n, at) => recallAtK(res[n].ids, k, gt.data, gt.dim, queries.n, at).toFixed(4);
    if (profile) for (const name of ['A', 'B']) {
      const ks = (await side[name].engine.profiler?.results(true)) ?? [];
      ks.sort((x, y) => y.totalNs - x.totalNs);
      console.log(`  ${name} GPU ms per kernel: ${ks.map((x) => `${x.name} ${(x.totalNs / 1e6).toFixed(0)} (${x.count})`).join(', ')}`);
    }
    console.log(`nprobe ${nprobe}: A ${qps('A').toFixed(0)} q/s, B ${qps('B').toFixed(0)} q/s, B/A ${(qps('B') / qps('A')).toFixed(3)}; ` +
      `R@10 A ${rec('A', 10)} B ${rec('B', 10)}${k >= 100 ? `, R@100 A ${rec('A', 100)} B ${rec('B', 100)}` : ''}; ids differing ${diff} of ${res.A.ids.length}`);
  }
} finally {
  for (const s of Object.values(side)) { s.index.dispose(); s.engine.dispose(); }
}
