// Train tab: trains IVF+PQ by k-means on the demo set in the page, measures recall@10 on the 500 demo queries,
// runs Distill-VQ (live loss and validation-recall charts, cancellable), measures again, and can hand the
// distilled index to the Search tab. body[data-train] is 'running', 'done', 'cancelled' or 'error'.
import { $, status, guarded, numValue } from './util.js';
import { lineChart } from './chart.js';

const STEPS = ['kmeans', 'add', 'before', 'distill', 'after'];
const pct = (v) => `${(v * 100).toFixed(v >= 0.995 || v === 0 ? 0 : 1)}%`;

export function mountTrain(ctx) {
  const { lib, engine } = ctx;
  let abort = null;
  let trained = null; // the last trained index while it is not in the Search tab
  let lossPts = [], recallPts = [];
  let drawPending = false;

  const draw = () => {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      const w = Math.max(1, Math.round(lossPts.length / 25));
      const smooth = lossPts.map(([x], i) => {
        const from = Math.max(0, i - w + 1);
        let s = 0;
        for (let j = from; j <= i; j++) s += lossPts[j][1];
        return [x, s / (i - from + 1)];
      });
      lineChart($('chart-loss'), w > 1 ? [
        { points: lossPts, color: '#9db0ee', width: 1.2, label: 'loss' },
        { points: smooth, color: '#3659d6', width: 2.4, label: `mean of ${w} steps` },
      ] : [{ points: lossPts, color: '#3659d6', width: 2.2, markers: lossPts.length <= 30, label: `${$('tr-loss').selectedOptions[0].textContent} loss` }], { xLabel: 'step', xInteger: true, yFormat: (v) => v.toPrecision(3), empty: 'the loss appears here while Distill-VQ trains' });
      $('chart-loss').dataset.points = String(lossPts.length);
      lineChart($('chart-recall'), [{ points: recallPts, color: '#1f8a4c', markers: true, labels: true, label: 'recall@10' }],
        { xLabel: 'epoch (0 = k-means)', xInteger: true, xMin: 0, xMax: Math.max(1, Number($('tr-epochs').value) || 1), yFormat: pct,
          empty: 'validation recall appears after each epoch' });
      $('chart-recall').dataset.points = String(recallPts.length);
    });
  };

  const setStep = (name, state, note = '') => {
    const li = $('train-steps').querySelector(`[data-step="${name}"]`);
    li.classList.remove('active', 'done', 'failed');
    if (state) li.classList.add(state);
    li.dataset.note = note;
  };

  const evaluate = async (index, demo, nprobes, signal) => {
    const { queries, groundTruth: gt } = demo;
    const out = [];
    for (const nprobe of nprobes) {
      if (signal.aborted) throw new DOMException('cancelled', 'AbortError');
      const res = await index.search(queries.data, { k: 10, nprobe });
      out.push(lib.recallAtK(res.ids, 10, gt.data, gt.dim, queries.n, 10));
    }
    return out;
  };

  const showRecall = (nprobes, before, after) => {
    const body = $('train-recall');
    body.replaceChildren();
    nprobes.forEach((p, i) => {
      const tr = document.createElement('tr');
      const d = after ? after[i] - before[i] : NaN;
      for (const [text, cls] of [[String(p), 'num'], [pct(before[i]), 'num'], [after ? pct(after[i]) : '…', 'num'],
        [after ? `${d >= 0 ? '+' : '−'}${(Math.abs(d) * 100).toFixed(1)} pt` : '', `num ${d > 0 ? 'up' : d < 0 ? 'down' : ''}`]]) {
        const td = document.createElement('td'); td.className = cls; td.textContent = text; tr.append(td);
      }
      body.append(tr);
    });
  };

  $('train-cancel').addEventListener('click', () => { abort?.abort(); $('train-cancel').disabled = true; });

  $('train-use').addEventListener('click', () => guarded(ctx, 'train-use', 'train-status', 'Using the trained index', async () => {
    if (!trained) return;
    const idx = trained;
    trained = null;
    await ctx.setIndex(idx, 'trained in this page (Distill-VQ)');
    $('train-use').disabled = true;
    document.querySelector('[data-tab="search"]').click();
  }).finally(() => { $('train-use').disabled = !trained; }));

  $('train-run').addEventListener('click', () => guarded(ctx, 'train-run', 'train-status', 'Training', async () => {
    const nlist = numValue('tr-nlist', { min: 1, integer: true }), m = Number($('tr-m').value), bits = Number($('tr-bits').value);
    const ivfIters = numValue('tr-ivf-iters', { min: 1, integer: true }), pqIters = numValue('tr-pq-iters', { min: 1, integer: true });
    const pseudo = numValue('tr-pseudo', { min: 2, integer: true }), epochs = numValue('tr-epochs', { min: 1, integer: true });
    const batchSize = numValue('tr-batch', { min: 1, integer: true }), topK = numValue('tr-topk', { min: 2, integer: true });
    const lrCodebooks = numValue('tr-lr-c'), lrCentroids = numValue('tr-lr-o');
    const loss = $('tr-loss').value;
    const demo = await ctx.demo;
    if (nlist > demo.base.n) throw new Error(`IVF lists (${nlist}) must not exceed the ${demo.base.n} training vectors`);
    if (pseudo > demo.base.n) throw new Error(`pseudo-queries (${pseudo}) must not exceed the ${demo.base.n} base vectors`);

    trained?.dispose();
    trained = null;
    $('train-use').disabled = true;
    lossPts = []; recallPts = [];
    draw();
    for (const s of STEPS) setStep(s, null);
    $('train-recall').replaceChildren(Object.assign(document.createElement('tr'), { className: 'empty', innerHTML: '<td colspan="4">Measured after k-means…</td>' }));
    abort = new AbortController();
    const signal = abort.signal;
    $('train-cancel').disabled = false;
    document.body.dataset.train = 'running';
    const bar = $('train-progress');
    const onProgress = (p) => {
      bar.value = p.total > 0 ? p.done / p.total : 0;
      status('train-status', lib.formatProgress(p));
      if (p.phase === 'distill' && p.info) {
        if (!recallPts.length && Number.isFinite(p.info.valRecall10)) recallPts.push([0, p.info.valRecall10]);
        lossPts.push([p.done, p.info.loss]);
        draw();
      } else if (p.phase === 'distill epoch' && p.info) {
        recallPts.push([p.done, p.info.valRecall10]);
        draw();
      }
    };
    const index = new lib.IvfPqIndex(engine, { dim: demo.base.dim, nlist, m, bits, metric: 'ip' });
    const nprobes = [1, 2, 4, 8, 16, 32].filter((p) => p <= nlist);
    const t0 = performance.now();
    const times = {};
    let step = '';
    const run = async (name, fn) => {
      step = name;
      setStep(name, 'active');
      const t = performance.now();
      const r = await fn();
      times[name] = (performance.now() - t) / 1000;
      setStep(name, 'done', `${times[name].toFixed(1)} s`);
      return r;
    };
    try {
      await run('kmeans', () => index.train(demo.base.data, { ivfIters, pqIters, seed: 1, onProgress, signal }));
      await run('add', () => index.add(demo.base.data, undefined, { onProgress, signal }));
      status('train-status', 'Searching the 500 demo queries…');
      const before = await run('before', () => evaluate(index, demo, nprobes, signal));
      showRecall(nprobes, before, null);
      const report = await run('distill', () => index.distill({
        base: demo.base.data, pseudoQueries: pseudo, epochs, batchSize, topK, loss, lrCodebooks, lrCentroids, seed: 1, onProgress, signal,
      }));
      status('train-status', 'Searching the 500 demo queries…');
      const after = await run('after', () => evaluate(index, demo, nprobes, signal));
      showRecall(nprobes, before, after);
      bar.value = 1;
      trained = index;
      $('train-use').disabled = false;
      const total = (performance.now() - t0) / 1000;
      status('train-status', `Done in ${total.toFixed(0)} s (k-means ${times.kmeans.toFixed(0)} s, Distill-VQ ${times.distill.toFixed(0)} s: `
        + `${report.steps} steps on ${report.trainQueries} pseudo-queries). Distill-VQ: ${report.message}. `
        + (report.improved === false
          ? 'The index in the Search tab is the k-means start unchanged.'
          : 'The distilled index can now be searched in the Search tab.'));
      document.body.dataset.train = 'done';
    } catch (e) {
      index.dispose();
      setStep(step, 'failed');
      document.body.dataset.train = e?.name === 'AbortError' ? 'cancelled' : 'error';
      throw e;
    } finally {
      abort = null;
      $('train-cancel').disabled = true;
    }
  }));
  // A software GPU (SwiftShader, llvmpipe) does about 0.1-1 GFLOP/s: preselect settings that finish in minutes.
  if (/swiftshader|llvmpipe|lavapipe|software/i.test(engine.adapterName)) {
    for (const [id, v] of Object.entries(LIGHT)) $(id).value = v;
    const note = $('train-note');
    note.textContent = `${engine.adapterName} is a software GPU, so lighter settings are preselected (4-bit PQ, fewer iterations and `
      + 'pseudo-queries, larger learning rates for the few steps). On a real GPU the defaults (IVF32, PQ16x8, 400 pseudo-queries) take seconds.';
    note.hidden = false;
  }
  $('train-run').disabled = false;
  draw();
}

const LIGHT = { 'tr-nlist': '16', 'tr-m': '16', 'tr-bits': '4', 'tr-ivf-iters': '5', 'tr-pq-iters': '5', 'tr-pseudo': '200', 'tr-epochs': '2', 'tr-batch': '32', 'tr-topk': '32',
  // a dozen steps move AdamW's parameters by about steps x rate: the library's rates (tuned for hundreds of steps)
  // leave such a short run where it started, so the light settings take rates ~3x larger
  'tr-lr-c': '0.001', 'tr-lr-o': '0.0003' };
