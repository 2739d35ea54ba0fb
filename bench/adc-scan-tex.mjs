#!/usr/bin/env node
// A/B of the cutting 4-bit register-table scan (adcScan, two-pass, PQ64x4 by default) with the codes read from the
// storage buffer (adc_score4_cut) or from a texture (adc_score4_cut_tex, codesTexels), alternated in one process;
// checks both give the same ids and scores. Random data, uneven lists.
// Usage: npm run build && node bench/adc-scan-tex.mjs [--nq 1000] [--m 64] [--k 10] [--reps 5]
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { createEngine } = await load('index.js');
const { adcScan, codesTexels, codesTexelsFit } = await load('kernels/adc.js');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const nq = Number(arg('nq', 1000)), reps = Number(arg('reps', 5)), k = Number(arg('k', 10)), m = Number(arg('m', 64));
const nprobe = 32, nlist = 256, N = 50000, ksub = 16, wpv = Math.ceil(m / 8);
let seed = 12345;
const r = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296; };
const e = await createEngine();
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
const words = Uint32Array.from({ length: N * wpv }, () => Math.floor(r() * 4294967296));
console.log(`${e.adapterName}; nq ${nq}, nprobe ${nprobe}, nlist ${nlist}, PQ${m}x4, ${N} vectors, k ${k}; texels fit: ${codesTexelsFit(e, N, m)}`);
const B = {
  lut: e.upload(Float32Array.from({ length: nq * m * ksub }, () => r() - 0.5)),
  probes: e.upload(probes), coarse: e.upload(Float32Array.from({ length: nq * nprobe }, () => r())),
  listOffsets: e.upload(listOffsets), codes: e.upload(words), ids: e.upload(Int32Array.from({ length: N }, (_, i) => i)),
};
const tex = codesTexels(e, words, N, m);
const out = [0, 1].map(() => ({ outScores: e.buffer(nq * k * 4), outIds: e.buffer(nq * k * 4) }));
const args = { ...B, nq, nprobe, nlist, m, bits: 4, k, metric: 'ip', hostListOffsets: listOffsets };
const variants = [() => adcScan(e, { ...args, ...out[0] }), () => adcScan(e, { ...args, ...out[1], codesTex: tex })];
const ms = [[], []];
for (let rep = -1; rep < reps; rep++) {
  for (const v of rep % 2 ? [0, 1] : [1, 0]) {
    await e.sync();
    const t0 = performance.now(); variants[v](); await e.sync();
    if (rep >= 0) ms[v].push(performance.now() - t0);
  }
}
const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
const same = async (a, b) => { const [x, y] = [await e.read(a, Uint32Array), await e.read(b, Uint32Array)]; return x.length > 0 && x.every((v, i) => v === y[i]); };
console.log(`storage ${med(ms[0]).toFixed(0)} ms, texture ${med(ms[1]).toFixed(0)} ms (medians of ${reps}), ratio ${(med(ms[0]) / med(ms[1])).toFixed(2)}x; same ids ${await same(out[0].outIds, out[1].outIds)}, same scores ${await same(out[0].outScores, out[1].outScores)}`);
tex.dispose();
e.dispose();
