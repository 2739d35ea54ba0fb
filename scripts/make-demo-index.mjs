#!/usr/bin/env node
// Builds the demo page's index (npm run demo-index): IVF64,PQ32x8 (inner product) trained by k-means on the
// GPU (Node, Dawn) from the 8,000 demo base vectors (data/demo), all 8,000 added with ids 0..7999 (= rows of
// base.f16, so ids index base_texts.jsonl.gz and the ground truth). Writes a .dvq under dist/demo/ (generated,
// git-ignored, ~1 MB). Uses the compiled library in dist/ (`npm run build` first).
// An existing file that still decodes is kept; --force rebuilds it.
// Usage: node scripts/make-demo-index.mjs [--out dist/demo/demo-ivf64-pq32.dvq] [--force] [--quiet]
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEMO_INDEX = 'dist/demo/demo-ivf64-pq32.dvq';
export const DEMO_INDEX_PARAMS = { nlist: 64, m: 32, bits: 8, metric: 'ip', seed: 20261127 };

const lib = async (p) => {
  const file = join(root, 'dist', p);
  if (!existsSync(file)) throw new Error(`make-demo-index: ${file} is missing; run \`npm run build\` first`);
  return import(pathToFileURL(file).href);
};

/** Builds (or keeps) the demo index; returns its path and whether it was built now. */
export async function makeDemoIndex({ out = DEMO_INDEX, force = false, quiet = false } = {}) {
  const path = resolve(root, out);
  const { fromBytes } = await lib('index.js');
  if (!force && existsSync(path)) {
    try {
      const d = fromBytes(new Uint8Array(readFileSync(path)));
      if (d.nlist === DEMO_INDEX_PARAMS.nlist && d.m === DEMO_INDEX_PARAMS.m && d.listOffsets[d.nlist] === 8000) {
        if (!quiet) console.log(`make-demo-index: ${out} is up to date (--force rebuilds it)`);
        return { path, built: false };
      }
    } catch { /* unreadable: rebuild */ }
  }
  const { createEngine, loadDemoData, IvfPqIndex, formatProgress } = await lib('index.js');
  const t0 = performance.now();
  const demo = await loadDemoData();
  const engine = await createEngine();
  const { nlist, m, bits, metric, seed } = DEMO_INDEX_PARAMS;
  const index = new IvfPqIndex(engine, { dim: demo.base.dim, nlist, m, bits, metric });
  let last = 0;
  const onProgress = (p) => {
    if (quiet || performance.now() - last < 2000) return;
    last = performance.now();
    console.log(`make-demo-index: ${formatProgress(p)}`);
  };
  try {
    await index.train(demo.base.data, { seed, onProgress });
    await index.add(demo.base.data, undefined, { onProgress });
    mkdirSync(dirname(path), { recursive: true });
    await index.save(path);
    if (!quiet) {
      const bytes = readFileSync(path).byteLength;
      console.log(`make-demo-index: ${out} (IVF${nlist},PQ${m}x${bits} ${metric}, ${index.ntotal} vectors, ${(bytes / 1024).toFixed(0)} KiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${engine.adapterName}`);
    }
  } finally {
    index.dispose();
    engine.dispose();
  }
  return { path, built: true };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  try {
    await makeDemoIndex({ out: i >= 0 ? args[i + 1] : DEMO_INDEX, force: args.includes('--force'), quiet: args.includes('--quiet') });
    process.exit(0); // Dawn may keep the process alive
  } catch (e) {
    console.error(e.message ?? e);
    process.exit(1);
  }
}
