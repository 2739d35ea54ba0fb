// KNOB experiment runner (temporary): variants of topk on the same data, interleaved, medians and ratios to the first.
import { pathToFileURL } from 'node:url';
const rows = Number(process.env.ROWS ?? 3000), n = 50000, k = 100, reps = Number(process.env.REPS ?? 5);
const variants = JSON.parse(process.env.V); // [{name, dist, knobs}]
const mods = {};
for (const v of variants) if (!mods[v.dist]) mods[v.dist] = { api: await import(pathToFileURL(v.dist + '/index.js').href), topk: (await import(pathToFileURL(v.dist + '/kernels/topk.js').href)).topk, probes: await import(pathToFileURL(v.dist + '/kernels/probes.js').href) };
const { mulberry32, uniformF32 } = await import(pathToFileURL('/work/wt/h1/dist/bench/random.js').href);
const m0 = mods[variants[0].dist];
const e = await m0.api.createEngine();
const groupRows = Math.max(1, Math.min(rows, Math.floor(Math.min(e.maxBinding, e.limits.maxBufferSize) / (n * 4))));
const vals = uniformF32(mulberry32(12345), groupRows * n);
for (const d of Object.keys(mods)) { const m = mods[d]; m.e = d === variants[0].dist ? e : await m.api.createEngine(); m.vb = m.e.upload(vals); m.ov = m.e.buffer(groupRows * k * 4); m.oi = m.e.buffer(groupRows * k * 4); }
const pn = Math.floor(Math.min(e.maxBinding, 256 * 2 ** 20) / 16);
const px = e.upload(new Float32Array(pn * 4).fill(1)), po = e.buffer(4096 * 4);
const run = async (v) => {
  globalThis.__tk = v.knobs;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const m = mods[v.dist];
  for (let r0 = 0; r0 < rows; r0 += groupRows) m.topk(m.e, m.vb.slice(0, Math.min(groupRows, rows - r0) * n * 4), m.ov, m.oi, Math.min(groupRows, rows - r0), n, k, true, undefined, { kernel: 'stream' });
  await m.e.read(m.oi, Int32Array, 0, 4);
  globalThis.__tk = undefined;
  const c = process.cpuUsage(c0);
  (v.cpu ??= []).push((c.user + c.system) / 1000);
  return performance.now() - t0;
};
const pc = [];
const probe = async () => { const c0 = process.cpuUsage(); const t0 = performance.now(); m0.probes.probeStream(e, 'vec4', px, po, pn, 4096); await e.read(po, Float32Array, 0, 4); const c = process.cpuUsage(c0); pc.push((c.user + c.system) / 1000); return performance.now() - t0; };
for (const v of variants) { v.t = []; await run(v); }
const p = []; await probe();
for (let i = 0; i < reps; i++) { for (const v of variants) v.t.push(await run(v)); p.push(await probe()); }
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
const pr = pn * 16 / med(p) / 1e6;
const prc = pn * 16 / med(pc) / 1e6;
console.log(`rows ${rows} reps ${reps}; probe stream-vec4 ${pr.toFixed(2)} GB/s wall, ${prc.toFixed(2)} GB/s of CPU time`);
for (const v of variants) {
  const g = rows * n * 4 / med(v.t) / 1e6;
  const gc = rows * n * 4 / med(v.cpu) / 1e6;
  const pairedC = v.cpu.slice(1).map((t, i) => t / variants[0].cpu[i + 1]);
  console.log(`${v.name.padEnd(12)} wall ${med(v.t).toFixed(1)} ms ${(100 * g / pr).toFixed(1)}% ratio ${(med(v.t) / med(variants[0].t)).toFixed(3)} | cpu ${med(v.cpu).toFixed(1)} ms ${(100 * gc / prc).toFixed(1)}% ratio ${(med(v.cpu) / med(variants[0].cpu)).toFixed(3)} paired-med ${med(pairedC).toFixed(3)} [${pairedC.map((x) => x.toFixed(2)).join(' ')}]`);
}
e.dispose(); process.exit(0);
