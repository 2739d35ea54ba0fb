// Train tab: train an IVF+PQ index on the GPU from a vectors file (or generated clustered vectors), add the
// vectors, then hand the index to the Search tab. Shows progress (phase, rate, ETA) and can be cancelled.
// Plug points: IvfPqIndex (src/ivfpq/index.ts) and parseVectors (src/io/vectors.ts); while either is missing
// from the bundle the tab says so.
import { $, status, intValue, guarded } from './util.js';

export function mountTrain(ctx) {
  const { lib, engine } = ctx;
  let data = null; // { data: Float32Array, n, dim, name }
  let abort = null;

  if (typeof lib.IvfPqIndex !== 'function') {
    status('train-status', 'Training is not in this build yet: it needs IvfPqIndex (src/ivfpq/index.ts).');
  }
  const ready = () => { $('train-run').disabled = !data || typeof lib.IvfPqIndex !== 'function' || !!abort; };

  const setData = (set, name) => {
    data = { ...set, name };
    status('train-data', `${name}: ${set.n.toLocaleString()} vectors of dimension ${set.dim}.`);
    ready();
  };

  $('train-file').addEventListener('change', () => guarded(ctx, 'synth-make', 'train-data', 'Reading the vectors file', async () => {
    const f = $('train-file').files?.[0];
    if (!f) return;
    if (typeof lib.parseVectors !== 'function') throw new Error('vector files need src/io/vectors.ts, which is not in this build yet');
    setData(lib.parseVectors(f.name, new Uint8Array(await f.arrayBuffer())), f.name);
  }));

  $('synth-make').addEventListener('click', () => guarded(ctx, 'synth-make', 'train-data', 'Generating vectors', async () => {
    const n = intValue('synth-n'), dim = intValue('synth-dim');
    setData(clustered(n, dim, Math.max(4, Math.round(Math.sqrt(n) / 4))), `generated (${n} × ${dim})`);
  }));

  $('train-cancel').addEventListener('click', () => abort?.abort());

  $('train-run').addEventListener('click', () => guarded(ctx, 'train-run', 'train-status', 'Training', async () => {
    const nlist = intValue('train-nlist'), m = intValue('train-m');
    const bits = Number($('train-bits').value), metric = $('train-metric').value;
    const index = new lib.IvfPqIndex(engine, { dim: data.dim, nlist, m, bits, metric });
    abort = new AbortController();
    $('train-cancel').disabled = false;
    const bar = $('train-progress');
    const onProgress = (p) => {
      bar.value = p.total > 0 ? p.done / p.total : 0;
      status('train-status', typeof lib.formatProgress === 'function' ? lib.formatProgress(p)
        : `${p.phase}: ${p.done}/${p.total} (${p.rate.toFixed(1)}/s, ETA ${Number.isFinite(p.eta) ? p.eta.toFixed(1) + ' s' : '?'})`);
    };
    const t0 = performance.now();
    try {
      await index.train(data.data, { onProgress, signal: abort.signal });
      status('train-status', 'Adding vectors…');
      await index.add(data.data, undefined, { onProgress, signal: abort.signal });
    } catch (e) {
      index.dispose();
      throw e;
    } finally {
      abort = null;
      $('train-cancel').disabled = true;
    }
    bar.value = 1;
    ctx.setIndex?.(index, `trained here on ${data.name}`);
    status('train-status', `Trained and added ${index.ntotal.toLocaleString()} vectors in ${((performance.now() - t0) / 1000).toFixed(1)} s; the index is now in the Search tab.`);
  }).finally(ready));
  ready();
}

/** n vectors of dimension dim around `k` random centres (normalized, so inner product search makes sense). */
function clustered(n, dim, k) {
  let s = 0x9e3779b9;
  const rand = () => { s = (s + 0x6d2b79f5) >>> 0; let t = Math.imul(s ^ (s >>> 15), s | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const centres = Float32Array.from({ length: k * dim }, gauss);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * k);
    let norm = 0;
    for (let j = 0; j < dim; j++) { const v = centres[c * dim + j] + 0.5 * gauss(); out[i * dim + j] = v; norm += v * v; }
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < dim; j++) out[i * dim + j] /= norm;
  }
  return { data: out, n, dim };
}
