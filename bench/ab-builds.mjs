// The pieces the interleaved A/B scripts (bench/*-ab.mjs) share: command-line options, the two builds under test
// (--a and --b, each a built dist/ folder, default this checkout's), medians, a seeded generator, the load average.
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import os from 'node:os';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The value after `--name` on the command line, or `dflt`. */
export const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };

/** The builds to compare: { A: dir, B: dir } from --a and --b. */
export const dists = { A: resolve(arg('a', join(root, 'dist'))), B: resolve(arg('b', join(root, 'dist'))) };

export const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** A linear congruential generator of values in [-0.5, 0.5), the same sequence in every script for one seed. */
export function lcg(seed = 12345) {
  return () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32 - 0.5; };
}

export const loadAverage = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');

/**
 * Each build's modules: { A: { lib, [name]: module..., engine }, B: ... }, where `modules` maps a name to a path
 * under dist/ (e.g. { pq: 'kernels/pq.js' }) and the engine is the build's createEngine(engineOptions).
 */
export async function loadBuilds(modules, engineOptions = {}) {
  const side = {};
  for (const [name, dist] of Object.entries(dists)) {
    const lib = await import(pathToFileURL(join(dist, 'index.js')).href);
    const s = { lib };
    for (const [key, path] of Object.entries(modules)) s[key] = await import(pathToFileURL(join(dist, path)).href);
    s.engine = await lib.createEngine(engineOptions);
    side[name] = s;
  }
  return side;
}
