// A k-means IVFPQ index on the benchmark data, trained once and cached under bench/cache (git-ignored), so
// the search and distillation benchmarks share it. The train/add times of the run that built it are kept.
// The cache is keyed by the dataset's name except for the default, wordnet-use-lite-512-ip (older cache names).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IvfPqIndex } from '../dist/index.js';

export const cacheDir = join(dirname(fileURLToPath(import.meta.url)), 'cache');

export const DEFAULT_DATASET = 'wordnet-use-lite-512-ip';

export async function kmeansStart(engine, base, { nlist, m, bits = 8, opq = false, metric = 'ip', dataset = DEFAULT_DATASET, fresh = false, onProgress }) {
  mkdirSync(cacheDir, { recursive: true });
  const prefix = dataset === DEFAULT_DATASET ? '' : `${dataset}-`;
  const path = join(cacheDir, `kmeans-${prefix}IVF${nlist}-PQ${m}x${bits}${opq ? '-opq' : ''}.dvq`);
  if (existsSync(path) && existsSync(path + '.json') && !fresh) {
    const t = JSON.parse(readFileSync(path + '.json', 'utf8'));
    return { index: await IvfPqIndex.load(engine, path), ...t, cached: true };
  }
  const index = new IvfPqIndex(engine, { dim: base.dim, nlist, m, bits, metric });
  let t0 = performance.now();
  await index.train(base.data, { seed: 1234, opq, onProgress });
  const trainSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await index.add(base.data, undefined, { onProgress });
  const addSeconds = (performance.now() - t0) / 1000;
  await index.save(path);
  writeFileSync(path + '.json', JSON.stringify({ trainSeconds, addSeconds, adapter: engine.adapterName, date: new Date().toISOString() }));
  return { index, trainSeconds, addSeconds, cached: false };
}
