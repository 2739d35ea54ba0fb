#!/usr/bin/env node
// A/B of topk between builds by process CPU time (user + sys) as well as wall time, interleaved (A B A B ...),
// medians and paired ratios, beside probe:stream-vec4's CPU time; also checks that every build returns the first
// build's ids. On a loaded machine CPU time moves far less than wall time; run with LP_NUM_THREADS=1 so that the
// shader runs on one lavapipe thread.
// Usage: npm run build && LP_NUM_THREADS=1 DISTS=old=/path/to/old/dist,new=dist [ROWS=1000] [N=50000] [K=100]
//   [REPS=9] node bench/topk-cpu-ab.mjs
import { pathToFileURL } from 'node:url';
const rows = Number(process.env.ROWS ?? 1000), n = Number(process.env.N ?? 50000), k = Number(process.env.K ?? 100), reps = Number(process.env.REPS ?? 9);
const builds = [];
for (const m of process.env.DISTS.split(',')) {
  const [name, dist] = m.split('=');
  const api = await import(pathToFileURL(dist + '/index.js').href);
  const { topk } = await import(pathToFileURL(dist + '/kernels/topk.js').href);
  const probes = await import(pathToFileURL(dist + '/kernels/probes.js').href);
  builds.push({ name, api, topk, probes, t: [], c: [], pc: [] });
}
const e0 = await builds[0].api.createEngine();
const gr = Math.min(rows, Math.floor(e0.maxBinding / (n * 4))); e0.dispose();
const { mulberry32, uniformF32 } = await import(pathToFileURL(new URL('../dist/bench/random.js', import.meta.url).pathname).href);
const vals = uniformF32(mulberry32(12345), gr * n); // as `bench kernels` makes them
for (const b of builds) {
  const e = b.e = await b.api.createEngine();
  const v = e.upload(vals), ov = e.buffer(gr * k * 4), oi = e.buffer(gr * k * 4);
  const pn = Math.floor(Math.min(e.maxBinding, 256 * 2 ** 20) / 16); b.pn = pn;
  const px = e.upload(new Float32Array(pn * 4).fill(1)), po = e.buffer(4096 * 4);
  b.run = async () => { for (let r0 = 0; r0 < rows; r0 += gr) b.topk(e, v.slice(0, Math.min(gr, rows - r0) * n * 4), ov, oi, Math.min(gr, rows - r0), n, k, true); b.ids = await e.read(oi, Int32Array, 0, gr * k); };
  b.probe = async () => { b.probes.probeStream(e, 'vec4', px, po, pn, 4096); await e.read(po, Float32Array, 0, 4); };
  await b.run(); await b.probe();
}
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const meas = async (f) => { const c0 = cpu(), t0 = performance.now(); await f(); return [performance.now() - t0, cpu() - c0]; };
for (let i = 0; i < reps; i++) for (const b of builds) { const [t, c] = await meas(b.run); b.t.push(t); b.c.push(c); const [, pc] = await meas(b.probe); b.pc.push(pc); }
const med = (a) => { const x = [...a].sort((p, q) => p - q); return x[Math.floor(x.length / 2)]; };
for (const b of builds) {
  const same = b.ids.every((x, i) => x === builds[0].ids[i]);
  const gb = rows * n * 4 / med(b.c) / 1e6, pgb = b.pn * 16 / med(b.pc) / 1e6;
  console.log(`${b.name}: wall ${med(b.t).toFixed(0)} cpu ${med(b.c).toFixed(0)} ms (min ${Math.min(...b.c).toFixed(0)}); probe cpu ${med(b.pc).toFixed(0)} ms; cpu-share of stream ${(100 * gb / pgb).toFixed(1)}%; same ids ${same}`);
}
for (const b of builds.slice(1)) { const r = b.c.map((c, i) => c / builds[0].c[i]); console.log(`${b.name}/${builds[0].name} cpu ratio ${(med(b.c) / med(builds[0].c)).toFixed(3)} paired-median ${med(r).toFixed(3)} wins ${r.filter((x) => x < 1).length}/${r.length}`); }
process.exit(0);
