#!/usr/bin/env node
// Interleaved A/B of two builds' pqEncode (the kernel case pqEncodeCase: random residuals and codebooks, 8 bits)
// with the vec4 FMA probe of B's build run in the same loop: median wall seconds per call (dispatch + read back),
// the B/A ratio (and the median of the ratios of each repeat's adjacent A and B calls), the same in CPU seconds of the process (lavapipe's threads run in it; less disturbed by other load), each build's share of the probe's rate (work 2*n*m*ksub*dsub flops), and whether both builds
// give the same code bytes.
// Usage: node bench/pq-encode-ab.mjs --a OLD/dist --b dist [--n 50000] [--m 32] [--reps 5] [--dsubs 4,16] [--probe 0]
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { arg, dists, median, lcg, loadAverage as load, loadBuilds } from './ab-builds.mjs';

const n = Number(arg('n', '50000')), m = Number(arg('m', '32')), reps = Number(arg('reps', '5'));
const dsubs = arg('dsubs', '4,16').split(',').map(Number);
const withProbe = arg('probe', '1') !== '0';
const rnd = lcg();

const side = await loadBuilds({ pq: 'kernels/pq.js' });
const probes = await import(pathToFileURL(join(dists.B, 'kernels/probes.js')).href);
console.log(`A ${dists.A}\nB ${dists.B}\nn ${n}, m ${m}, ${reps} interleaved repeats; load ${load()}`);
try {
  for (const dsub of dsubs) {
    const ksub = 256, words = Math.ceil(m / 4), flops = 2 * n * m * ksub * dsub;
    const x = Float32Array.from({ length: n * m * dsub }, rnd), c = Float32Array.from({ length: m * ksub * dsub }, rnd);
    const bufs = {}, times = { A: [], B: [], P: [] }, cpu = { A: [], B: [], P: [] }, out = {};
    for (const [s, { engine }] of Object.entries(side)) bufs[s] = { x: engine.upload(x), c: engine.upload(c), o: engine.buffer(n * words * 4) };
    const eB = side.B.engine, threads = 256 * 2048, iters = 2048, pout = eB.buffer(threads * 4);
    for (let i = 0; i <= reps; i++) {
      for (const s of withProbe ? ['A', 'B', 'P'] : ['A', 'B']) {
        const t0 = performance.now(), c0 = process.cpuUsage();
        if (s === 'P') {
          probes.probeFma(eB, pout, threads, iters, 0.999, 0.001);
          await eB.read(pout, Uint32Array, 0, 4);
        } else {
          const { pq, engine } = side[s], b = bufs[s];
          pq.pqEncode(engine, b.x, b.c, b.o, n, m, 8, dsub);
          out[s] = await engine.read(b.o, Uint32Array);
        }
        if (i > 0) { // the first call compiles
          times[s].push((performance.now() - t0) / 1000);
          const c = process.cpuUsage(c0);
          cpu[s].push((c.user + c.system) / 1e6);
        }
      }
    }
    const same = out.A.length === out.B.length && out.A.every((e, i) => e === out.B[i]);
    const a = median(times.A), b = median(times.B), p = withProbe ? median(times.P) : NaN;
    const rate = (32 * threads * iters) / p;
    const pair = (t) => median(t.B.map((v, i) => v / t.A[i]));
    const lo = (t) => Math.min(...t.B) / Math.min(...t.A);
    console.log(`dsub ${dsub} median of per-repeat B/A: wall ${pair(times).toFixed(3)}, CPU ${pair(cpu).toFixed(3)}; min B / min A: wall ${lo(times).toFixed(3)}, CPU ${lo(cpu).toFixed(3)}`);
    const ca = median(cpu.A), cb = median(cpu.B), cp = withProbe ? median(cpu.P) : NaN, crate = (32 * threads * iters) / cp;
    console.log(`dsub ${dsub} CPU s: A ${ca.toFixed(3)}, B ${cb.toFixed(3)}, B/A ${(cb / ca).toFixed(3)}; probe ${(crate / 1e9).toFixed(1)} GFLOP/CPU-s; share A ${((flops / ca / crate) * 100).toFixed(0)}%, B ${((flops / cb / crate) * 100).toFixed(0)}%`);
    console.log(`dsub ${dsub}: A ${a.toFixed(3)} s, B ${b.toFixed(3)} s, B/A ${(b / a).toFixed(3)}; probe ${(rate / 1e9).toFixed(1)} GFLOP/s; ` +
      `share A ${((flops / a / rate) * 100).toFixed(0)}%, B ${((flops / b / rate) * 100).toFixed(0)}%; codes ${same ? 'same' : 'DIFFER'}; load ${load()}`);
    for (const s of ['A', 'B']) for (const v of Object.values(bufs[s])) v.dispose();
    pout.dispose();
  }
} finally {
  for (const s of Object.values(side)) s.engine.dispose();
}
