#!/usr/bin/env node
// Interleaved A/B of two builds' scores() (dense products, src/kernels/scores.ts) on random data, with the vec4 FMA
// probe (probe:fma-vec4) run interleaved in the same process: per case the median wall ms per call (run + sync) of
// A and B, the B/A ratio, each side's share of the FMA probe's rate (GPU time of the probe's dispatch), the same for
// GPU timestamps of the dispatches (the basis of `bench kernels`; copies into textures are not timed) and process CPU
// time, and whether both builds give the same bits.
// Usage: npm run build && node bench/scores-ab.mjs --a OLD/dist [--b dist] [--reps 7] [--opts-a JSON] [--opts-b JSON]
//        [--cases 3000x256x512x1,1024x16384x128x0]
import { arg, dists, median, lcg, loadAverage, loadBuilds } from './ab-builds.mjs';

const reps = Number(arg('reps', '7'));
const opts = { A: JSON.parse(arg('opts-a', '{}')), B: JSON.parse(arg('opts-b', '{}')) };
const cases = arg('cases', '3000x256x512x1,1024x16384x128x0').split(',').map((c) => c.split('x').map(Number));
const rnd = lcg();

const side = await loadBuilds({ sc: 'kernels/scores.js', pr: 'kernels/probes.js' }, { profile: true });
console.log(`A ${dists.A}\nB ${dists.B}\n${reps} interleaved repeats; load ${loadAverage()}`);
const P_THREADS = 256 * 2048, P_ITERS = 256, P_FLOPS = 32 * P_THREADS * P_ITERS;
try {
  const pout = side.A.engine.buffer(P_THREADS * 4);
  const probe = async () => {
    await side.A.engine.profiler?.results(true);
    const t0 = performance.now();
    side.A.pr.probeFma(side.A.engine, pout, P_THREADS, P_ITERS, 0.999, 0.001);
    await side.A.engine.sync();
    const ks = (await side.A.engine.profiler?.results(true)) ?? [];
    return ks.length ? ks.reduce((sum, k) => sum + k.totalNs, 0) / 1e6 : performance.now() - t0;
  };
  await probe();
  for (const [nq, n, d, metric] of cases) {
    const q = Float32Array.from({ length: nq * d }, rnd), x = Float32Array.from({ length: n * d }, rnd);
    const bufs = {}, times = { A: [], B: [], P: [] }, cpu = { A: [], B: [] }, gpu = { A: [], B: [] }, out = {};
    for (const [s, { engine }] of Object.entries(side)) bufs[s] = { q: engine.upload(q), x: engine.upload(x), o: engine.buffer(nq * n * 4) };
    for (let i = 0; i <= reps; i++) {
      for (const s of ['A', 'B']) {
        const { sc, engine } = side[s], b = bufs[s];
        await engine.profiler?.results(true);
        const t0 = performance.now(), c0 = process.cpuUsage();
        sc.scores(engine, b.q, b.x, b.o, nq, n, d, metric, opts[s]);
        await engine.sync();
        const c = process.cpuUsage(c0);
        if (i > 0) { times[s].push(performance.now() - t0); cpu[s].push((c.user + c.system) / 1e3); } // the first call compiles
        const ks = (await engine.profiler?.results(true)) ?? [];
        if (i > 0 && ks.length) gpu[s].push(ks.reduce((sum, k) => sum + k.totalNs, 0) / 1e6);
        if (i === reps) out[s] = await engine.read(b.o, Uint32Array);
      }
      if (i > 0) times.P.push(await probe());
    }
    const same = out.A.every((e, i) => e === out.B[i]);
    const a = median(times.A), b = median(times.B), p = median(times.P);
    const flops = 2 * nq * n * d, probeRate = P_FLOPS / p / 1e6;
    const share = (ms) => `${(flops / ms / 1e6).toFixed(1)} GFLOP/s = ${(100 * (flops / ms / 1e6) / probeRate).toFixed(0)}%`;
    console.log(`${nq}x${n}x${d} ${metric ? 'l2' : 'ip'}: A ${a.toFixed(1)} ms (${share(a)}), B ${b.toFixed(1)} ms (${share(b)}), B/A ${(b / a).toFixed(3)} (GPU ms of the dispatches, copies not timed: A ${median(gpu.A).toFixed(1)} (${share(median(gpu.A))}), B ${median(gpu.B).toFixed(1)} (${share(median(gpu.B))}), B/A ${(median(gpu.B) / median(gpu.A)).toFixed(3)}; CPU ms A ${median(cpu.A).toFixed(0)}, B ${median(cpu.B).toFixed(0)}, B/A ${(median(cpu.B) / median(cpu.A)).toFixed(3)}); probe ${probeRate.toFixed(1)} GFLOP/s; bits ${same ? 'same' : 'DIFFER'}`);
    for (const s of ['A', 'B']) for (const v of Object.values(bufs[s])) v.dispose();
  }
} finally {
  for (const s of Object.values(side)) s.engine.dispose();
}
