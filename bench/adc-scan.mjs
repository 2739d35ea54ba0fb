#!/usr/bin/env node
// Micro-benchmark of the search-side kernels on random data (no index, no recall): adcScan (two-pass and
// fused) with its top-k, adcLut and the coarse top-nprobe, at IVF256,PQ32x8 / nprobe 32 / 512-d sizes.
// Usage: npm run build && node bench/adc-scan.mjs [--nq 3000] [--k 10,100] [--reps 2] [--fused]
// (DIST=/other/dist picks another build.) Prints wall and process CPU time per batch of queries.
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = process.env.DIST ?? join(root, 'dist');
const load = (p) => import(pathToFileURL(join(dist, p)).href);
const { createEngine, adcScan, adcLut, topk } = await load('index.js');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };

const nq = Number(arg('nq', 3000)), reps = Number(arg('reps', 2)), ks = arg('k', '10,100').split(',').map(Number);
const nprobe = 32, nlist = 256, m = 32, bits = 8, N = 50000, ksub = 256, d = 512;
let seed = 12345;
const r = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296; };
const e = await createEngine();
console.log(`${e.adapterName}; nq ${nq}, nprobe ${nprobe}, nlist ${nlist}, PQ${m}x${bits}, ${N} vectors (list sizes uneven)`);
const weights = Array.from({ length: nlist }, () => 0.5 + r());
const tot = weights.reduce((a, b) => a + b, 0);
const listOffsets = new Uint32Array(nlist + 1);
for (let l = 0, acc = 0; l < nlist; l++) { listOffsets[l] = Math.round(acc); acc += (weights[l] / tot) * N; }
listOffsets[nlist] = N;
const probes = new Int32Array(nq * nprobe);
for (let q = 0; q < nq; q++) {
  const o = Array.from({ length: nlist }, (_, i) => i);
  for (let i = nlist - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [o[i], o[j]] = [o[j], o[i]]; }
  for (let p = 0; p < nprobe; p++) probes[q * nprobe + p] = o[p];
}
const B = {
  lut: e.upload(Float32Array.from({ length: nq * m * ksub }, () => r() - 0.5)),
  probes: e.upload(probes),
  coarse: e.upload(Float32Array.from({ length: nq * nprobe }, () => r())),
  listOffsets: e.upload(listOffsets),
  codes: e.upload(Uint32Array.from({ length: N * 8 }, () => Math.floor(r() * 4294967296))),
  ids: e.upload(Int32Array.from({ length: N }, (_, i) => i)),
};
async function time(label, f) {
  f(); await e.sync();
  const t0 = performance.now(), c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) f();
  await e.sync();
  const c = process.cpuUsage(c0);
  console.log(`${label.padEnd(34)} ${((performance.now() - t0) / reps).toFixed(0).padStart(6)} ms wall ${((c.user + c.system) / 1000 / reps).toFixed(0).padStart(6)} ms cpu`);
}
for (const k of ks) {
  const outScores = e.buffer(nq * k * 4), outIds = e.buffer(nq * k * 4);
  const args = { ...B, outScores, outIds, nq, nprobe, nlist, m, bits, k, metric: 'ip' };
  await time(`adcScan two-pass k=${k}`, () => adcScan(e, { ...args, hostListOffsets: listOffsets }));
  if (process.argv.includes('--fused')) await time(`adcScan fused k=${k}`, () => adcScan(e, args));
  outScores.dispose(); outIds.dispose();
}
const qb = e.upload(Float32Array.from({ length: nq * d }, () => r() - 0.5));
const cb = e.upload(Float32Array.from({ length: m * ksub * (d / m) }, () => r() - 0.5));
const lutOut = e.buffer(nq * m * ksub * 4);
await time(`adcLut (dsub ${d / m})`, () => adcLut(e, qb, cb, lutOut, nq, m, ksub, d / m));
const coarseScores = e.upload(Float32Array.from({ length: nq * nlist }, () => r()));
const ov = e.buffer(nq * nprobe * 4), oi = e.buffer(nq * nprobe * 4);
await time(`topk coarse (n ${nlist}, k ${nprobe})`, () => topk(e, coarseScores, ov, oi, nq, nlist, nprobe, true));
e.dispose();
