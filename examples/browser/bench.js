// Benchmarks tab: runs the library's kernel benchmarks (benchKernels, src/bench/kernels.ts) on this browser's
// GPU and shows the table; the JSON report can be downloaded to compare browsers and GPUs. Lists the limits.
import { $, status, stats, fmtBytes, guarded } from './util.js';

export function mountBenchmarks(ctx) {
  const { lib, engine } = ctx;
  const l = engine.limits;
  stats('gpu-limits', [
    ['adapter', engine.adapterName],
    ['browser', navigator.userAgent.match(/(Chrome|Chromium|Firefox|Safari|Edg)\/[\d.]+/g)?.join(' ') ?? navigator.userAgent],
    ['max storage binding', fmtBytes(l.maxStorageBufferBindingSize)],
    ['max buffer', fmtBytes(l.maxBufferSize)],
    ['workgroup memory', fmtBytes(l.maxComputeWorkgroupStorageSize)],
    ['invocations / workgroup', l.maxComputeInvocationsPerWorkgroup],
    ['timestamp queries', engine.features.has('timestamp-query') ? 'yes' : 'no (wall-clock times only)'],
    ['features', [...engine.features].sort().join(', ') || 'none'],
  ]);

  const names = [...new Set(lib.kernelCases(true).map((c) => c.kernel))];
  const box = $('bench-kernels');
  for (const n of names) {
    const lab = document.createElement('label');
    lab.className = 'inline';
    const cb = document.createElement('input');
    cb.type = 'checkbox'; cb.checked = true; cb.value = n;
    lab.append(cb, ` ${n}`);
    box.append(lab);
  }

  let abort = null;
  let last = null;
  $('bench-cancel').addEventListener('click', () => abort?.abort());
  $('bench-copy').addEventListener('click', () => guarded(ctx, 'bench-copy', 'bench-status', 'Copying', async () => {
    await navigator.clipboard.writeText(last.table);
    status('bench-status', 'Table copied.');
  }));
  $('bench-json').addEventListener('click', () => {
    const url = URL.createObjectURL(new Blob([JSON.stringify(last.json, null, 2)], { type: 'application/json' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: `distill-vq-kernels-${last.json.adapter.replace(/[^\w.-]+/g, '_').slice(0, 60)}.json` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });

  $('bench-run').addEventListener('click', () => guarded(ctx, 'bench-run', 'bench-status', 'Benchmark', async () => {
    const only = [...box.querySelectorAll('input:checked')].map((c) => c.value);
    if (!only.length) throw new Error('select at least one kernel');
    abort = new AbortController();
    $('bench-cancel').disabled = false;
    document.body.dataset.bench = 'running';
    // A separate engine with timestamp queries, when the adapter has them, for GPU times next to wall time.
    let bengine = engine, own = false;
    if (engine.features.has('timestamp-query')) {
      try { bengine = await lib.createEngine({ profile: true }); own = true; } catch { bengine = engine; }
    }
    const bar = $('bench-progress');
    try {
      const r = await lib.benchKernels(bengine, {
        quick: $('bench-quick').checked, only, signal: abort.signal,
        onProgress: (p) => { bar.value = p.total ? p.done / p.total : 0; status('bench-status', lib.formatProgress(p)); },
      });
      last = r;
      show(r.json);
      status('bench-status', `${r.json.cases.length} cases. Timing: ${r.json.timing === 'wall' ? 'wall clock (this adapter has no timestamp queries)' : 'GPU timestamps and wall clock'}.`);
      $('bench-copy').disabled = false; $('bench-json').disabled = false;
      document.body.dataset.bench = 'done';
    } catch (e) {
      document.body.dataset.bench = e?.name === 'AbortError' ? 'cancelled' : 'error';
      throw e;
    } finally {
      if (own) bengine.dispose();
      abort = null;
      $('bench-cancel').disabled = true;
    }
  }));
  $('bench-run').disabled = false;

  function show(json) {
    const r = json.roofline ?? {}, g = r.gatherGLookups ?? {};
    const roof = r.streamGBps === undefined ? '' : `. Roofline of this adapter (probes, same run): stream ${r.streamGBps.toFixed(2)} GB/s, `
      + `gather ${Object.entries(g).map(([t, v]) => `${v.toFixed(3)} (${t})`).join(', ')} Glookup/s, FMA ${r.fmaGflops?.toFixed(1)} GFLOP/s, `
      + `barrier ${r.nsPerBarrier?.toFixed(0)} ns`;
    $('bench-head').textContent = `${json.quick ? 'Quick sizes' : 'Full sizes'} on ${json.adapter}, ${new Date(json.timestamp).toLocaleString()}${roof}`;
    const body = $('bench-results');
    body.replaceChildren();
    const f = (x) => (x === null || x === undefined ? '–' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
    for (const c of json.cases) {
      const tr = document.createElement('tr');
      const cells = [[c.kernel, 'strong'], [c.size, 'mono'], [String(c.reps), 'num'], [f(c.gpuMs), 'num'], [f(c.wallMs), 'num'],
        [`${lib.throughput(c)} (${c.basis})`, ''], [lib.boundShareText(c), ''], [c.work.formula, 'muted small-text']];
      for (const [t, cls] of cells) { const td = document.createElement('td'); td.textContent = t; td.className = cls; tr.append(td); }
      body.append(tr);
    }
  }
}
