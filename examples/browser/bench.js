// Benchmarks tab: times kernels on this GPU (the batched scores kernel now; more as they land) and lists the
// adapter's limits and features.
import { $, status, stats, row, intValue, fmtBytes, guarded } from './util.js';

export function mountBenchmarks(ctx) {
  const { lib, engine } = ctx;
  const l = engine.limits;
  stats('gpu-limits', [
    ['adapter', engine.adapterName],
    ['max storage binding', fmtBytes(l.maxStorageBufferBindingSize)],
    ['max buffer', fmtBytes(l.maxBufferSize)],
    ['workgroup memory', fmtBytes(l.maxComputeWorkgroupStorageSize)],
    ['invocations / workgroup', l.maxComputeInvocationsPerWorkgroup],
    ['timestamp queries', engine.hasTimestamps ? 'yes' : 'no'],
    ['features', [...engine.features].sort().join(', ') || 'none'],
  ]);
  $('bench-run').disabled = false;
  $('bench-run').addEventListener('click', () => guarded(ctx, 'bench-run', 'bench-status', 'Benchmark', async () => {
    const nq = intValue('bench-nq'), n = intValue('bench-n'), d = intValue('bench-d');
    const bytes = Math.max(nq * d, n * d, nq * n) * 4;
    if (bytes > engine.maxBinding) throw new Error(`${fmtBytes(bytes)} in one buffer is over this GPU's binding limit (${fmtBytes(engine.maxBinding)}); use smaller sizes`);
    const rand = (len) => Float32Array.from({ length: len }, () => Math.random() * 2 - 1);
    const q = engine.upload(rand(nq * d), 'bench q'), x = engine.upload(rand(n * d), 'bench x'), out = engine.buffer(nq * n * 4, 'bench out');
    try {
      status('bench-status', 'Warming up…');
      lib.scores(engine, q, x, out, nq, n, d, 0);
      await engine.sync();
      // Repeat until about half a second has passed, then report the mean.
      let reps = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < 500 || reps < 3) {
        lib.scores(engine, q, x, out, nq, n, d, 0);
        await engine.sync();
        reps++;
        status('bench-status', `Running… ${reps} repetitions`);
      }
      const ms = (performance.now() - t0) / reps;
      row($('bench-results'), ['scores (ip)', `${nq} × ${n} × ${d}`, ms.toFixed(2), ((2 * nq * n * d) / ms / 1e6).toFixed(2)]);
      status('bench-status', `${reps} repetitions, mean of wall time per dispatch (including submit and sync).`);
    } finally {
      q.dispose(); x.dispose(); out.dispose();
    }
  }));
}
