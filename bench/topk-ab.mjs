#!/usr/bin/env node
// A/B timing of topk (the first pass: topk_stream on long rows) between two builds in one process, interleaved
// (A B A B ..., medians and their ratio), beside the streaming-read probe (probe:stream-vec4) measured in the
// same run, so that each time is also stated as a share of the streaming-read bound.
// Usage: npm run build && OLD=/path/to/old/dist (e.g. /work/base0/dist) node bench/topk-ab.mjs [--rows 3000] [--n 50000] [--k 100]
//   [--reps 5] [--order random|blocks|lists] (rows of 32 blocks, each a little worse than the one before, like
//   ADC candidate rows of probed lists nearest first; blocks: each block also sorted best-first; lists: not)
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const rows = Number(arg('rows', 3000)), n = Number(arg('n', 50000)), k = Number(arg('k', 100));
const reps = Number(arg('reps', 5)), order = arg('order', 'random');
const load = async (dist) => ({
  api: await import(pathToFileURL(join(dist, 'index.js')).href),
  topk: (await import(pathToFileURL(join(dist, 'kernels/topk.js')).href)).topk,
  probes: await import(pathToFileURL(join(dist, 'kernels/probes.js')).href),
});
const builds = [['new', await load(process.env.NEW ?? join(root, 'dist'))]];
if (process.env.OLD) builds.unshift(['old', await load(process.env.OLD)]);
// MORE=name=dist[@kernel[@group]],...: further builds in the same interleaving (variants of one change; @select or
// @stream: that topk kernel choice, else 'auto'; @group: topk_stream's workgroups, subgroup / 8 / 64, else 'auto')
for (const m of (process.env.MORE ?? '').split(',').filter(Boolean)) {
  const [name, spec] = m.split('='), [dist, kernel, group] = spec.split('@');
  builds.push([name, { ...(await load(dist)), kernel: kernel || undefined, group: group === undefined || group === 'subgroup' || group === 'auto' ? group : Number(group) }]);
}

const { mulberry32, uniformF32 } = await import(pathToFileURL(join(root, 'dist/bench/random.js')).href);
// rows of the values; the same row data repeated over groups that fit one binding
const e0 = await builds[0][1].api.createEngine();
const groupRows = Math.max(1, Math.min(rows, Math.floor(Math.min(e0.maxBinding, e0.limits.maxBufferSize) / (n * 4))));
e0.dispose();
const vals = uniformF32(mulberry32(12345), groupRows * n); // as `bench kernels` makes them
if (order === 'blocks' || order === 'lists') {
  const bl = Math.ceil(n / 32);
  for (let row = 0; row < groupRows; row++) {
    for (let b0 = 0; b0 < n; b0 += bl) {
      const s = vals.subarray(row * n + b0, row * n + Math.min(n, b0 + bl));
      if (order === 'blocks') s.sort().reverse();
      const shift = (b0 / bl) * (order === 'blocks' ? 0.02 : 0.0625); // later blocks worse (lists further away)
      for (let i = 0; i < s.length; i++) s[i] -= shift;
    }
  }
}
const runs = [];
for (const [name, b] of builds) {
  const e = await b.api.createEngine();
  const v = e.upload(vals), ov = e.buffer(groupRows * k * 4), oi = e.buffer(groupRows * k * 4);
  const pn = Math.floor(Math.min(e.maxBinding, 256 * 2 ** 20) / 16);
  const px = e.upload(new Float32Array(pn * 4).fill(1)), po = e.buffer(4096 * 4);
  const topkRun = async () => {
    for (let r0 = 0; r0 < rows; r0 += groupRows) b.topk(e, v.slice(0, Math.min(groupRows, rows - r0) * n * 4), ov, oi, Math.min(groupRows, rows - r0), n, k, true, undefined, { kernel: b.kernel ?? 'auto', ...(b.group !== undefined ? { streamGroup: b.group } : {}) });
    await e.read(oi, Int32Array, 0, 4);
  };
  const probeRun = async () => { b.probes.probeStream(e, 'vec4', px, po, pn, 4096); await e.read(po, Float32Array, 0, 4); };
  runs.push({ name, e, topkRun, probeRun, t: [], p: [], c: [], pc: [], pn });
}
// wall time, and the process's CPU time (lavapipe's threads run in it): under load the CPU time is the steadier
const time = async (f, cpu) => {
  const c0 = process.cpuUsage(), t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  return performance.now() - t0;
};
for (const x of runs) { await x.topkRun(); await x.probeRun(); } // warm up (pipelines)
for (let i = 0; i < reps; i++) {
  for (const x of runs) { x.t.push(await time(x.topkRun, x.c)); x.p.push(await time(x.probeRun, x.pc)); }
}
const med = (a) => { const s = [...a].sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };
console.log(`topk rows ${rows} n ${n} k ${k} (${order}), ${reps} interleaved reps`);
for (const x of runs) {
  const gbps = (rows * n * 4) / med(x.t) / 1e6, probe = (x.pn * 16) / med(x.p) / 1e6;
  console.log(`${x.name}: topk ${med(x.t).toFixed(1)} ms (${gbps.toFixed(2)} GB/s), probe stream-vec4 ${probe.toFixed(2)} GB/s -> ${(100 * gbps / probe).toFixed(1)}% of stream; all ${x.t.map((t) => t.toFixed(0)).join(' ')}`);
}
for (const x of runs.slice(1)) console.log(`${x.name}/${runs[0].name} time ratio ${(med(x.t) / med(runs[0].t)).toFixed(3)}; per-rep ratios ${x.t.map((t, i) => (t / runs[0].t[i]).toFixed(2)).join(' ')}`);
for (const x of runs) {
  const gbps = (rows * n * 4) / med(x.c) / 1e6, probe = (x.pn * 16) / med(x.pc) / 1e6;
  console.log(`${x.name} by CPU time: topk ${med(x.c).toFixed(1)} ms, ${(100 * gbps / probe).toFixed(1)}% of the probe's rate by CPU time`);
}
for (const x of runs.slice(1)) console.log(`${x.name}/${runs[0].name} CPU time ratio ${(med(x.c) / med(runs[0].c)).toFixed(3)}; per-rep ratios ${x.c.map((t, i) => (t / runs[0].c[i]).toFixed(2)).join(' ')}`);
for (const x of runs) x.e.dispose();
process.exit(0);
