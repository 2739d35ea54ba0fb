// Search tab: load a trained index (.dvq), pick a query vector (a row of a vectors file, or pasted numbers),
// search it on the GPU and list the nearest neighbours.
// Plug points: the .dvq decoder comes from src/ivfpq/format.ts and the index from src/ivfpq/index.ts
// (IvfPqIndex.fromData); vector files are parsed by src/io/vectors.ts (parseVectors). Until a piece is in the
// bundle, the tab says which one is missing instead of failing.
import { $, status, stats, row, intValue, fmtBytes, guarded } from './util.js';

/** The library's .dvq decoder (bytes -> IvfPqData, src/ivfpq/format.ts fromBytes), or null when not in the bundle. */
export function dvqDecoder(lib) {
  return typeof lib.fromBytes === 'function' ? (bytes) => lib.fromBytes(bytes) : null;
}

export function mountSearch(ctx) {
  const { lib, engine } = ctx;
  let queries = null; // { data, n, dim, name }

  const missing = [];
  if (typeof lib.IvfPqIndex !== 'function') missing.push('IvfPqIndex (src/ivfpq/index.ts)');
  if (!dvqDecoder(lib)) missing.push('the .dvq reader (src/ivfpq/format.ts)');
  if (missing.length) {
    status('index-status', `Loading indexes is not in this build yet: it needs ${missing.join(' and ')}.`);
    $('index-load').disabled = true;
    $('index-file').disabled = true;
  }
  const u = new URLSearchParams(location.search).get('index');
  if (u) $('index-url').value = u;

  /** Makes `index` the one searched here (the Train tab calls this too) and disposes the previous one. */
  ctx.setIndex = (index, label) => {
    if (ctx.index && ctx.index !== index) ctx.index.dispose();
    ctx.index = index;
    stats('index-stats', [
      ['source', label], ['vectors', index.ntotal.toLocaleString()], ['dimension', index.dim], ['metric', index.metric],
      ['lists (nlist)', index.nlist], ['sub-quantizers (m)', `${index.m} × ${index.bits} bits`],
      ['code size', `${index.codeSize} B + 4 B id per vector`], ['GPU memory in use', fmtBytes(engine.liveBytes)],
    ]);
    $('search-nprobe').max = String(index.nlist);
    status('index-status', `Index ready: ${index.ntotal.toLocaleString()} vectors.`);
    refresh();
  };

  const loadBytes = async (bytes, label) => {
    const decode = dvqDecoder(lib);
    const data = decode(bytes);
    ctx.setIndex(lib.IvfPqIndex.fromData(engine, data), label);
  };

  $('index-load').addEventListener('click', () => guarded(ctx, 'index-load', 'index-status', 'Loading the index', async () => {
    const url = $('index-url').value.trim();
    if (!url) throw new Error('enter the URL of a .dvq file first');
    status('index-status', `Downloading ${url}…`);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    await loadBytes(new Uint8Array(await res.arrayBuffer()), url);
  }));

  $('index-file').addEventListener('change', () => guarded(ctx, 'index-load', 'index-status', 'Loading the index', async () => {
    const f = $('index-file').files?.[0];
    if (!f) return;
    status('index-status', `Reading ${f.name} (${fmtBytes(f.size)})…`);
    await loadBytes(new Uint8Array(await f.arrayBuffer()), f.name);
  }));

  $('query-file').addEventListener('change', () => guarded(ctx, 'search-run', 'search-status', 'Reading the query file', async () => {
    const f = $('query-file').files?.[0];
    if (!f) return;
    if (typeof lib.parseVectors !== 'function') throw new Error('vector files need src/io/vectors.ts, which is not in this build yet');
    const set = lib.parseVectors(f.name, new Uint8Array(await f.arrayBuffer()));
    queries = { ...set, name: f.name };
    $('query-row').max = String(set.n - 1);
    status('search-status', `${f.name}: ${set.n.toLocaleString()} vectors of dimension ${set.dim}.`);
    refresh();
  }));

  $('query-text').addEventListener('input', refresh);

  function queryVector() {
    const text = $('query-text').value.trim();
    const index = ctx.index;
    if (text) {
      const v = text.split(/[\s,;]+/).filter(Boolean).map(Number);
      const bad = v.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new Error(`pasted vector: value ${bad + 1} is not a number`);
      if (v.length !== index.dim) throw new Error(`pasted vector has ${v.length} values; the index has dimension ${index.dim}`);
      return { vec: Float32Array.from(v), label: 'pasted vector' };
    }
    if (!queries) throw new Error('choose a query vectors file or paste a vector');
    if (queries.dim !== index.dim) throw new Error(`${queries.name} has dimension ${queries.dim}; the index has ${index.dim}`);
    const r = intValue('query-row', 0);
    if (r >= queries.n) throw new Error(`row ${r} is past the end of ${queries.name} (${queries.n} rows)`);
    return { vec: queries.data.slice(r * queries.dim, (r + 1) * queries.dim), label: `${queries.name} row ${r}` };
  }

  function refresh() {
    $('search-run').disabled = !ctx.index || (!queries && !$('query-text').value.trim());
  }

  $('search-run').addEventListener('click', () => guarded(ctx, 'search-run', 'search-status', 'Search', async () => {
    const index = ctx.index;
    const { vec, label } = queryVector();
    const k = intValue('search-k'), nprobe = intValue('search-nprobe');
    const t0 = performance.now();
    const res = await index.search(vec, { k, nprobe });
    const ms = performance.now() - t0;
    const body = $('search-results');
    body.replaceChildren();
    for (let i = 0; i < res.k; i++) {
      if (res.ids[i] < 0) break;
      row(body, [i + 1, res.ids[i], res.scores[i].toFixed(4)]);
    }
    status('search-status', `${label}: top ${k} of ${index.ntotal.toLocaleString()} with nprobe ${nprobe} in ${ms.toFixed(1)} ms.`);
  }));
  refresh();
}
