#!/usr/bin/env node
// Search latency benchmark: the demo index (loadDemoData(), IVF64,PQ32x8, inner product), nprobe 8, k 10.
// Times one search() call per batch size (1, 10, 100 queries by default) many times and reports p50 / p99,
// with the engine's dispatch and submit counts per call. Writes bench/results/latency.json and latency.md.
// Run it on a quiet machine: the load average at the start and the end is recorded in the files.
// Usage: npm run bench:latency [-- --batches 1,10,100] [--calls 200] [--nprobe 8] [--k 10]
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { createEngine, IvfPqIndex, loadDemoData } from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const batches = arg('batches', '1,10,100').split(',').map(Number);
const calls = Number(arg('calls', '200'));
const nprobe = Number(arg('nprobe', '8')), k = Number(arg('k', '10'));
const config = { nlist: 64, m: 32, bits: 8, metric: 'ip' };
const log = (s) => process.stderr.write(`[bench:latency] ${s}\n`);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

const loadStart = os.loadavg();
const demo = await loadDemoData();
const { base, queries } = demo;
log(`demo data: ${base.n} x ${base.dim} base, ${queries.n} queries; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
const engine = await createEngine();
const results = {
  index: `IVF${config.nlist},PQ${config.m}x${config.bits}`, metric: config.metric, n: base.n, dim: base.dim, nprobe, k, calls,
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, platform: `${os.platform()} ${os.release()}`, node: process.version },
  adapter: engine.adapterName, loadavgAtStart: loadStart, batches: [],
};
try {
  const index = new IvfPqIndex(engine, { dim: base.dim, ...config });
  await index.train(base.data, { seed: 1234 });
  await index.add(base.data);
  for (const nq of batches) {
    if (nq > queries.n) throw new Error(`batch ${nq} is larger than the ${queries.n} demo queries`);
    const batchCalls = nq >= 100 ? Math.max(20, Math.floor(calls / 4)) : calls;
    const times = [];
    for (let i = 0; i < 5; i++) await index.search(queries.data.subarray(0, nq * base.dim), { k, nprobe }); // warm
    const d0 = engine.dispatchCount, s0 = engine.submitCount, r0 = engine.readCount;
    for (let i = 0; i < batchCalls; i++) {
      const q0 = (i * nq) % (queries.n - nq + 1);
      const q = queries.data.subarray(q0 * base.dim, (q0 + nq) * base.dim);
      const t0 = performance.now();
      await index.search(q, { k, nprobe });
      times.push(performance.now() - t0);
    }
    const row = {
      nq, calls: batchCalls, p50ms: pct(times, 50), p99ms: pct(times, 99), meanms: times.reduce((a, b) => a + b, 0) / times.length,
      dispatchesPerCall: (engine.dispatchCount - d0) / batchCalls, submitsPerCall: (engine.submitCount - s0) / batchCalls, readsPerCall: (engine.readCount - r0) / batchCalls,
    };
    results.batches.push(row);
    log(`batch ${nq}: p50 ${row.p50ms.toFixed(2)} ms, p99 ${row.p99ms.toFixed(2)} ms, ${row.dispatchesPerCall} dispatches, ${row.submitsPerCall} submits, ${row.readsPerCall} readbacks per call`);
  }
  index.dispose();
} finally {
  engine.dispose();
}
results.loadavgAtEnd = os.loadavg();

mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/latency.json'), JSON.stringify(results, null, 2) + '\n');
const la = (xs) => xs.map((x) => x.toFixed(2)).join(', ');
let md = `# Search latency: one search() call\n\n`;
md += `Index: ${results.index} (${config.metric}) on the demo data (${results.n} x ${results.dim}), nprobe ${nprobe}, k ${k}. `;
md += `Each batch size is timed over many calls after 5 warm-up calls (pipelines compiled, lists on the GPU); the time is the wall clock of \`await index.search()\`.\n`;
md += `Machine: ${results.machine.cpus} cores (${results.machine.cpu}), ${results.machine.platform}, Node ${results.machine.node}. Adapter: ${results.adapter}.\n`;
md += `Load average at the start: ${la(results.loadavgAtStart)}; at the end: ${la(results.loadavgAtEnd)} (other jobs may share the cores).\n\n`;
md += `| queries per call | calls | p50 ms | p99 ms | mean ms | dispatches per call | submits per call | readbacks per call |\n|---|---|---|---|---|---|---|---|\n`;
for (const r of results.batches) md += `| ${r.nq} | ${r.calls} | ${r.p50ms.toFixed(2)} | ${r.p99ms.toFixed(2)} | ${r.meanms.toFixed(2)} | ${r.dispatchesPerCall} | ${r.submitsPerCall} | ${r.readsPerCall} |\n`;
writeFileSync(join(root, 'bench/results/latency.md'), md);
process.stdout.write(md);
